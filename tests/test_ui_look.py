"""A window that helps scanning: the buyer's after-sales count as a list column (read with the block, in a few
grouped queries), status and deadline chips with colours kept as data, toolbar icons, one type scale."""

# ruff: noqa: F811 - the window fixtures of test_ui_flow are imported by name and used as arguments

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from desk.domain import CaseDraft, CaseId, CaseStatus, Platform
from desk.resources import resource
from tests.conftest import REPO
from tests.test_ui_flow import add_case, make_window, settings  # noqa: F401 - fixtures
from ui.cases import chips
from ui.cases.case_model import BUYER_COLUMN, DUE_COLUMN, STATUS_COLUMN, CaseTableModel
from ui.qt import QFont, Qt, QTableView

# -- 买家售后 column -------------------------------------------------------------------------------------------


def _cases_of(desk: Any, buyer: str, n: int, start: int) -> list[CaseId]:
    return [add_case(desk, f"240101-{start + i:015d}", buyer) for i in range(n)]


def test_the_list_shows_the_buyers_how_manieth_claim(desk: Any, qapp: Any) -> None:
    repeat = _cases_of(desk, "回头客", 3, 1)
    once = add_case(desk, "240101-000000000000100", "新买家")
    masked = add_case(desk, "240101-000000000000101", "用户***")
    model = CaseTableModel(desk.cases, histories=desk.buyers.histories)
    model.refresh()
    cell = {cid: model.index(model.row_of(cid) or 0, BUYER_COLUMN) for cid in [*repeat, once, masked]}
    assert [cell[c].data() for c in repeat] == ["第1次", "第2次", "第3次"]
    assert cell[once].data() == "第1次"
    assert cell[masked].data() == ""  # a masked nickname names nobody
    assert model.headerData(BUYER_COLUMN, Qt.Orientation.Horizontal) == "买家售后"
    # The repeat stands out (a chip, and a colour where no delegate paints one); a first claim does not.
    assert cell[repeat[2]].data(chips.CHIP_ROLE) == ("repeat", "repeat")
    assert cell[repeat[2]].data(Qt.ItemDataRole.ForegroundRole) is not None
    assert cell[repeat[0]].data(chips.CHIP_ROLE) is None
    assert cell[repeat[0]].data(Qt.ItemDataRole.ForegroundRole) is None
    assert cell[repeat[2]].data(Qt.ItemDataRole.ToolTipRole) == "该买家 90 天内第 3 次售后（申诉成功 0 次）"


def test_the_column_comes_with_the_block_in_a_few_queries(desk: Any, qapp: Any) -> None:
    """One block read of 100 rows asks the database a handful of times, not once per row."""
    for n in range(20):
        _cases_of(desk, f"买家{n}", 5, 1000 + n * 10)
    model = CaseTableModel(desk.cases, histories=desk.buyers.histories)
    model.refresh()
    assert model.rowCount() == 100
    statements: list[str] = []
    engine = desk.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        texts = [model.index(row, BUYER_COLUMN).data() for row in range(100)]
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert sorted(texts).count("第5次") == 20
    assert 1 <= len(statements) <= 10, statements


def test_a_failing_history_read_leaves_the_rows(desk: Any, qapp: Any) -> None:
    case_id = add_case(desk, "240101-000000000000200", "买家")

    def broken(_ids: Any) -> Any:
        raise RuntimeError("disk gone")

    model = CaseTableModel(desk.cases, histories=broken)
    model.refresh()
    row = model.row_of(case_id) or 0
    assert model.index(row, 4).data() == "240101-000000000000200"
    assert model.index(row, BUYER_COLUMN).data() == ""


def test_clicking_the_column_header_keeps_the_lists_order(desk: Any, qapp: Any) -> None:
    model = CaseTableModel(desk.cases, histories=desk.buyers.histories)
    model.refresh()
    before = model.filter
    model.sort(BUYER_COLUMN, Qt.SortOrder.AscendingOrder)
    assert model.filter == before


# -- chips -----------------------------------------------------------------------------------------------------


def test_every_status_has_a_chip_and_the_colours_parse() -> None:
    with resource(chips.STYLES_FILE).open("rb") as fh:
        data = tomllib.load(fh)
    styles = chips.parse_styles(data)
    for status in CaseStatus:
        chip = styles.chip("status", status.value)
        assert chip is not None, status
        assert chip.fill != chip.text
    for state in ("overdue", "soon"):
        assert styles.chip("due", state) is not None
    # Overdue reads red, close-to-due orange (hue in degrees).
    overdue, soon = styles.chip("due", "overdue"), styles.chip("due", "soon")
    assert overdue is not None and soon is not None
    assert overdue.fill.hue() < 15 or overdue.fill.hue() > 345
    assert 20 <= soon.fill.hue() <= 45
    assert chips.styles() == styles


