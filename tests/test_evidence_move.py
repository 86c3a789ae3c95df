"""A picture filed under the wrong case moves to the case it belongs to: in one transaction, to the end of
that case's gallery with its kind, caption and marks, the original untouched, both timelines saying so, and
one step of the undo log that puts it back at its old place. The desk finds that case from the numbers read
in the picture (desk/services/recognition.py) only when the answer is clear. A stand-in reader plays the
engine (tests/test_recognition_service.py); the last test reads a real courier page with the real engine."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from desk.domain import CaseDraft, CaseId, EvidenceId, EvidenceKind, Mark, MarkShape, WeightKind
from desk.errors import DeskError, NotFound, ValidationFailed
from desk.services.undo import UndoConflict, UndoOp, UndoService
from tests.test_cli import run
from tests.test_recognition import needs_engine
from tests.test_recognition_service import BLUE, RED, TEXTS, FakeReader, add, picture, service

REPO = Path(__file__).resolve().parents[1]
# The stand-in courier page (tests/test_recognition_service.py) says:
PAGE_WAYBILL = "SF1234567890123"
PAGE_ORDER = "261120-123456789012345"


def names(desk: Any, case_id: CaseId) -> list[str]:
    """The case's gallery, in order, as the operator sees it."""
    return [e.original_name for e in desk.evidence.list(case_id)]


def last_words(desk: Any, case_id: CaseId) -> str:
    return desk.cases.timeline(case_id)[-1].words().line()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def new_case(desk: Any, **values: Any) -> Any:
    case, _ = desk.cases.create(CaseDraft(**values))
    return case


# -- the move and its undo ------------------------------------------------------------------------------


def test_a_move_goes_to_the_end_of_the_other_case_with_its_marks_and_undo_puts_it_back(
    desk: Any, tmp_path: Path
) -> None:
    home = new_case(desk, order_no="261120-000000000000001")
    other = new_case(desk, order_no="261120-000000000000002")
    first = add(desk, home.id, picture(tmp_path, "第一张.png", (10, 10, 10)))
    wrong = add(desk, home.id, picture(tmp_path, "别人的面单.png", (20, 20, 20)))
    third = add(desk, home.id, picture(tmp_path, "第三张.png", (30, 30, 30)))
    add(desk, other.id, picture(tmp_path, "甲.png", (40, 40, 40)))
    add(desk, other.id, picture(tmp_path, "乙.png", (50, 50, 50)))
    box = Mark(MarkShape.REDACT, 0.1, 0.1, 0.5, 0.3)
    desk.evidence.set_marks(wrong, [box])
    desk.evidence.set_kind([wrong], EvidenceKind.COURIER_WEIGHT)
    desk.evidence.update(wrong, caption="面单上的运单号是另一单的")
    blob = desk.evidence.blob_path(wrong)
    before = digest(blob)
    assert desk.cases.search("另一单").ids == {home.id}

    changes = desk.evidence.move_to_case([wrong], other.id)

    assert changes.cases == {home.id, other.id} and changes.evidence == {wrong}
    assert names(desk, home.id) == ["第一张.png", "第三张.png"]
    assert names(desk, other.id) == ["甲.png", "乙.png", "别人的面单.png"]  # at the end
    moved = desk.evidence.get(wrong)
    assert moved.case_id == other.id
    assert (moved.marks, moved.kind, moved.caption) == (
        (box,),
        EvidenceKind.COURIER_WEIGHT,
        "面单上的运单号是另一单的",
    )
    assert desk.evidence.blob_path(wrong) == blob and digest(blob) == before  # the original untouched
    assert desk.cases.search("另一单").ids == {other.id}  # search follows the picture
    assert last_words(desk, home.id).startswith("移出证据：别人的面单.png（快递内网重量图")
    assert last_words(desk, home.id).endswith(f"移到售后 #{other.id}")
    assert last_words(desk, other.id).startswith("移入证据：别人的面单.png")
    assert last_words(desk, other.id).endswith(f"来自售后 #{home.id}")

    undo = UndoService.for_desk(desk)
    step = undo.status()
    assert step is not None and step.op == UndoOp.EVIDENCE_MOVE
    assert (step.label, step.amount, set(step.case_ids)) == ("移动证据", "1 个证据", {home.id, other.id})
    result = undo.undo(expected=step.id)
    assert result.message == "已撤销移动证据（1 个证据）"
    assert result.changes.cases == {home.id, other.id}

    assert names(desk, home.id) == ["第一张.png", "别人的面单.png", "第三张.png"]  # its old place
    assert names(desk, other.id) == ["甲.png", "乙.png"]
    back = desk.evidence.get(wrong)
    assert (back.case_id, back.marks, back.kind) == (home.id, (box,), EvidenceKind.COURIER_WEIGHT)
    assert digest(blob) == before
    assert desk.cases.search("另一单").ids == {home.id}
    assert last_words(desk, home.id) == (
        f"撤销移动证据：别人的面单.png（快递内网重量图，SHA-256 {back.sha256[:12]}），从售后 #{other.id} 移回"
    )
    assert last_words(desk, other.id).startswith("撤销移动证据：别人的面单.png")
    assert last_words(desk, other.id).endswith(f"移回售后 #{home.id}")
    assert {first, third} <= {e.id for e in desk.evidence.list(home.id)}


