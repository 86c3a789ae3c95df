"""Screenshots of the case list: the list with deadline colours, queues, a saved view and the bulk bar;
the money tab; the shop editor; the platform profiles (unverified values highlighted)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any


def shoot_cases(desk: Any, window: Any, pump: Callable[..., None], out: Path) -> list[Path]:
    from ui.qt import QItemSelectionModel

    shots: list[Path] = []
    pane = window.cases_pane
    pane.show_all()
    pump(5, lambda: pane.model.rowCount() > 0 and "（" in pane.sidebar.queue_items["overdue"].text(0))
    # Two cases selected for a bulk change: the bulk bar shows above the list.
    ids = [pane.model.case_id(r) for r in range(pane.model.rowCount())]
    window.select_case(ids[0])
    pump(10, lambda: window.form.opening is None and not window.panel.loading)  # read on the DB worker
    selection = window.table.selectionModel()
    for case_id in ids[:2]:
        row = pane.model.row_of(case_id)
        selection.select(
            pane.model.index(row, 0),
            QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
        )
    pump(0.5)
    path = out / "cases_list.png"
    window.grab().save(str(path))
    shots.append(path)

    # The money tab of the reshipped case (reship cost, freight).
    reshipped = next(i for i in ids if desk.cases.get(i).reship_cost is not None)
    window.select_case(reshipped)
    pump(10, lambda: window.form.opening is None and not window.panel.loading)  # read on the DB worker
    window.form.tabs.setCurrentIndex(2)
    pump(0.3)
    path = out / "case_money.png"
    window.form.grab().save(str(path))
    shots.append(path)
    window.form.tabs.setCurrentIndex(0)

    dialog = window.features.cases.open_shops()
    dialog.resize(760, 460)
    pump(0.5)
    path = out / "shops.png"
    dialog.grab().save(str(path))
    shots.append(path)
    dialog.close()

    platforms = window.features.cases.open_platforms()
    platforms.resize(900, 680)
    pump(0.5)
    path = out / "platforms.png"
    platforms.grab().save(str(path))
    shots.append(path)
    platforms.close()
    return shots
