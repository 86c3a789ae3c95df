"""Case facts 运费险 and 极速退款 (有 / 没有 / 未知), the after-sales period of the shipped profiles, and the
补发单号 / 退货运单号 in the search index."""

# The window fixtures are shared with test_ui_flow by import; pytest injects them by name.
# ruff: noqa: F401, F811

from __future__ import annotations

import csv
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from desk.audience import platform_story
from desk.domain import CaseDraft, CaseType, EventKind, Platform, PlatformFacts
from desk.errors import ValidationFailed
from tests.test_ui_flow import make_window, no_modal_dialogs, settings
from tests.test_wizard import order_case


def _case(desk: Any, case_type: CaseType = CaseType.UNWANTED, **kw: Any) -> Any:
    case, _ = desk.cases.create(
        CaseDraft(case_type=case_type, platform=Platform.PDD, order_no="240101-123456789012345", **kw)
    )
    return case


def _field_lines(desk: Any, case_id: Any) -> list[str]:
    return [e.words().line() for e in desk.cases.timeline(case_id) if e.kind == EventKind.FIELD_CHANGED]


# -- the two facts --------------------------------------------------------------------------------------------


def test_facts_start_unknown_and_take_the_words_the_form_and_cli_use(desk: Any) -> None:
    case = _case(desk)
    assert (case.freight_insurance, case.express_refund) == (None, None)
    case, _ = desk.cases.update(case.id, freight_insurance="没有", express_refund="有")
    assert (case.freight_insurance, case.express_refund) == (False, True)
    lines = _field_lines(desk, case.id)
    assert "修改运费险：未知 → 没有" in lines and "修改极速退款：未知 → 有" in lines
    case, _ = desk.cases.update(case.id, freight_insurance=True)
    case, _ = desk.cases.update(case.id, express_refund="未知")
    assert (case.freight_insurance, case.express_refund) == (True, None)
    assert "修改运费险：没有 → 有" in _field_lines(desk, case.id)
    with pytest.raises(ValidationFailed, match="运费险“也许”无效，可选：未知、有、没有"):
        desk.cases.update(case.id, freight_insurance="也许")
    assert desk.cases.get(case.id).freight_insurance is True  # nothing was written


def test_a_bulk_change_of_a_fact_is_undone(desk: Any) -> None:
    a, b = _case(desk), _case(desk, freight_insurance=True)
    desk.cases.bulk_update([a.id, b.id], freight_insurance="没有")
    assert [desk.cases.get(i).freight_insurance for i in (a.id, b.id)] == [False, False]
    from desk.services.undo import UndoService

    UndoService.for_desk(desk).undo()
    assert [desk.cases.get(i).freight_insurance for i in (a.id, b.id)] == [None, True]


def test_facts_stay_internal_to_the_platforms_story(desk: Any) -> None:
    case = _case(desk)
    desk.cases.update(case.id, freight_insurance="没有", express_refund="有", status="协商中")
    story = platform_story(desk.cases.get(case.id), desk.cases.timeline(case.id))
    texts = " ".join(e.text for e in story)
    assert "协商" in texts  # the business event is there
    assert "运费险" not in texts and "极速退款" not in texts