def test_a_bad_colour_is_named() -> None:
    with pytest.raises(ValueError, match=r"chips\.status\.OPEN"):
        chips.parse_styles(
            {
                "type": {"title": 1.2, "body": 1, "caption": 0.9},
                "chips": {"status": {"OPEN": {"fill": "pink-ish", "text": "#000"}}},
            }
        )


def _case_due(desk: Any, order_no: str, due: datetime) -> CaseId:
    case, _ = desk.cases.create(CaseDraft(platform=Platform.PDD, order_no=order_no, due_at=due))
    return case.id


def test_deadline_chips_are_red_when_overdue_orange_when_close_plain_otherwise(desk: Any, qapp: Any) -> None:
    now = datetime.now(UTC)
    late = _case_due(desk, "240101-000000000000301", now - timedelta(hours=1))
    close = _case_due(desk, "240101-000000000000302", now + timedelta(hours=2))
    far = _case_due(desk, "240101-000000000000303", now + timedelta(days=5))
    model = CaseTableModel(desk.cases, histories=desk.buyers.histories)
    model.refresh()

    def chip(case_id: CaseId, column: int) -> Any:
        return model.index(model.row_of(case_id) or 0, column).data(chips.CHIP_ROLE)

    assert chip(late, DUE_COLUMN) == ("due", "overdue")
    assert chip(close, DUE_COLUMN) == ("due", "soon")
    assert chip(far, DUE_COLUMN) is None
    assert chip(far, STATUS_COLUMN) == ("status", CaseStatus.OPEN.value)


def test_the_list_paints_the_status_on_its_chip_colour(desk: Any, qapp: Any, qtbot: Any) -> None:
    case_id = add_case(desk, "240101-000000000000400")
    model = CaseTableModel(desk.cases)
    model.refresh()
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.setItemDelegate(chips.ChipDelegate(view))
    view.resize(900, 200)
    view.show()
    qtbot.waitExposed(view)
    rect = view.visualRect(model.index(model.row_of(case_id) or 0, STATUS_COLUMN))
    image = view.viewport().grab().toImage()
    fill = chips.styles().chip("status", CaseStatus.OPEN.value)
    assert fill is not None
    # A pixel left of the text, inside the chip's rounded box, has the chip's fill.
    pixel = image.pixelColor(rect.left() + 6, rect.center().y())
    assert pixel.name() == fill.fill.name(), pixel.name()


# -- type scale ------------------------------------------------------------------------------------------------


def test_the_type_scale_orders_title_body_caption(qapp: Any) -> None:
    base = QFont()
    base.setPointSizeF(10)
    sizes = [chips.type_font(base, role).pointSizeF() for role in ("title", "body", "caption")]
    assert sizes[0] > sizes[1] == 10 > sizes[2]


# -- toolbar icons ---------------------------------------------------------------------------------------------


def test_the_toolbar_actions_show_their_icons(make_window: Any) -> None:
    window = make_window()
    shown = {a.text(): a for a in window.toolbar.actions() if not a.isSeparator()}
    assert set(chips.TOOLBAR_ICONS) <= set(shown)
    for text in chips.TOOLBAR_ICONS:
        pixmap = shown[text].icon().pixmap(24, 24)
        assert not pixmap.isNull(), text
        image = pixmap.toImage()
        # Drawn (not a blank square): some pixels are opaque, some are not.
        alphas = {image.pixelColor(x, y).alpha() > 0 for x in range(24) for y in range(24)}
        assert alphas == {True, False}, text
    assert window.toolbar.toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonTextBesideIcon


def test_every_icon_is_shipped_and_its_licence_recorded() -> None:
    folder = resource("icons")
    licences = (folder / "LICENSES.md").read_text(encoding="utf-8")
    for name in chips.TOOLBAR_ICONS.values():
        svg = folder / f"toolbar-{name}.svg"
        assert svg.is_file(), svg
        assert f"`toolbar-{name}.svg`" in licences
    with (REPO / "pyproject.toml").open("rb") as fh:
        data = tomllib.load(fh)["tool"]["setuptools"]["package-data"]["desk_resources"]
    assert "icons/*" in data and "*.toml" in data  # the icons, LICENSES.md and styles.toml are installed