def test_several_pictures_keep_their_order_and_come_back_in_one_step(desk: Any, tmp_path: Path) -> None:
    home = new_case(desk, order_no="261120-000000000000003")
    other = new_case(desk, order_no="261120-000000000000004")
    ids = [add(desk, home.id, picture(tmp_path, f"{n}.png", (n * 20, 0, 0))) for n in range(1, 5)]
    add(desk, other.id, picture(tmp_path, "原有.png", (0, 0, 90)))

    desk.evidence.move_to_case([ids[3], ids[1]], other.id)  # given out of order: gallery order is kept
    assert names(desk, home.id) == ["1.png", "3.png"]
    assert names(desk, other.id) == ["原有.png", "2.png", "4.png"]

    UndoService.for_desk(desk).undo()
    assert names(desk, home.id) == ["1.png", "2.png", "3.png", "4.png"]
    assert names(desk, other.id) == ["原有.png"]


def test_a_move_is_refused_in_words_and_nothing_changes(desk: Any, tmp_path: Path) -> None:
    home = new_case(desk, order_no="261120-000000000000005")
    other = new_case(desk, order_no="261120-000000000000006")
    trashed = new_case(desk, order_no="261120-000000000000007")
    desk.cases.trash([trashed.id])
    ev = add(desk, home.id, picture(tmp_path, "面单.png", (60, 60, 60)))
    twin = add(desk, other.id, picture(tmp_path, "同一张.png", (70, 70, 70)))
    same = add(desk, home.id, picture(tmp_path, "同一张的副本.png", (70, 70, 70)))
    undo = UndoService.for_desk(desk)
    steps = len(undo.steps())

    refusals: list[tuple[list[EvidenceId], CaseId, type[DeskError], str]] = [
        ([ev], CaseId(999), NotFound, "售后记录 #999 不存在"),
        ([ev], trashed.id, ValidationFailed, f"售后记录 #{trashed.id} 在回收站里"),
        ([ev], home.id, ValidationFailed, f"已在售后 #{home.id} 中"),
        ([EvidenceId(9999)], other.id, NotFound, "证据 #9999 不存在"),
        ([ev, same], other.id, ValidationFailed, f"售后 #{other.id} 已有同一张图片（证据 #{twin}）"),
    ]
    for ids, target, error, words in refusals:
        with pytest.raises(error) as caught:
            desk.evidence.move_to_case(ids, target)
        assert words in caught.value.message

    # A weight recorded from the picture would cite another case's picture: named, not moved.
    desk.weights.add(home.id, WeightKind.COURIER_PICKUP, 1250, evidence_id=ev)
    with pytest.raises(ValidationFailed, match="称重记录（快递揽收重量 1250 克）来自证据"):
        desk.evidence.move_to_case([ev], other.id)

    assert names(desk, home.id) == ["面单.png", "同一张的副本.png"]
    assert names(desk, other.id) == ["同一张.png"]
    assert len(undo.steps()) == steps  # nothing to take back: nothing happened


