"""Case service: create, edit with a timeline, literal search, warnings, money exactness."""

from __future__ import annotations

from decimal import Decimal

import pytest

from desk.domain import CaseDraft, CaseStatus, CaseType, Platform
from desk.errors import NotFound, ValidationFailed


def test_create_edit_records_timeline(desk) -> None:  # type: ignore[no-untyped-def]
    shop, _ = desk.shops.create("优品家居旗舰店", Platform.PDD)
    case, changes = desk.cases.create(
        CaseDraft(order_no="240101-123456789012345", case_type=CaseType.WRONG_ITEM, shop_id=shop.id)
    )
    assert changes.case_list and case.id in changes.cases
    assert case.shop_name == "优品家居旗舰店"
    case, changes = desk.cases.update(case.id, status="协商中", refund_amount="1,234.50", notes="已联系买家")
    assert case.status == CaseStatus.NEGOTIATING
    assert case.refund_amount == Decimal("1234.50")
    events = desk.cases.timeline(case.id)
    changed = {(e.field, e.old, e.new) for e in events if e.kind.value == "field_changed"}
    assert ("status", "OPEN", "NEGOTIATING") in changed  # keys; the words come from desk.labels
    assert ("refund_amount", "", "1234.50") in changed
    assert ("notes", "", "已联系买家") in changed
    # Saving the same values again is not a change.
    _, again = desk.cases.update(case.id, status="协商中")
    assert not again.cases
    assert len(desk.cases.timeline(case.id)) == len(events)


def test_money_is_exact(desk) -> None:  # type: ignore[no-untyped-def]
    case, _ = desk.cases.create(CaseDraft(order_amount=Decimal("0.10")))
    for _ in range(3):
        case, _ = desk.cases.update(case.id, refund_amount=case.order_amount + Decimal("0.20"))
    assert desk.cases.get(case.id).refund_amount == Decimal("0.30")
    with pytest.raises(ValidationFailed, match="两位小数"):
        desk.cases.update(case.id, refund_amount="1.005")
    with pytest.raises(ValidationFailed, match="负数"):
        desk.cases.update(case.id, refund_amount="-3")
    with pytest.raises(ValidationFailed, match="不是有效的金额"):
        desk.cases.update(case.id, refund_amount="十元")


def test_invalid_values_refused_with_reason(desk) -> None:  # type: ignore[no-untyped-def]
    case, _ = desk.cases.create(CaseDraft())
    with pytest.raises(ValidationFailed, match="售后类型"):
        desk.cases.update(case.id, case_type="随便")
    with pytest.raises(ValidationFailed, match="太长"):
        desk.cases.update(case.id, order_no="1" * 100)
    with pytest.raises(NotFound):
        desk.cases.get(99999)


def test_pdd_order_number_warns_not_blocks(desk) -> None:  # type: ignore[no-untyped-def]
    assert desk.cases.warnings(CaseDraft(order_no="240101-123456789012345")) == []
    notes = desk.cases.warnings(CaseDraft(order_no="12345"))
    assert any("拼多多订单号" in n for n in notes)
    case, _ = desk.cases.create(CaseDraft(order_no="12345"))
    assert case.order_no == "12345"


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "'; DROP TABLE cases; --",
        "NEAR(a b)",
        "*",
        ")",
        "AND OR NOT",
        "\x00",
        "\ud800",
        "%",
        "_",
        "\\",
        "a" * 5000,
    ],
)
def test_hostile_search_is_literal(desk, query: str) -> None:  # type: ignore[no-untyped-def]
    desk.cases.create(CaseDraft(order_no="240101-123456789012345", buyer_nick="张伟"))
    # A NUL or a lone surrogate alone is no search at all (both are stripped), so it lists everything.
    assert desk.cases.list_ids(query) == ([] if query not in ("\x00", "\ud800") else desk.cases.list_ids())
    assert len(desk.cases.list_ids("")) == 1


def test_search_finds_numbers_and_chinese_nick(desk) -> None:  # type: ignore[no-untyped-def]
    a, _ = desk.cases.create(CaseDraft(order_no="240101-123456789012345", buyer_nick="张伟"))
    b, _ = desk.cases.create(CaseDraft(tracking_no="SF1420593871264", after_sales_no="9102847561203"))
    c, _ = desk.cases.create(CaseDraft(buyer_nick="100%_好评"))
    assert desk.cases.list_ids("张伟") == [a.id]
    assert desk.cases.list_ids("SF142") == [b.id]
    assert desk.cases.list_ids("91028") == [b.id]
    assert desk.cases.list_ids("100%_") == [c.id]
    # Newest updated first.
    desk.cases.update(a.id, notes="x")
    assert desk.cases.list_ids()[0] == a.id


def test_stale_edit_is_refused_not_overwritten(desk) -> None:  # type: ignore[no-untyped-def]
    from desk.errors import EditConflict

    case, _ = desk.cases.create(CaseDraft(notes="原始"))
    mine = desk.cases.get(case.id)
    theirs, _ = desk.cases.update(case.id, expected_version=mine.version, notes="对方的修改")
    assert theirs.version == mine.version + 1
    with pytest.raises(EditConflict, match="重新载入"):
        desk.cases.update(case.id, expected_version=mine.version, notes="我的修改")
    assert desk.cases.get(case.id).notes == "对方的修改"


def test_a_note_does_not_make_an_open_edit_conflict(desk) -> None:  # type: ignore[no-untyped-def]
    case, _ = desk.cases.create(CaseDraft(order_no="261120-9"))
    loaded = desk.cases.get(case.id)
    desk.cases.add_note(case.id, "买家电话无人接听")
    # The form loaded the case before the note: its save goes through, and the note moved the case up.
    saved, changes = desk.cases.update(case.id, expected_version=loaded.version, courier="圆通速递")
    assert saved.courier == "圆通速递" and changes.cases
    assert desk.cases.get(case.id).updated_at >= loaded.updated_at
