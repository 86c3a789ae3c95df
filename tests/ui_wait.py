"""Waiting for what the window reads on its DB worker (ui/tasks.py): the case opened, the list's query
and rows, the evidence of a case. The window never reads on the GUI thread, so a test that looks right
after asking waits for the answer here instead."""

from __future__ import annotations

from typing import Any

from desk.domain import CaseId

WAIT_MS = 20_000


def wait_case_shown(qtbot: Any, window: Any, case_id: CaseId | int | None, timeout: int = WAIT_MS) -> None:
    """Until the form shows case_id (its fields and timeline) and the gallery shows its evidence."""

    def shown() -> bool:
        form, panel = window.form, window.panel
        return (
            form.opening is None
            and form.case_id == case_id
            and panel.case_id == case_id
            and not panel.loading
        )

    qtbot.waitUntil(shown, timeout=timeout)


def select_case(qtbot: Any, window: Any, case_id: CaseId | int, timeout: int = WAIT_MS) -> None:
    """Choose a case in the list, as the operator would, and wait until the window shows it."""
    window.select_case(case_id)
    wait_case_shown(qtbot, window, case_id, timeout)


def refresh_list(qtbot: Any, window: Any, timeout: int = WAIT_MS) -> None:
    """Run the list's query again (on the DB worker) and wait until the list shows its answer."""
    with qtbot.waitSignal(window.cases_pane.refreshed, timeout=timeout):
        window.cases_pane.request_refresh()


def open_case(qtbot: Any, window: Any, case_id: CaseId | int, timeout: int = WAIT_MS) -> None:
    """A case made by the test's set-up: let the list find it, then choose it and wait until shown."""
    refresh_list(qtbot, window, timeout)
    select_case(qtbot, window, case_id, timeout)


def wait_rows(qtbot: Any, model: Any, timeout: int = WAIT_MS) -> None:
    """Until every row of the list model (CaseTableModel or OrderTableModel) shows up-to-date cells."""

    def loaded() -> bool:
        missing = [row for row in range(model.rowCount()) if not model.row_loaded(row)]
        for row in missing:
            model.index(row, 0).data()  # as a paint would: asks for the block
        return not missing

    qtbot.waitUntil(loaded, timeout=timeout)


def column_texts(qtbot: Any, model: Any, column: int, timeout: int = WAIT_MS) -> list[str]:
    """The texts of one column of every row, once their cells are there."""
    wait_rows(qtbot, model, timeout)
    return [model.index(row, column).data() for row in range(model.rowCount())]


def reload_evidence(qtbot: Any, panel: Any, timeout: int = WAIT_MS) -> None:
    """Read the gallery's list again (on the DB worker) and wait until it shows it."""
    with qtbot.waitSignal(panel.evidence_shown, timeout=timeout):
        panel.refresh()