def test_undo_is_refused_when_the_picture_moved_on_since(desk: Any, tmp_path: Path) -> None:
    a, b, c = (new_case(desk, order_no=f"261120-00000000000001{n}") for n in range(3))
    ev = add(desk, a.id, picture(tmp_path, "面单.png", (80, 80, 80)))
    desk.evidence.move_to_case([ev], b.id)
    undo = UndoService.for_desk(desk)
    first = undo.status()
    desk.evidence.move_to_case([ev], c.id)
    undo.undo()  # the newest move: back to b
    assert names(desk, b.id) == ["面单.png"]
    assert undo.status() == first
    desk.evidence.remove(ev)
    with pytest.raises(UndoConflict, match="已被删除"):
        undo.undo()
    assert names(desk, a.id) == [] and undo.status() is None


# -- finding the case a picture belongs to ---------------------------------------------------------------


def test_a_number_of_exactly_one_other_case_offers_that_case(desk: Any, tmp_path: Path) -> None:
    svc = service(desk, FakeReader(TEXTS))
    home = new_case(desk, order_no="261120-999999999999999")  # not the page's order number
    owner = new_case(desk, order_no=PAGE_ORDER, buyer_nick="小王")
    new_case(desk, order_no=PAGE_ORDER[:-1])  # a number that only starts the same is not the same
    new_case(desk, order_no=PAGE_ORDER + "0")
    ev = add(desk, home.id, picture(tmp_path, "courier.png", BLUE))

    found = {s.kind: s for s in svc.read(ev).suggestions}
    order = found["order"]
    assert order.differs and order.elsewhere == owner.id
    assert order.elsewhere_label == f"售后 #{owner.id}（小王）"
    assert found["waybill"].elsewhere is None  # the case has no waybill: nothing differs there

    # Enter on it still writes nothing, and says where the number belongs.
    said = svc.accept_suggestion(ev, order.key)
    assert not said.applied and f"它是售后 #{owner.id}（小王）的订单号" in said.message

    moved = svc.move_to_owner(ev, order.key)
    assert moved.message == f"已把“courier.png”移到售后 #{owner.id}（小王）"
    assert names(desk, owner.id) == ["courier.png"] and names(desk, home.id) == []
    assert moved.changes.cases == {home.id, owner.id}
    # In its new case the page's order number is the case's own: nothing more to offer.
    assert all(s.elsewhere is None and not s.differs for s in svc.read(ev).suggestions if s.kind == "order")


def test_a_return_or_reship_waybill_counts_and_the_trash_does_not(desk: Any, tmp_path: Path) -> None:
    svc = service(desk, FakeReader(TEXTS))
    home = new_case(desk, order_no="261120-888888888888888", tracking_no="SF0000000000001")
    returned = new_case(desk, order_no="261120-000000000000020", return_tracking_no=PAGE_WAYBILL)
    ev = add(desk, home.id, picture(tmp_path, "courier.png", BLUE))

    def offered() -> CaseId | None:
        (waybill,) = [s for s in svc.read(ev).suggestions if s.kind == "waybill"]
        assert waybill.differs
        return waybill.elsewhere

    assert offered() == returned.id  # the page's waybill is that case's return waybill

    reshipped = new_case(desk, order_no="261120-000000000000021", reship_tracking_no=PAGE_WAYBILL)
    assert offered() is None  # two cases hold it: no answer

    desk.cases.trash([returned.id])
    assert offered() == reshipped.id  # a case in the trash does not count
    desk.cases.trash([reshipped.id])
    assert offered() is None
    with pytest.raises(ValidationFailed, match="无法确定图片属于哪条售后"):
        svc.move_to_owner(ev, next(s.key for s in svc.read(ev).suggestions if s.kind == "waybill"))
    assert names(desk, home.id) == ["courier.png"]