def test_cli_and_exports_say_the_facts_in_words(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from desk.app import open_desk
    from desk.cli import main
    from desk.services.export import export_csv

    profile = tmp_path / "p"
    d: Any = open_desk(profile)
    try:
        case = _case(d, freight_insurance=False)
        export_csv(d.cases.get_many([case.id]), tmp_path / "cases.csv")
    finally:
        d.close()
    with open(tmp_path / "cases.csv", encoding="utf-8-sig", newline="") as fh:
        header, row = list(csv.reader(fh))
    assert row[header.index("运费险")] == "没有" and row[header.index("极速退款")] == ""
    assert main(["--profile", str(profile), "case", "show", str(case.id)]) == 0
    out = capsys.readouterr().out
    assert "运费险：没有" in out and "极速退款" not in out  # 未知 is left out, like any empty field
    assert main(["--profile", str(profile), "case", "set", str(case.id), "极速退款=有"]) == 0
    assert "极速退款：未知 → 有" in capsys.readouterr().out
    assert main(["--profile", str(profile), "case", "show", str(case.id)]) == 0
    assert "极速退款：有" in capsys.readouterr().out


# -- the wizard -------------------------------------------------------------------------------------------------


def test_freight_insurance_answers_the_unwanted_question(desk: Any) -> None:
    case = _case(desk)
    view, _ = desk.wizard.run_answers(case.id, [])  # the return rules are information: passed
    assert view.step.title.startswith("买家是否购买了运费险") and view.known is None  # 未知: asked
    desk.cases.update(case.id, freight_insurance="没有")
    known = desk.wizard.view(case.id).known
    assert known is not None and known.answer == "没有运费险"
    assert known.reason == "运费险：售后记录填写为“没有”"
    desk.cases.update(case.id, freight_insurance="有")
    assert desk.wizard.view(case.id).known.answer == "有运费险/退货包运费"  # type: ignore[union-attr]
    from desk.services.wizard import Contradiction

    with pytest.raises(Contradiction):
        desk.wizard.answer(case.id, 1)  # "no insurance" against the case's 有


def test_the_after_sales_period_is_known_from_the_shipped_pdd_profile(desk: Any, tmp_path: Path) -> None:
    period = desk.platforms.for_platform(Platform.PDD).setting("after_sales_days")
    assert period is not None and period.value == 7 and not period.verified  # shown as 未核实
    assert "售后期" in desk.platforms.for_platform(Platform.PDD).unverified()
    case = order_case(desk, tmp_path, CaseType.QUALITY)  # ordered 11-20, signed for 11-22 10:00 (UTC+8)
    desk.cases.sync_platform(case.id, PlatformFacts(applied_at=datetime(2026, 11, 25, 1, 0, tzinfo=UTC)))
    view, _ = desk.wizard.run_answers(case.id, [2])  # problems after some use
    assert view.step.title == "订单是否还在售后期内？"
    assert view.known is not None and view.known.answer == "在售后期内"
    assert "起 7 天" in view.known.reason


def test_an_order_time_alone_settles_a_request_within_the_period(desk: Any, tmp_path: Path) -> None:
    """No sign-off time yet: a request less than 7 days after the order is within the period anyway."""
    import io

    from tests.test_weights import PDD_HEADER
    from tests.test_wizard import ORDER

    buf = io.StringIO(newline="")
    writer = csv.writer(buf)
    writer.writerow([*PDD_HEADER, "订单成交时间", "确认收货时间"])
    shipped, ordered = "2026-11-21 10:00:00", "2026-11-20 18:00:00"
    item = ["收纳盒", ORDER, "已发货", "1", "灰色", "SNH", "29.90", "29.90", "YT1", "圆通速递"]
    writer.writerow([*item, shipped, ordered, ""])  # not signed for yet
    (tmp_path / "orders.csv").write_bytes(buf.getvalue().encode("gbk"))
    assert not desk.orders.import_file(tmp_path / "orders.csv").failed
    case, _ = desk.cases.create(CaseDraft(case_type=CaseType.QUALITY, platform=Platform.PDD, order_no=ORDER))
    desk.cases.sync_platform(case.id, PlatformFacts(applied_at=datetime(2026, 11, 23, 1, 0, tzinfo=UTC)))
    view, _ = desk.wizard.run_answers(case.id, [2])
    assert view.known is not None and view.known.answer == "在售后期内"
    assert "从下单 2026-11-20" in view.known.reason and "不到 7 天" in view.known.reason


# -- search -----------------------------------------------------------------------------------------------------


def test_part_of_a_reship_or_return_waybill_finds_the_case(desk: Any) -> None:
    case = _case(desk, description="买家说少了一个")
    other = _case(desk)
    assert desk.cases.list_ids("SF9876") == []
    desk.cases.update(case.id, reship_tracking_no="SF9876543210")
    assert desk.cases.list_ids("98765432") == [case.id]
    assert desk.cases.list_ids("SF9876 少了") == [case.id]
    desk.cases.sync_platform(other.id, PlatformFacts(return_tracking_no="YT4455667788"))  # the export
    assert desk.cases.list_ids("5566778") == [other.id]
    desk.cases.update(other.id, return_tracking_no="JT1122334455")  # typed
    assert desk.cases.list_ids("5566778") == [] and desk.cases.list_ids("JT11") == [other.id]
    assert desk.cases.search("43").ids == frozenset({case.id})  # a two-character term too


@pytest.mark.sqlite_only  # downgrades and reads the SQLite file of a profile
def test_upgrade_from_the_previous_release_keeps_cases_and_indexes_their_numbers(tmp_path: Path) -> None:
    from alembic import command

    from desk.app import open_desk
    from desk.check import check_profile
    from desk.db.engine import make_engine
    from desk.db.migrate import alembic_config

    root = tmp_path / "p"
    d: Any = open_desk(root)
    case = _case(d, reship_tracking_no="SF5551234567", description="灯罩有裂痕")
    d.cases.sync_platform(case.id, PlatformFacts(return_tracking_no="YT7770001112"))
    plain = _case(d, description="没有单号")
    d.close()
    # The profile as the previous release (0013) left it: no fact columns, version 2 of the index.
    engine = make_engine(f"sqlite:///{root / 'desk.sqlite3'}")
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0013_outcomes")
        conn.exec_driver_sql("DELETE FROM case_search")  # its index held only version 2's text
        conn.exec_driver_sql(
            "INSERT INTO case_search(case_id, fields) SELECT id, order_no || char(10) || after_sales_no || "
            "char(10) || tracking_no || char(10) || buyer_nick || char(10) || description || char(10) || notes "
            "FROM cases"
        )
    engine.dispose()
    con = sqlite3.connect(root / "desk.sqlite3")
    columns = [r[1] for r in con.execute("PRAGMA table_info(cases)")]
    con.close()
    assert "freight_insurance" not in columns and "express_refund" not in columns
    d = open_desk(root)  # upgrades, after a backup
    try:
        again = d.cases.get(case.id)
        assert (again.reship_tracking_no, again.return_tracking_no, again.description) == (
            "SF5551234567",
            "YT7770001112",
            "灯罩有裂痕",
        )
        assert (again.freight_insurance, again.express_refund) == (None, None)
        assert d.cases.list_ids("5551234") == [case.id]
        assert d.cases.list_ids("7770001") == [case.id]
        assert d.cases.list_ids("没有单号") == [plain.id]
        d.cases.update(plain.id, reship_tracking_no="ZT3030303030", freight_insurance="有")
        assert d.cases.list_ids("ZT303") == [plain.id] and d.cases.get(plain.id).freight_insurance is True
        assert not [f for f in check_profile(d, verify_hashes=False).findings if f.code == "search-index"]
    finally:
        d.close()
    assert list((root / "backups").glob("before-upgrade-0013_outcomes-*.deskbackup"))


# -- the form ---------------------------------------------------------------------------------------------------


def test_the_form_chooses_unknown_yes_or_no_and_saves_it(qtbot: Any, desk: Any, make_window: Any) -> None:
    from tests.test_ui_flow import WAIT_MS, add_case
    from ui.qt import QComboBox

    case_id = add_case(desk, "240101-123456789012345")
    desk.cases.update(case_id, express_refund="有")
    window = make_window()
    window.select_case(case_id)
    qtbot.waitUntil(lambda: window.form.case_id == case_id, timeout=WAIT_MS)
    insured, express = window.form.fields["freight_insurance"], window.form.fields["express_refund"]
    assert isinstance(insured, QComboBox) and isinstance(express, QComboBox)
    assert insured.isVisible() and "退货包运费" in insured.toolTip()
    assert [insured.itemText(i) for i in range(insured.count())] == ["未知", "有", "没有"]
    assert (insured.currentText(), express.currentText()) == ("未知", "有")
    insured.setCurrentIndex(2)
    window.form.save()
    qtbot.waitUntil(lambda: desk.cases.get(case_id).freight_insurance is False, timeout=WAIT_MS)
    assert desk.cases.get(case_id).express_refund is True  # untouched
    qtbot.waitUntil(lambda: not window.form.is_dirty(), timeout=WAIT_MS)  # saved, nothing pending
    assert window.form.fields["freight_insurance"].currentText() == "没有"  # type: ignore[attr-defined]
