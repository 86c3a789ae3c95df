"""The undo log in the core: each undoable operation records a step, undo() takes the newest back in one
transaction and says what changed; a step whose records changed since is refused whole."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from desk.app import open_desk
from desk.db.models_undo import UndoEntry
from desk.domain import CaseDraft, CaseFilter, CaseStatus, EventKind, EvidenceKind, Mark, MarkShape
from desk.services import undo as undo_log
from desk.services.undo import DEPTH, NothingToUndo, UndoConflict, UndoMoved, UndoOp, UndoService
from tests.test_backup import png
from tests.test_cli import run


@pytest.fixture
def undo(desk: Any) -> UndoService:
    return UndoService.for_desk(desk)


def new_case(desk: Any, n: int = 1, **values: Any) -> Any:
    case, _ = desk.cases.create(CaseDraft(order_no=f"261120-{n:015d}", **values))
    return case


def payloads(desk: Any) -> list[tuple[str, dict[str, Any]]]:
    with desk.engine.connect() as conn:
        rows = conn.execute(select(UndoEntry.op, UndoEntry.payload).order_by(UndoEntry.id)).all()
    return [(op, json.loads(p)) for op, p in rows]


def blob_exists(desk: Any, sha: str) -> bool:
    return Path(desk.evidence.blob_path_for(sha)).is_file()


# -- cases ------------------------------------------------------------------------------------------


def test_trash_is_undone_in_one_step(desk: Any, undo: UndoService) -> None:
    a, b = new_case(desk, 1), new_case(desk, 2)
    assert undo.status() is None
    desk.cases.trash([a.id, b.id])
    step = undo.status()
    assert step is not None and step.op == UndoOp.CASES_TRASH
    assert (step.label, step.amount, set(step.case_ids)) == ("移到回收站", "2 条售后", {a.id, b.id})
    result = undo.undo(expected=step.id)
    assert result.message == "已撤销移到回收站（2 条售后）"
    assert result.changes.cases == {a.id, b.id} and result.changes.case_list
    assert result.next is None and undo.status() is None
    assert set(desk.cases.list_ids()) == {a.id, b.id}
    last = desk.cases.timeline(a.id)[-1]
    assert last.kind == EventKind.RESTORED and last.words().line() == "从回收站恢复：撤销删除"
    with pytest.raises(NothingToUndo, match="没有可以撤销的操作"):
        undo.undo()


def test_restore_from_trash_is_undone_with_its_trash_time(desk: Any, undo: UndoService) -> None:
    a = new_case(desk)
    desk.cases.trash([a.id])
    trashed_at = desk.cases.get(a.id).deleted_at
    desk.cases.restore([a.id])
    assert undo.status().label == "从回收站恢复"  # type: ignore[union-attr]
    undo.undo()
    assert desk.cases.list_ids(CaseFilter(trash=True)) == [a.id]
    assert desk.cases.get(a.id).deleted_at == trashed_at
    assert undo.status().op == UndoOp.CASES_TRASH  # type: ignore[union-attr]  # the step before it


def test_bulk_status_is_undone_with_the_deadline_clock(desk: Any, undo: UndoService) -> None:
    due = datetime.now(UTC) + timedelta(hours=30)
    a = new_case(desk, 1, due_at=due)
    b = new_case(desk, 2, status=CaseStatus.CLOSED)  # the workflow refuses 已结案 → 等待退货
    result = desk.cases.bulk_update([a.id, b.id], status=CaseStatus.WAITING_RETURN)
    assert result.changed == (a.id,) and [r[0] for r in result.refused] == [b.id]
    paused = desk.cases.get(a.id)
    assert paused.due_paused_at is not None  # waiting holds the clock
    step = undo.status()
    assert step is not None and (step.label, step.case_ids) == ("批量修改状态", (a.id,))
    undo.undo()
    back = desk.cases.get(a.id)
    assert (back.status, back.due_at, back.due_paused_at) == (CaseStatus.OPEN, due, None)
    assert back.version > paused.version  # a write like any other: an open form sees it is stale
    assert desk.cases.get(b.id).status == CaseStatus.CLOSED
    undone = [e for e in desk.cases.timeline(a.id) if e.data.get("reason") == "undo_bulk"]
    assert [(e.field, e.old, e.new) for e in undone] == [("status", "WAITING_RETURN", "OPEN")]
    assert undone[0].words().line() == "修改状态：等待退货 → 待处理（撤销批量修改）"


def test_bulk_shop_is_undone(desk: Any, undo: UndoService) -> None:
    old, _ = desk.shops.create("老店", "拼多多")
    new, _ = desk.shops.create("新店", "拼多多")
    a, b = new_case(desk, 1, shop_id=old.id), new_case(desk, 2)
    desk.cases.bulk_update([a.id, b.id], shop_id=new.id)
    assert undo.status().label == "批量修改店铺"  # type: ignore[union-attr]
    undo.undo()
    assert (desk.cases.get(a.id).shop_id, desk.cases.get(b.id).shop_id) == (old.id, None)


def test_a_later_edit_refuses_the_whole_step_and_drops_it(desk: Any, undo: UndoService) -> None:
    a, b = new_case(desk, 1), new_case(desk, 2)
    desk.cases.trash([a.id])  # an older step
    desk.cases.bulk_update([a.id, b.id], status=CaseStatus.NEGOTIATING)
    desk.cases.update(b.id, status=CaseStatus.CLOSED)  # someone else, afterwards
    step = undo.status()
    assert step is not None and step.op == UndoOp.CASES_BULK
    before = {c: (desk.cases.get(c).status, desk.cases.get(c).version) for c in (a.id, b.id)}
    with pytest.raises(UndoConflict) as info:
        undo.undo(expected=step.id)
    message = info.value.message
    assert "无法撤销“批量修改状态”" in message and f"#{b.id} 的状态之后又被修改过" in message
    assert "没有做任何改动" in message and "已从撤销记录中移除" in message
    # All or nothing: case a (checked first, reverted in the transaction) is as it was too.
    assert {c: (desk.cases.get(c).status, desk.cases.get(c).version) for c in (a.id, b.id)} == before
    # The refused step is gone; the next undo goes on to the one before it.
    assert undo.status().op == UndoOp.CASES_TRASH  # type: ignore[union-attr]
    undo.undo()
    assert desk.cases.get(a.id).deleted_at is None


def test_trash_undo_refused_when_restored_meanwhile(
    desk: Any, undo: UndoService, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = new_case(desk)
    desk.cases.trash([a.id])
    monkeypatch.setenv(undo_log.ACTOR_ENV, "另一位同事")
    desk.cases.restore([a.id])  # another operator on the shared database: their step, not ours
    monkeypatch.delenv(undo_log.ACTOR_ENV)
    other = UndoService.for_desk(desk, actor="另一位同事")
    assert other.status().op == UndoOp.CASES_RESTORE  # type: ignore[union-attr]
    assert undo.status().op == UndoOp.CASES_TRASH  # type: ignore[union-attr]  # each has their own log
    with pytest.raises(UndoConflict, match="已经不在回收站里了"):
        undo.undo()
    assert desk.cases.get(a.id).deleted_at is None
    assert undo.status() is None and other.status() is not None


def test_expected_step_guards_against_a_changed_log(desk: Any, undo: UndoService) -> None:
    a, b = new_case(desk, 1), new_case(desk, 2)
    desk.cases.trash([a.id])
    shown = undo.status()
    desk.cases.trash([b.id])  # e.g. the CLI, while the window still showed the first step
    with pytest.raises(UndoMoved, match="要撤销的操作已变化"):
        undo.undo(expected=shown.id)  # type: ignore[union-attr]
    assert desk.cases.list_ids() == []  # nothing changed
    assert len(undo.steps()) == 2


def test_purge_forgets_the_steps_of_purged_cases(desk: Any, undo: UndoService) -> None:
    a, b = new_case(desk, 1), new_case(desk, 2)
    gone = desk.evidence.import_bytes(a.id, png(1), "a.png").added[0]
    desk.evidence.remove_many([gone.id])
    desk.cases.trash([a.id])
    desk.cases.trash([b.id])
    assert len(undo.steps()) == 3
    _changes, shas = desk.cases.purge([a.id])
    assert gone.sha256 in shas  # the removed item's original, held by a dropped step
    desk.evidence.purge(shas)
    assert not blob_exists(desk, gone.sha256)
    assert [s.case_ids for s in undo.steps()] == [(b.id,)]


# -- evidence ---------------------------------------------------------------------------------------


def test_removed_evidence_comes_back_whole(desk: Any, undo: UndoService) -> None:
    case = new_case(desk)
    items = [desk.evidence.import_bytes(case.id, png(i), f"{i}.png").added[0] for i in range(3)]
    middle = items[1]
    desk.evidence.update(middle.id, caption="买家承认", kind=EvidenceKind.CHAT)
    desk.evidence.set_marks(middle.id, [Mark(MarkShape.REDACT, 0.1, 0.2, 0.3, 0.4)])
    desk.evidence.remove_many([middle.id, items[2].id])
    assert [e.id for e in desk.evidence.list(case.id)] == [items[0].id]
    assert blob_exists(desk, middle.sha256)  # kept while the step can bring it back
    desk.evidence.purge([middle.sha256])  # e.g. a case purge asking: still held, so kept
    assert blob_exists(desk, middle.sha256)
    step = undo.status()
    assert step is not None and (step.label, step.amount) == ("删除证据", "2 个证据")
    result = undo.undo()
    back = desk.evidence.list(case.id)
    assert [e.original_name for e in back] == ["0.png", "1.png", "2.png"]
    redaction = (Mark(MarkShape.REDACT, 0.1, 0.2, 0.3, 0.4),)
    assert (back[1].caption, back[1].kind, back[1].marks) == ("买家承认", EvidenceKind.CHAT, redaction)
    assert result.changes.evidence == {e.id for e in back[1:]} and case.id in result.changes.cases


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_removed_pictures_come_back_in_their_order(
    desk: Any, undo: UndoService, data: st.DataObject
) -> None:
    """Whatever pictures are removed together (or one after another, then undone one step at a time), the
    gallery comes back in the order it had; reordered first, that order."""
    case = new_case(desk, data.draw(st.integers(1, 10**9)))
    count = data.draw(st.integers(2, 7))
    items = [
        desk.evidence.import_bytes(case.id, png(1000 * case.id + i), f"{i}.png").added[0]
        for i in range(count)
    ]
    if data.draw(st.booleans()):  # the operator reordered first: a picture dragged to the front
        moved = items[data.draw(st.integers(0, count - 1))]
        desk.evidence.move_many([moved.id], 0)
    before = [e.original_name for e in desk.evidence.list(case.id)]
    gone = data.draw(st.lists(st.sampled_from(items), min_size=1, max_size=count, unique_by=lambda e: e.id))
    together = data.draw(st.booleans())
    if together:
        desk.evidence.remove_many([e.id for e in gone])
    else:
        for e in gone:
            desk.evidence.remove_many([e.id])
    for _ in range(1 if together else len(gone)):
        undo.undo()
    assert [e.original_name for e in desk.evidence.list(case.id)] == before


def test_kind_change_is_undone_with_its_confirmation(desk: Any, undo: UndoService) -> None:
    case = new_case(desk)
    guess = desk.evidence.import_bytes(case.id, png(1), "截图.png").added[0]
    sure = desk.evidence.import_bytes(case.id, png(2), "称重.png", kind=EvidenceKind.WAREHOUSE_WEIGHT).added[
        0
    ]
    other = desk.evidence.import_bytes(case.id, png(3), "聊天.png").added[0]
    assert (guess.kind, guess.kind_confirmed) == (EvidenceKind.CHAT, False)
    desk.evidence.set_kind([other.id], EvidenceKind.CHAT)  # the same kind: it only confirms, no step
    assert undo.status() is None and desk.evidence.get(other.id).kind_confirmed
    desk.evidence.set_kind([guess.id, sure.id], EvidenceKind.BUYER_PHOTO)
    assert undo.status().label == "修改证据类型"  # type: ignore[union-attr]
    undo.undo()
    after = {e.id: (e.kind, e.kind_confirmed) for e in desk.evidence.list(case.id)}
    assert after[guess.id] == (EvidenceKind.CHAT, False)
    assert after[sure.id] == (EvidenceKind.WAREHOUSE_WEIGHT, True)


def test_kind_change_then_removal_undo_both(desk: Any, undo: UndoService) -> None:
    """The kind step names the item by case and content, so it still finds it after a restore."""
    case = new_case(desk)
    item = desk.evidence.import_bytes(case.id, png(1), "a.png", kind=EvidenceKind.OTHER).added[0]
    desk.evidence.set_kind([item.id], EvidenceKind.REWEIGH)
    desk.evidence.remove_many([item.id])
    undo.undo()
    undo.undo()
    (back,) = desk.evidence.list(case.id)
    assert back.kind == EvidenceKind.OTHER


def test_kind_undo_refused_after_another_kind_change(desk: Any, undo: UndoService) -> None:
    case = new_case(desk)
    item = desk.evidence.import_bytes(case.id, png(1), "a.png", kind=EvidenceKind.OTHER).added[0]
    desk.evidence.set_kind([item.id], EvidenceKind.REWEIGH)
    desk.evidence.update(item.id, kind=EvidenceKind.CHAT)  # dragged into another group: no step
    with pytest.raises(UndoConflict, match="类型之后又被改过"):
        undo.undo()
    assert desk.evidence.get(item.id).kind == EvidenceKind.CHAT


def test_removal_undo_refused_when_the_original_is_gone(desk: Any, undo: UndoService) -> None:
    case = new_case(desk)
    item = desk.evidence.import_bytes(case.id, png(1), "a.png").added[0]
    desk.evidence.remove_many([item.id])
    Path(desk.evidence.blob_path_for(item.sha256)).unlink()  # e.g. cleaned by hand
    with pytest.raises(UndoConflict, match="原始文件已被清除"):
        undo.undo()
    assert desk.evidence.list(case.id) == [] and undo.status() is None


def test_old_steps_leave_the_log_and_free_their_originals(desk: Any, undo: UndoService) -> None:
    case = new_case(desk)
    first = desk.evidence.import_bytes(case.id, png(1), "first.png").added[0]
    desk.evidence.remove_many([first.id])
    others = [new_case(desk, n) for n in range(2, DEPTH + 3)]
    for other in others:
        desk.cases.trash([other.id])
    # Case steps cannot delete files: the removal lingers (out of sight) until an evidence step prunes it.
    assert len(undo.steps(DEPTH * 2)) == DEPTH and len(payloads(desk)) == DEPTH + 1
    assert blob_exists(desk, first.sha256)
    second = desk.evidence.import_bytes(case.id, png(2), "second.png").added[0]
    desk.evidence.remove_many([second.id])
    assert not blob_exists(desk, first.sha256) and blob_exists(desk, second.sha256)
    assert len(payloads(desk)) == DEPTH


def test_the_log_survives_a_restart(tmp_path: Path) -> None:
    d = open_desk(tmp_path / "p")
    try:
        a = new_case(d)
        d.cases.trash([a.id])
    finally:
        d.close()
    d = open_desk(tmp_path / "p")
    try:
        result = UndoService.for_desk(d).undo()
        assert result.step.op == UndoOp.CASES_TRASH and d.cases.list_ids() == [a.id]
    finally:
        d.close()


def test_payloads_hold_keys_and_data_never_labels(desk: Any) -> None:
    shop, _ = desk.shops.create("店", "拼多多")
    a = new_case(desk, 1)
    item = desk.evidence.import_bytes(a.id, png(1), "a.png", kind=EvidenceKind.CHAT).added[0]
    desk.cases.bulk_update([a.id], status=CaseStatus.WAITING_RETURN, shop_id=shop.id)
    desk.evidence.set_kind([item.id], EvidenceKind.REWEIGH)
    moved = desk.evidence.import_bytes(a.id, png(2), "b.png", kind=EvidenceKind.CHAT).added[0]
    desk.evidence.move_to_case([moved.id], new_case(desk, 2).id)
    desk.evidence.remove_many([item.id])
    desk.cases.trash([a.id])
    desk.cases.restore([a.id])
    logged = payloads(desk)
    assert {op for op, _ in logged} == {op.value for op in UndoOp}
    text = json.dumps([p for _, p in logged], ensure_ascii=False)
    labels = [str(s) for s in CaseStatus] + [str(k) for k in EvidenceKind] + ["拼多多", "移到回收站"]
    assert not [label for label in labels if f'"{label}"' in text]
    bulk = next(p for op, p in logged if op == "cases.bulk")
    assert bulk["fields"] == ["status", "shop_id"]
    assert bulk["cases"][0]["before"]["status"] == "OPEN"
    assert bulk["cases"][0]["after"]["status"] == "WAITING_RETURN"


def test_record_keeps_release_out_of_case_steps(desk: Any) -> None:
    """record(release=False) never drops a removal step (it could not delete its originals)."""
    with desk.engine.begin() as conn:
        for i in range(DEPTH + 5):
            conn.execute(
                UndoEntry.__table__.insert().values(
                    actor=undo_log.current_actor(),
                    op="evidence.remove",
                    payload=json.dumps({"items": [{"case": 1, "sha256": f"{i:064x}"}]}),
                    created_at=datetime.now(UTC),
                )
            )
    from sqlalchemy.orm import Session

    with Session(desk.engine) as s, s.begin():
        freed = undo_log.record(s, UndoOp.CASES_TRASH, {"cases": []})
    assert freed == [] and len(payloads(desk)) == DEPTH + 6


# -- the command line -------------------------------------------------------------------------------


def test_cli_undo_and_list(tmp_path: Path) -> None:
    root = tmp_path / "profile"
    d = open_desk(root)
    try:
        a, b = new_case(d, 1), new_case(d, 2)
        d.cases.trash([a.id, b.id])
        d.cases.bulk_update([b.id], status=CaseStatus.NEGOTIATING)  # refused: b is in the trash
        d.cases.restore([b.id])
    finally:
        d.close()
    listed = run(root, "undo", "--list").stdout
    lines = [line for line in listed.splitlines() if line.strip()]
    assert len(lines) == 2
    assert (
        "从回收站恢复（1 条售后；售后 #2）" in lines[0] and "移到回收站（2 条售后；售后 #1、#2）" in lines[1]
    )
    as_json = json.loads(run(root, "undo", "--list", "--json").stdout)
    assert [s["op"] for s in as_json] == ["cases.restore", "cases.trash"]
    out = run(root, "undo").stdout
    assert "已撤销：从回收站恢复" in out and "下一步可撤销：移到回收站" in out
    out = run(root, "undo").stdout
    assert "已撤销：移到回收站" in out and "已没有可以撤销的操作" in out
    none = run(root, "undo", check=False)
    assert none.returncode == 1 and "没有可以撤销的操作" in none.stderr
    assert "没有可以撤销的操作" in run(root, "undo", "--list").stdout
    d = open_desk(root)
    try:
        d.cases.trash([a.id])
    finally:
        d.close()
    assert "已清空撤销记录：1 步" in run(root, "undo", "--clear").stdout
    assert "没有可以撤销的操作" in run(root, "undo", "--list").stdout
    d = open_desk(root)
    try:
        assert sorted(d.cases.list_ids()) == [b.id]  # a: trashed again, and that step cleared
    finally:
        d.close()
