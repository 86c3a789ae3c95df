"""Case-list exports of text a spreadsheet would run: XLSX keeps it as typed text, CSV guards it."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

from desk.domain import CaseDraft
from desk.services.export import export_cases

FORMULA_LIKE = [
    '=HYPERLINK("http://example.com","点我")',
    "=1+1",
    "+8613812348000",
    "-5 件",
    "@SUM(A1)",
    "#N/A",
]


def _cases(desk):  # type: ignore[no-untyped-def]
    made = [
        desk.cases.create(CaseDraft(order_no=f"261120-{i:015d}", buyer_nick=text, description=text))[0].id
        for i, text in enumerate(FORMULA_LIKE, 1)
    ]
    return desk.cases.get_many(made)


def test_xlsx_writes_formula_like_text_as_string_cells_without_an_apostrophe(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    cases = _cases(desk)
    path = export_cases(cases, tmp_path / "导出.xlsx")
    with zipfile.ZipFile(path) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet  # nothing Excel would calculate
    ws = load_workbook(path).active
    assert ws is not None
    header = [c.value for c in ws[1]]
    nick, description = header.index("买家昵称") + 1, header.index("问题描述") + 1
    got = []
    for row in range(2, ws.max_row + 1):
        for col in (nick, description):
            cell = ws.cell(row, col)
            assert cell.data_type == "s", (cell.value, cell.data_type)
            got.append(cell.value)
    assert sorted(set(got)) == sorted(set(FORMULA_LIKE))  # exactly as typed: no leading '


def test_csv_keeps_the_apostrophe_guard(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cases = _cases(desk)
    path = export_cases(cases, tmp_path / "导出.csv")
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    column = rows[0].index("买家昵称")
    values = {r[column] for r in rows[1:] if r}
    assert values == {"'" + t for t in FORMULA_LIKE if t[0] in "=+-@\t"} | {"#N/A"}