def test_no_offer_when_one_of_the_numbers_is_the_cases_own_or_they_lead_to_two_cases(
    desk: Any, tmp_path: Path
) -> None:
    svc = service(desk, FakeReader(TEXTS))
    # The page's waybill is this case's: it belongs here, though its order number is another case's.
    home = new_case(desk, order_no="261120-777777777777777", tracking_no=PAGE_WAYBILL)
    new_case(desk, order_no=PAGE_ORDER)
    ev = add(desk, home.id, picture(tmp_path, "courier.png", BLUE))
    assert [s.kind for s in svc.read(ev).suggestions if s.differs] == ["order"]
    assert all(s.elsewhere is None for s in svc.read(ev).suggestions)

    # The page's waybill one case's and its order number another's: no answer either.
    desk.cases.trash([home.id])
    other = new_case(desk, order_no="261120-666666666666666", tracking_no="SF0000000000002")
    new_case(desk, order_no="261120-000000000000030", tracking_no=PAGE_WAYBILL)
    ev2 = add(desk, other.id, picture(tmp_path, "courier-2.png", BLUE))
    assert {s.kind for s in svc.read(ev2).suggestions if s.differs} == {"waybill", "order"}
    assert all(s.elsewhere is None for s in svc.read(ev2).suggestions)
    chat = add(desk, other.id, picture(tmp_path, "chat.png", RED))  # no numbers at all: nothing asked
    assert all(s.elsewhere is None for s in svc.read(chat).suggestions)


