"""The suggestions strip under an evidence picture (ui/evidence/suggestions.py), driven with real keys: what
the desk read in a courier page is offered, Enter writes the first suggestion into the case (a weight record
whose source is the picture), Esc puts one aside, and a number that disagrees with the case is shown as
such and never written over it. A stand-in reader plays the engine (tests/test_recognition_service.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from desk.domain import CaseDraft
from desk.orders.model import WeightKind
from tests.test_recognition_service import BLUE, TEXTS, FakeReader, add, picture, service
from ui.evidence.suggestions import StripParts, SuggestionsStrip
from ui.qt import QLabel, QObject, Qt, Signal

WAIT_MS = 10_000
pytestmark = pytest.mark.usefixtures("collect_on_the_gui_thread")


class Ctx(QObject):
    """The part of the window's FeatureContext the strip uses."""

    changes = Signal(object)

    def __init__(self, desk: Any, runner: Any) -> None:
        super().__init__()
        self.desk, self.runner = desk, runner
        self.statuses: list[str] = []

    def show_status(self, text: str) -> None:
        self.statuses.append(text)


def test_enter_accepts_the_first_suggestion_and_esc_declines(qtbot, desk, runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    desk.recognition = service(desk, FakeReader(TEXTS))
    case, _ = desk.cases.create(CaseDraft(order_no="261120-999999999999999"))
    ev = add(desk, case.id, picture(tmp_path, "courier.png", BLUE))
    ctx = Ctx(desk, runner)
    changed: list[object] = []
    ctx.changes.connect(changed.append)
    strip = SuggestionsStrip(ctx)  # type: ignore[arg-type]
    qtbot.addWidget(strip)
    accepted: list[object] = []
    declined: list[object] = []
    strip.accepted.connect(accepted.append)
    strip.declined.connect(declined.append)

    strip.show_for(ev)
    qtbot.waitUntil(lambda: len(strip.suggestions()) == 3, timeout=WAIT_MS)
    assert strip.isVisible()
    assert [s.kind for s in strip.suggestions()] == ["weight", "waybill", "order"]
    assert desk.weights.records(case.id) == []  # offered, not written

    strip.setFocus()
    qtbot.keyClick(strip, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(accepted) == 1, timeout=WAIT_MS)
    (record,) = desk.weights.records(case.id)
    assert (record.kind, record.grams, record.evidence_id) == (WeightKind.COURIER_PICKUP, 1250, ev)
    assert changed and "1250 克" in ctx.statuses[-1]
    assert [s.kind for s in strip.suggestions()] == ["waybill", "order"]

    qtbot.keyClick(strip, Qt.Key.Key_Escape)  # the waybill put aside: nothing written
    assert [getattr(d, "kind", "") for d in declined] == ["waybill"]
    assert desk.cases.get(case.id).tracking_no == ""

    # The order number in the picture is not the case's: Enter says so and keeps the case's own.
    qtbot.keyClick(strip, Qt.Key.Key_Enter)
    qtbot.waitUntil(lambda: len(accepted) == 2, timeout=WAIT_MS)
    assert getattr(accepted[-1], "differs", False)
    assert desk.cases.get(case.id).order_no == "261120-999999999999999"
    assert "不一致" in ctx.statuses[-1]


def test_a_picture_with_nothing_to_suggest_shows_no_strip_and_the_viewer_can_mount_it_by_parts(
    qtbot, desk, runner, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    desk.recognition = service(desk, FakeReader({}))
    case, _ = desk.cases.create(CaseDraft(order_no="261120-000000000000009"))
    ev = add(desk, case.id, picture(tmp_path, "plain.png", BLUE))
    statuses: list[str] = []
    ctx = Ctx(desk, runner)
    strip = SuggestionsStrip(StripParts(desk.recognition, runner, ctx.changes, statuses.append))
    qtbot.addWidget(strip)
    strip.show()
    strip.show_for(ev)
    qtbot.waitUntil(lambda: desk.recognition.pending(case.id) == (), timeout=WAIT_MS)
    qtbot.wait(100)
    assert strip.suggestions() == () and not strip.isVisible()


def test_without_the_engine_the_strip_says_once_that_reading_is_off(
    qtbot,  # type: ignore[no-untyped-def]
    desk,
    runner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("desk.recognition.client._said_missing", False)
    monkeypatch.setenv(
        "DESK_RECOGNITION", "on"
    )  # not installed, rather than switched off (tests/conftest.py)
    reader = FakeReader(TEXTS)
    desk.recognition = service(desk, reader, installed=False)
    case, _ = desk.cases.create(CaseDraft(order_no="261120-000000000000010"))
    ev = add(desk, case.id, picture(tmp_path, "courier.png", BLUE))
    strip = SuggestionsStrip(Ctx(desk, runner))  # type: ignore[arg-type]
    qtbot.addWidget(strip)
    strip.show_for(ev)
    qtbot.waitUntil(strip.isVisible, timeout=WAIT_MS)
    assert "图片文字识别已关闭" in strip.findChild(QLabel, "suggestionsNote").text()
    assert strip.suggestions() == () and reader.reads == []
    strip.show_for(ev)  # the second picture: said once already, the strip stays away
    qtbot.waitUntil(lambda: not strip.isVisible(), timeout=WAIT_MS)
    qtbot.wait(200)
    assert not strip.isVisible()
