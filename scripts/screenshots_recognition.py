"""Screenshots of what the desk reads in pictures (called by scripts/screenshots.py), with the real engine:
a courier page filed under the wrong case in the viewer (its suggestions, the offer to move it first), and
the 称重核对 tab offering the weights read in a case's page. Skipped, with a line saying so, when the
engine is not installed (the `ocr` extra)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

NAMES = ("recognition", "weight_suggestions")
PAGES = Path(__file__).resolve().parents[1] / "tests" / "data" / "ocr"


def shoot_recognition(desk: Any, window: Any, pump: Callable[..., None], out: Path) -> list[str]:
    from screenshots_orders import weight_tab_in_view

    from desk.domain import CaseDraft

    if not desk.recognition.available():
        print(
            "screenshots: text recognition is not installed; recognition.png and weight_suggestions.png kept"
        )
        return []
    # Two couriers' pages (generated, tests/data/ocr): the first filed under a case whose waybill is not
    # its own, the case it belongs to exists; the second in its own case, whose load weight was typed in.
    home, _ = desk.cases.create(
        CaseDraft(order_no="261201-583920174466120", buyer_nick="青柠小铺买家", tracking_no="YT4418820945512")
    )
    desk.cases.create(
        CaseDraft(order_no="261201-583920174466121", buyer_nick="小王", tracking_no="SF2802172889885")
    )
    own, _ = desk.cases.create(
        CaseDraft(order_no="261201-583920174466122", buyer_nick="老李", tracking_no="ZT5683500492524")
    )
    misfiled = desk.evidence.import_files(home.id, [PAGES / "courier-000-table.png"]).added[0]
    page = desk.evidence.import_files(own.id, [PAGES / "courier-001-card.png"]).added[0]
    for item in (misfiled, page):
        desk.recognition.read(item.id)  # as the background reading after an import does

    window.cases_pane.request_refresh()
    pump(2)
    window.select_case(home.id)
    pump(10, lambda: window.form.opening is None and not window.panel.loading)
    panel = window.panel
    item = next(e for e in panel.model.items() if e.id == misfiled.id)
    viewer = panel.open_viewer(item)
    assert viewer is not None and viewer.suggestions is not None
    viewer.resize(1140, 800)
    strip = viewer.suggestions
    pump(30, lambda: viewer.loaded and strip.isVisible() and bool(strip.suggestions))
    pump(0.5)
    viewer.grab().save(str(out / "recognition.png"))
    viewer.close()

    window.select_case(own.id)
    pump(10, lambda: window.form.opening is None and not window.panel.loading)
    weights = window.features.orders.weight_panel
    restore = weight_tab_in_view(window)
    pump(15, lambda: weights.case_id == own.id and weights.suggestion_list.rowCount() > 0)
    pump(0.5)
    window.grab().save(str(out / "weight_suggestions.png"))
    restore()
    return [str(out / f"{name}.png") for name in NAMES]