@pytest.mark.sqlite_only  # about SQLite's query plan
def test_the_lookup_is_one_indexed_query_per_picture(desk: Any, tmp_path: Path) -> None:
    """Looking the numbers up must stay quick with 100,000 cases: one query for the picture's waybill and
    order number together, each number found through an index, never a walk over the cases table."""
    from sqlalchemy import event

    svc = service(desk, FakeReader(TEXTS))
    home = new_case(desk, order_no="261120-555555555555555", tracking_no="SF0000000000003")
    owner = new_case(desk, order_no=PAGE_ORDER)
    ev = add(desk, home.id, picture(tmp_path, "courier.png", BLUE))
    svc.read(ev)  # read once: what follows is the cached reading, as when the viewer shows it again
    lookups: list[tuple[str, Any]] = []

    def seen(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        if "FROM cases" in statement and "return_tracking_no IN" in statement:
            lookups.append((statement, parameters))

    event.listen(desk.engine, "before_cursor_execute", seen)
    try:
        found = svc.read(ev).suggestions
    finally:
        event.remove(desk.engine, "before_cursor_execute", seen)
    # Both numbers differ (the waybill is nobody's); the order number is the owner's.
    assert {(s.kind, s.elsewhere) for s in found if s.differs} == {("waybill", None), ("order", owner.id)}
    assert len(lookups) == 1
    statement, parameters = lookups[0]
    with desk.engine.connect() as conn:
        plan = [row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
    assert not any(step.startswith("SCAN") for step in plan), plan
    indexes = {word for step in plan for word in step.split()}
    for column in ("tracking_no", "return_tracking_no", "reship_tracking_no", "order_no"):
        assert f"ix_cases_{column}" in indexes, plan


# -- the command line ----------------------------------------------------------------------------------


def test_cli_moves_a_picture_and_undo_brings_it_back(tmp_path: Path) -> None:
    from desk.app import open_desk

    profile = tmp_path / "profile"
    desk = open_desk(profile)
    try:
        home = new_case(desk, order_no="261120-000000000000040")
        other = new_case(desk, order_no="261120-000000000000041")
        keep = add(desk, home.id, picture(tmp_path, "留下.png", (90, 0, 0)))
        ev = add(desk, home.id, picture(tmp_path, "放错的面单.png", (0, 90, 0)))
    finally:
        desk.close()

    out = json.loads(run(profile, "evidence", "move", str(ev), "--case", str(other.id), "--json").stdout)
    assert out["moved"] == [{"evidence": ev, "name": "放错的面单.png", "from_case": home.id}]
    assert out["case"] == other.id and out["cases"] == sorted([home.id, other.id])
    listed = json.loads(run(profile, "evidence", "list", str(other.id), "--json").stdout)
    assert [e["id"] for e in listed] == [ev]
    shown = json.loads(run(profile, "case", "show", str(home.id), "--json").stdout)
    assert f"移到售后 #{other.id}" in shown["timeline"][-1]["text"]

    refused = run(profile, "evidence", "move", str(keep), "--case", "999", check=False)
    assert refused.returncode == 1 and "错误：售后记录 #999 不存在" in refused.stderr

    undone = run(profile, "undo").stdout
    assert "已撤销：移动证据（1 个证据" in undone
    listed = json.loads(run(profile, "evidence", "list", str(home.id), "--json").stdout)
    assert [e["id"] for e in listed] == [keep, ev]


@needs_engine
def test_cli_read_names_the_case_a_real_courier_page_belongs_to(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from desk.app import open_desk
    from desk.cli import main

    monkeypatch.setenv("DESK_RECOGNITION", "on")  # tests/conftest.py switches reading off for other tests
    page = REPO / "tests" / "data" / "ocr" / "courier-002-compact.png"  # the smallest: quick to read
    waybill = json.loads((page.parent / "truth.json").read_text())[page.name]["waybill"]
    profile = tmp_path / "profile"
    desk = open_desk(profile)
    try:
        home = new_case(desk, order_no="261120-000000000000050", tracking_no="YT0000000000000")
        owner = new_case(desk, order_no="261120-000000000000051", tracking_no=waybill)
        (added,) = desk.evidence.import_files(home.id, [page]).added
    finally:
        desk.close()

    assert main(["--profile", str(profile), "evidence", "read", str(added.id), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    offers = [s for s in data["suggestions"] if s["kind"] == "waybill" and s["value"] == waybill]
    assert offers and all(s["differs"] and s["elsewhere"] == owner.id for s in offers)
    assert offers[0]["elsewhere_label"] == f"售后 #{owner.id}"
    assert main(["--profile", str(profile), "evidence", "read", str(added.id)]) == 0
    assert f"evidence move {added.id} --case {owner.id}" in capsys.readouterr().out


def test_the_move_is_offered_first_and_each_value_once(desk: Any, tmp_path: Path) -> None:
    """A real courier page says its weights twice (the table, then the scan history) and its times for
    reference: the strip shows the offer to move the picture first (the strip holds a few; Enter takes
    the first), then each weight once, then the references."""
    green = (0, 160, 0)
    page_lines = (
        "查询时间 2026-11-24 14:59:55",
        "运单号 SF2802172889885",
        "揽收重量(kg) 24.68",
        "2026-11-20 17:05:20 快件已揽收，揽收称重 24.68kg",
        "2026-11-20 18:40:36 上车扫描，称重 24.70kg",
    )
    svc = service(desk, FakeReader({str(green): page_lines}))
    home = new_case(desk, order_no="261120-999999999999990", tracking_no="YT1111111111111")
    owner = new_case(desk, order_no="261120-999999999999991", tracking_no="SF2802172889885")
    ev = add(desk, home.id, picture(tmp_path, "courier.png", green))

    shown = svc.read(ev).suggestions
    assert shown[0].kind == "waybill" and shown[0].elsewhere == owner.id
    weights = [(s.label, s.value) for s in shown if s.kind == "weight"]
    assert weights == [("揽收", "24.68"), ("上车", "24.70")]
    firsts = [i for i, s in enumerate(shown) if not s.acceptable]
    assert firsts and all(not s.acceptable for s in shown[firsts[0] :])  # references last
