"""Export cases to CSV (UTF-8 with BOM, so Excel reads the Chinese) or XLSX (openpyxl).

Files are written to ``<name>.partial`` and renamed when complete, so a failure leaves nothing half
written. Text that a spreadsheet would run as a formula (starting with = + - @) is written as text: in
XLSX every text is a string-typed cell, which Excel shows as it is and never calculates; a CSV has no
types, so such text gets a leading ' there (Excel hides it and treats the rest as text).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from desk.deadlines import describe_due
from desk.domain import CASE_FIELD_LABELS, MONEY_FIELDS, CaseData
from desk.errors import DeskError
from desk.fileops import write_atomically
from desk.labels import flag_text

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class ExportFailed(DeskError):
    """An export file could not be written; nothing was left behind."""


def _field(key: str) -> Callable[[CaseData], Any]:
    return lambda c: getattr(c, key)


def columns() -> list[tuple[str, Callable[[CaseData], Any]]]:
    cols: list[tuple[str, Callable[[CaseData], Any]]] = [("编号", lambda c: int(c.id))]
    for key, label in CASE_FIELD_LABELS.items():
        if key == "shop_id":
            cols.append(("店铺", lambda c: c.shop_name))
        elif key == "due_at":
            cols.append(
                (label, lambda c: c.due_at.astimezone().strftime("%Y-%m-%d %H:%M") if c.due_at else "")
            )
            cols.append(("剩余时间", lambda c: describe_due(c.due_at, paused_at=c.due_paused_at)))
        else:
            cols.append((label, _field(key)))
    cols += [
        ("净支出", lambda c: c.net_cost),
        ("证据数", lambda c: c.evidence_count),
        ("新建时间", lambda c: c.created_at.astimezone().strftime("%Y-%m-%d %H:%M")),
        ("更新时间", lambda c: c.updated_at.astimezone().strftime("%Y-%m-%d %H:%M")),
    ]
    return cols


def _plain(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):  # 运费险, 极速退款: words, as on the form
        return flag_text(value)
    if hasattr(value, "value") and not isinstance(value, Decimal):  # enums: their words (desk.labels)
        value = str(value)
    return value


def _cell(value: Any) -> Any:
    """A CSV field: text a spreadsheet would run as a formula gets a leading '."""
    value = _plain(value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _write_atomically(path: Path, write: Callable[[Path], None]) -> Path:
    try:
        return write_atomically(path, write)
    except OSError as exc:
        raise ExportFailed(f"无法写入“{path}”：{exc.strerror or exc}。没有留下任何文件。") from exc


def export_csv(cases: Sequence[CaseData], path: Path) -> Path:
    cols = columns()

    def write(target: Path) -> None:
        with open(target, "w", encoding="utf-8-sig", newline="") as fh:
            out = csv.writer(fh)
            out.writerow([name for name, _ in cols])
            for c in cases:
                row = []
                for _name, get in cols:
                    value = _cell(get(c))
                    row.append(f"{value:.2f}" if isinstance(value, Decimal) else value)
                out.writerow(row)

    return _write_atomically(path, write)


def export_xlsx(cases: Sequence[CaseData], path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    cols = columns()
    money_columns = {CASE_FIELD_LABELS[k] for k in MONEY_FIELDS} | {"净支出"}

    def write(target: Path) -> None:
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("售后记录")
        bold = Font(bold=True)
        header = []
        for name, _ in cols:
            cell = WriteOnlyCell(ws, value=name)
            cell.font = bold
            header.append(cell)
        ws.append(header)
        for c in cases:
            row = []
            for name, get in cols:
                value = _plain(get(c))
                cell = WriteOnlyCell(ws, value=value)
                if isinstance(value, str):
                    # openpyxl would write "=…" as a formula (and "#N/A" as an error); a string cell is
                    # shown exactly as written, with no apostrophe added to the text.
                    cell.data_type = "s"
                elif name in money_columns and isinstance(value, Decimal):
                    cell.number_format = "0.00"
                row.append(cell)
            ws.append(row)
        wb.save(target)

    return _write_atomically(path, write)


def export_cases(cases: Sequence[CaseData], path: Path) -> Path:
    """CSV or XLSX by the file's suffix."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return export_csv(cases, path)
    if suffix == ".xlsx":
        return export_xlsx(cases, path)
    raise ExportFailed(f"不支持导出为“{suffix or path.name}”：请选择 .csv 或 .xlsx 文件。")
