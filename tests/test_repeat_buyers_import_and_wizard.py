"""Repeat claimers outside the window: importing orders gives the cases their buyer's phone and address as
keyed hashes only (never in clear outside the order), and the 恶意售后 wizard's question about the buyer's
history is answered from it."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from desk.domain import BuyerKeyKind, CaseDraft, CaseId, CaseType, Platform
from desk.playbooks.facts import FACTS, repeat_buyer_known
from tests.test_orders_import import PDD_2020, pdd_row, write_csv

PHONE = "13812348000"
ORDER_1 = "261101-111111111111111"
ORDER_2 = "261102-222222222222222"


def _case(desk: Any, order_no: str, buyer: str = "", case_type: CaseType = CaseType.MISSING_ITEM) -> CaseId:
    case, _ = desk.cases.create(
        CaseDraft(platform=Platform.PDD, order_no=order_no, buyer_nick=buyer, case_type=case_type)
    )
    return CaseId(case.id)


def _all_text(db: Path) -> str:
    """Every value of every table of the profile's database, as text."""
    conn = sqlite3.connect(db)
    try:
        out = []
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            for row in conn.execute(f'SELECT * FROM "{table}"'):
                out.append(f"{table}: " + " | ".join(str(v) for v in row))
        return "\n".join(out)
    finally:
        conn.close()


@pytest.mark.sqlite_only  # reads the SQLite file itself to prove what it holds
def test_importing_orders_keys_the_buyer_of_their_cases_without_keeping_the_phone_anywhere_else(
    desk: Any, tmp_path: Path
) -> None:
    first = _case(desk, ORDER_1)
    second = _case(desk, ORDER_2)
    desk.orders.set_store_buyer_info(True)
    path = write_csv(
        tmp_path / "orders.csv",
        PDD_2020,
        [pdd_row(ORDER_1, 手机=PHONE), pdd_row(ORDER_2, 手机="+86 138-1234-8000", 收货人="张三")],
    )
    desk.orders.import_file(path)

    assert BuyerKeyKind.PHONE in desk.buyers.kinds(first)
    assert BuyerKeyKind.ADDRESS in desk.buyers.kinds(second)
    # Two cases without a nickname are one buyer by the phone of their orders.
    history = desk.buyers.history(second)
    assert (history.count, BuyerKeyKind.PHONE in history.matched_by) == (2, True)

    # The phone is in clear only in the order it came from (kept because the operator chose to).
    lines = [line for line in _all_text(desk.profile.database).splitlines() if PHONE in line]
    assert lines and all(line.startswith("orders:") for line in lines), lines
    desk.orders.forget_buyer_info()
    assert PHONE not in _all_text(desk.profile.database)
    assert desk.buyers.history(second).count == 2  # the keys still recognise the buyer


@pytest.mark.sqlite_only
def test_without_buyer_info_kept_an_import_stores_no_phone_at_all(desk: Any, tmp_path: Path) -> None:
    case_id = _case(desk, ORDER_1)
    path = write_csv(tmp_path / "orders.csv", PDD_2020, [pdd_row(ORDER_1, 手机=PHONE)])
    desk.orders.import_file(path)
    assert desk.buyers.kinds(case_id) == frozenset()
    assert PHONE not in _all_text(desk.profile.database)


def test_a_case_filled_from_its_order_gets_the_buyer_keys(desk: Any, tmp_path: Path) -> None:
    desk.orders.set_store_buyer_info(True)
    desk.orders.import_file(write_csv(tmp_path / "orders.csv", PDD_2020, [pdd_row(ORDER_1, 手机=PHONE)]))
    case_id = _case(desk, ORDER_1)
    assert desk.buyers.kinds(case_id) == frozenset()
    _updated, changes, order = desk.orders.fill_case(case_id)
    assert order is not None and case_id in changes.cases
    assert {BuyerKeyKind.PHONE, BuyerKeyKind.ADDRESS} <= desk.buyers.kinds(case_id)


def test_the_fact_says_first_or_repeat_and_leaves_an_unknown_buyer_to_the_operator() -> None:
    assert repeat_buyer_known(count=0, wins=0, window_days=90) is None
    first = repeat_buyer_known(count=1, wins=0, window_days=90)
    assert first is not None and first.value == "first"
    again = repeat_buyer_known(count=3, wins=1, window_days=90)
    assert again is not None and again.value == "repeat"
    assert again.reason == "买家售后记录：该买家 90 天内第 3 次售后（申诉成功 1 次）"
    assert set(FACTS["repeat_buyer"].values) == {"repeat", "first"}


def _buyer_question(desk: Any, case_id: CaseId) -> Any:
    return desk.wizard.view(case_id).known_for("buyer_history")


def test_the_malicious_wizard_knows_a_repeat_claimer(desk: Any) -> None:
    for n in range(2):
        _case(desk, f"26110{n}-00000000000000{n}", buyer="薅羊毛的小王", case_type=CaseType.QUALITY)
    third = _case(desk, "261103-000000000000003", buyer="薅羊毛的小王", case_type=CaseType.MALICIOUS)
    known = _buyer_question(desk, third)
    assert known is not None
    assert known.answer == "是，近期多次申请售后"
    assert "第 3 次售后" in known.fact.reason

    newcomer = _case(desk, "261104-000000000000004", buyer="第一次来的小李", case_type=CaseType.MALICIOUS)
    known = _buyer_question(desk, newcomer)
    assert known is not None and known.answer == "不是，近期第一次"

    # A masked nickname names nobody: the operator answers.
    masked = _case(desk, "261105-000000000000005", buyer="用户***", case_type=CaseType.MALICIOUS)
    assert _buyer_question(desk, masked) is None
