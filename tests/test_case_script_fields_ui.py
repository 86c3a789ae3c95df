"""The case form holds the fields the scripts need: 补发单号, 退货运单号 and 协商补偿金额, typed and saved."""

# The window fixtures are shared with test_ui_flow by import; pytest injects them by name.
# ruff: noqa: F401, F811

from __future__ import annotations

from decimal import Decimal
from typing import Any

from desk.domain import PlatformFacts
from tests.test_ui_flow import WAIT_MS, add_case, make_window, no_modal_dialogs, settings, window
from ui.qt import QLineEdit


def test_script_fields_are_typed_saved_and_shown(qtbot: Any, desk: Any, make_window: Any) -> None:
    case_id = add_case(desk, "240101-123456789012345")
    desk.cases.sync_platform(case_id, PlatformFacts(return_tracking_no="YT100"))  # the export brought it
    window = make_window()
    window.select_case(case_id)
    qtbot.waitUntil(lambda: window.form.case_id == case_id, timeout=WAIT_MS)
    form = window.form
    fields = {
        name: form.fields[name]
        for name in ("reship_tracking_no", "return_tracking_no", "agreed_compensation")
    }
    assert all(isinstance(f, QLineEdit) and f.isVisible() for f in fields.values())
    assert fields["return_tracking_no"].text() == "YT100"  # type: ignore[attr-defined]
    assert "{补发单号}" in fields["reship_tracking_no"].toolTip()
    qtbot.keyClicks(fields["reship_tracking_no"], "SF1234567890")
    fields["return_tracking_no"].clear()  # type: ignore[attr-defined]
    qtbot.keyClicks(fields["return_tracking_no"], "YT200")
    qtbot.keyClicks(fields["agreed_compensation"], "8.5")
    form.save()
    qtbot.waitUntil(lambda: desk.cases.get(case_id).agreed_compensation is not None, timeout=WAIT_MS)
    case = desk.cases.get(case_id)
    assert (case.reship_tracking_no, case.return_tracking_no, case.agreed_compensation) == (
        "SF1234567890",
        "YT200",
        Decimal("8.50"),
    )
    assert form.net_label.text().startswith("0.00")  # agreed, not paid: no cost yet
    filled = desk.scripts.fill_for_case("wrong.compensate", case_id)
    assert "补偿 8.50 元" in filled.text and not filled.missing
