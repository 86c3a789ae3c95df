"""The case form's autosave rules, without a window: what is sent when, and that no typed value is lost."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from desk.errors import EditConflict, ValidationFailed
from ui.cases.autosave import Autosave, Batch, Do, Elsewhere, Failed, Step

REPO = Path(__file__).resolve().parents[1]
CONTENT = ("order_no", "notes", "due_at")
BLANK = {"platform": "拼多多", "order_no": "", "notes": "", "due_at": ""}
STORED = {"platform": "拼多多", "order_no": "240101-1", "notes": "买家称少发一件", "due_at": ""}


def editing(case_id: int | None = 7, values: dict[str, Any] | None = None) -> Autosave[int]:
    state: Autosave[int] = Autosave(CONTENT)
    if case_id is None:
        state.loaded(None, None, dict(BLANK))
    else:
        state.loaded(case_id, 3, dict(values or STORED))
    return state


def sent(step: Step[int]) -> Batch[int]:
    assert step.do is Do.SEND, step
    assert step.batch is not None
    return step.batch


def test_edits_coalesce_into_one_save_of_the_last_values() -> None:
    state = editing()
    assert state.edited({"notes": "买"}) is True
    state.edited({"notes": "买家同意"})
    state.edited({"order_no": "240101-2"})
    state.edited({"notes": "买家同意补发"})
    batch = sent(state.due())
    assert (batch.case_id, batch.version) == (7, 3)
    assert dict(batch.fields) == {
        "notes": "买家同意补发",
        "order_no": "240101-2",
    }  # unchanged fields stay out
    assert state.saving and state.due().do is Do.NOTHING  # one save at a time


def test_typing_back_the_stored_value_leaves_nothing_to_save() -> None:
    state = editing()
    state.edited({"notes": "x"})
    assert state.edited({"notes": STORED["notes"]}) is False
    assert not state.dirty and state.due().do is Do.NOTHING


def test_an_edit_made_while_saving_is_sent_afterwards() -> None:
    state = editing()
    state.edited({"notes": "第一处"})
    first = sent(state.due())
    state.edited({"order_no": "240101-9"})  # typed on while the first save runs
    assert state.request(explicit=False).do is Do.NOTHING  # waits for the running save
    assert state.saved_as(7, 4) is False
    assert state.pending() == {"order_no": "240101-9"}
    assert state.finished().do is Do.START_TIMER
    second = sent(state.due())
    assert dict(first.fields) == {"notes": "第一处"}
    assert dict(second.fields) == {"order_no": "240101-9"} and second.version == 4


def test_save_pressed_during_an_autosave_saves_the_rest_at_once_and_reports_as_asked() -> None:
    state = editing()
    state.edited({"notes": "a"})
    sent(state.due())
    state.edited({"notes": "ab"})
    assert state.request(explicit=True).do is Do.NOTHING
    state.saved_as(7, 4)
    batch = sent(state.finished())  # no pause: the operator asked
    assert batch.explicit and dict(batch.fields) == {"notes": "ab"}
    failure = state.failed(ValidationFailed("备注太长"))
    assert failure.kind is Failed.REFUSED_ASKED


def test_a_refused_save_keeps_the_edits_reports_them_and_waits_for_the_next_edit() -> None:
    state = editing()
    state.edited({"order_no": "坏的单号", "notes": "补发"})
    sent(state.due())
    failure = state.failed(ValidationFailed("订单号格式不对"))
    assert failure.kind is Failed.REFUSED and failure.message == "订单号格式不对"
    assert dict(failure.unsaved) == {"order_no": "坏的单号", "notes": "补发"}
    assert state.finished().do is Do.NOTHING  # no retry loop
    assert state.dirty and state.current["order_no"] == "坏的单号"
    assert state.due().do is Do.NOTHING
    state.edited({"order_no": "240101-3"})
    assert dict(sent(state.due()).fields) == {"order_no": "240101-3", "notes": "补发"}


def test_an_unexpected_failure_keeps_the_edits_and_tries_again_after_the_pause() -> None:
    state = editing()
    state.edited({"notes": "补发"})
    sent(state.due())
    assert state.failed(OSError("disk gone")).kind is Failed.BROKEN
    assert state.finished().do is Do.START_TIMER
    assert dict(sent(state.due()).fields) == {"notes": "补发"}


def test_a_conflict_stops_autosave_until_reloaded_and_keeps_the_edits() -> None:
    state = editing()
    state.edited({"notes": "我的修改"})
    sent(state.due())
    failure = state.failed(EditConflict("别人已保存"))
    assert failure.kind is Failed.CONFLICT and dict(failure.unsaved) == {"notes": "我的修改"}
    assert state.finished().do is Do.NOTHING
    state.edited({"notes": "我的修改2"})
    assert state.due().do is Do.NOTHING  # the stale version would only be refused again
    assert state.request(explicit=True).do is Do.ASK_RELOAD
    assert state.pending() == {"notes": "我的修改2"}
    state.loaded(7, 5, {**STORED, "notes": "对方的修改"})  # the operator chose to reload
    assert not state.conflict and not state.dirty


def test_a_change_made_elsewhere_never_reloads_over_edits() -> None:
    state = editing()
    assert state.changed_elsewhere() is Elsewhere.RELOAD  # nothing to lose
    state.edited({"notes": "还在输入"})
    assert state.changed_elsewhere() is Elsewhere.KEEP_EDITS
    assert state.pending() == {"notes": "还在输入"}
    sent(state.due())
    assert state.changed_elsewhere() is Elsewhere.IGNORE  # our own save: its result comes next


def test_a_new_case_is_created_only_with_content_and_then_runs_after() -> None:
    state = editing(None)
    ran: list[str] = []
    state.edited({"platform": "淘宝"})  # a platform picked alone is no case yet
    step = state.request(explicit=False, then=lambda: ran.append("left"))
    assert step.do is Do.RUN_THEN
    for then in step.then:
        then()
    assert ran == ["left"]
    state.edited({"order_no": "240101-1"})
    batch = sent(state.request(explicit=False, then=lambda: ran.append("opened")))
    assert batch.case_id is None and dict(batch.fields) == {
        **BLANK,
        "platform": "淘宝",
        "order_no": "240101-1",
    }
    assert state.saved_as(11, 1) is True and state.case_id == 11
    done = state.finished()
    assert done.do is Do.RUN_THEN and len(done.then) == 1
    done.then[0]()
    assert ran == ["left", "opened"]


def test_waiting_callers_are_dropped_when_the_save_fails() -> None:
    state = editing()
    ran: list[str] = []
    state.edited({"notes": "补发"})
    sent(state.request(explicit=False, then=lambda: ran.append("left")))
    state.failed(ValidationFailed("不行"))
    assert state.finished().do is Do.NOTHING and ran == []


def test_invalid_input_stays_pending_but_is_never_sent() -> None:
    state = editing()
    state.edited({"due_at": "后天吧"})
    state.set_invalid("due_at", "无法识别的时间")
    assert state.dirty and state.request(explicit=True).do is Do.REPORT_INVALID
    state.edited({"notes": "补发"})
    batch = sent(state.due())
    assert dict(batch.fields) == {"notes": "补发"} and "due_at" not in batch.values
    state.saved_as(7, 4)
    state.finished()
    assert state.pending() == {"due_at": "后天吧"}
    assert state.discard_invalid() == {"due_at": ""}
    assert not state.dirty and state.invalid == {}


def test_a_value_the_form_shows_as_stored_counts_as_saved() -> None:
    state = editing()
    state.edited({"due_at": "剩余 23 小时"})
    sent(state.due())
    state.saved_as(7, 4)
    state.settled("due_at", "2026-01-02 10:00")  # the deadline shown as the time it became
    assert state.finished().do is Do.NOTHING and not state.dirty


def test_revert_drops_the_pending_edits() -> None:
    state = editing()
    state.edited({"notes": "不要了"})
    state.set_invalid("due_at", "无法识别")
    state.reverted()
    assert not state.dirty and state.invalid == {} and state.due().do is Do.NOTHING


# -- nothing typed is ever lost ----------------------------------------------------------------------

FIELDS = ("order_no", "notes", "courier")


class Server:
    """A stand-in for CaseService: versions, conflicts, and refusals on demand."""

    def __init__(self) -> None:
        self.case_id: int | None = None
        self.version = 0
        self.values: dict[str, Any] = {}

    def run(self, batch: Batch[int], outcome: str) -> tuple[int, int] | BaseException:
        if outcome == "refused":
            return ValidationFailed("不行")
        if outcome == "broken":
            return OSError("disk gone")
        if batch.case_id is None:
            self.case_id, self.version, self.values = 1, 1, dict(batch.fields)
        elif batch.version != self.version:
            return EditConflict("别人已保存")
        else:
            self.values.update(batch.fields)
            self.version += 1
        assert self.case_id is not None
        return self.case_id, self.version


texts = st.sampled_from(["", "a", "b", "补发", "240101-1"])
actions = st.one_of(
    st.tuples(st.just("edit"), st.sampled_from(FIELDS), texts),
    st.tuples(st.just("invalid"), st.sampled_from(FIELDS), st.booleans()),
    st.tuples(st.just("due")),
    st.tuples(st.just("save"), st.booleans()),
    st.tuples(st.just("leave")),
    st.tuples(st.just("finish"), st.sampled_from(["ok", "ok", "refused", "broken"])),
    st.tuples(st.just("elsewhere")),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(actions, max_size=40))
def test_the_last_value_typed_is_always_saved_or_still_pending(script: list[tuple[Any, ...]]) -> None:
    state: Autosave[int] = Autosave(FIELDS)
    state.loaded(None, None, dict.fromkeys(FIELDS, ""))
    server = Server()
    typed: dict[str, str] = {}
    running: list[Batch[int]] = []

    def follow(step: Step[int]) -> None:
        if step.do is Do.SEND:
            assert step.batch is not None and not running, "two saves at once"
            running.append(step.batch)
        for then in step.then:
            then()

    for action in script:
        kind = action[0]
        if kind == "edit":
            typed[action[1]] = action[2]
            state.edited({action[1]: action[2]})
        elif kind == "invalid":
            state.set_invalid(action[1], "无法识别" if action[2] else None)
        elif kind == "due":
            follow(state.due())
        elif kind == "save":
            follow(state.request(explicit=action[1]))
        elif kind == "leave":
            follow(state.request(explicit=False, then=lambda: None))
        elif kind == "finish" and running:
            result = server.run(running.pop(), action[1])
            if isinstance(result, BaseException):
                failure = state.failed(result)
                assert all(state.current[f] == v for f, v in failure.unsaved.items())
            else:
                state.saved_as(*result)
            follow(state.finished())
        elif kind == "elsewhere" and server.case_id is not None:
            server.values["other"] = f"对方 {server.version}"  # someone else saves another field
            server.version += 1
            if state.changed_elsewhere() is Elsewhere.RELOAD:
                state.loaded(server.case_id, server.version, {f: server.values.get(f, "") for f in FIELDS})
        pending = state.pending()
        for field, value in typed.items():
            assert server.values.get(field, "") == value or pending.get(field) == value, (field, value)
        if not state.dirty and server.case_id is not None and state.case_id is not None and not running:
            # The form shows no edits only when the stored case holds exactly what it shows.
            assert all(server.values.get(f, "") == state.current[f] for f in FIELDS)


# -- Qt-free -------------------------------------------------------------------------------------------


def test_the_autosave_module_imports_no_qt() -> None:
    path = REPO / "ui" / "cases" / "autosave.py"
    imported: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            imported.append("." * node.level + (node.module or ""))
    assert "desk.errors" in imported  # really read the imports
    # PySide6 itself, or the ui.qt wrapper (absolute or relative).
    qt = [
        m
        for m in imported
        if m.split(".")[0] in ("PySide6", "shiboken6") or m.lstrip(".").split(".")[-1] == "qt"
    ]
    assert qt == []
    code = (
        "import sys, ui.cases.autosave\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in ('PySide6', 'shiboken6') or n == 'ui.qt')\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
