"""Opening a platform export: the file's type and encoding (desk.orders.readers), its header row found
among the first rows and matched to a known export, and the preview the import dialog shows."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

from desk.names import shown
from desk.orders.headers import (
    GENERIC_ORDERS,
    PRODUCTS,
    PROFILE_BY_KEY,
    HeaderMatch,
    detect,
    header_score,
    match_profile,
)
from desk.orders.model import ExportKind, FilePreview
from desk.orders.readers import HEADER_SEARCH_ROWS, BrokenRow, FileUnreadable, open_table
from desk.orders.readers import Table as Sheet


@dataclass
class OpenExport:
    """A file whose header row was found and matched to an export."""

    table: Sheet
    header_row: int
    headers: list[str]
    match: HeaderMatch
    rows: Iterator[tuple[int, list[str]]]  # data rows after the header

    @property
    def encoding_label(self) -> str:
        return self.table.encoding.label if self.table.encoding else ""


def _best_header(rows: Sequence[tuple[int, list[str]]]) -> tuple[int, list[str]] | None:
    best: tuple[int, tuple[int, list[str]]] | None = None
    for number, cells in rows:
        points = header_score(cells)
        if points > 0 and (best is None or points > best[0]):
            best = (points, (number, cells))
    return best[1] if best else None


def open_export(
    path: Path, *, profile_key: str | None = None, store_pii: bool = False, kinds: Sequence[ExportKind] = ()
) -> OpenExport:
    """Open a file and recognise its export by the header row (looked for in the first rows)."""
    forced = PROFILE_BY_KEY.get(profile_key) if profile_key else None

    def score(cells: Sequence[str]) -> int:
        if forced is not None:
            found = match_profile(forced, cells)
            return found.score if not found.missing else 0
        return header_score(cells)

    table = open_table(path, score=score)
    try:
        rows = table.rows()
        head: list[tuple[int, list[str]]] = []
        for row in rows:
            head.append(row)
            if len(head) >= HEADER_SEARCH_ROWS:
                break
        if forced is not None:
            scored = [(score(cells), (n, cells)) for n, cells in head]
            top = max(scored, key=lambda s: s[0], default=(0, (0, [])))
            header = top[1] if top[0] > 0 else None
        else:
            header = _best_header(head)
        if header is None:
            first = next((cells for _n, cells in head if not isinstance(cells, BrokenRow)), [])
            seen = "、".join(shown(c[:40]) for c in first[:8] if c.strip()) or "（空）"
            raise FileUnreadable(
                f"无法识别“{shown(path.name)}”：前 {len(head)} 行里找不到已知导出文件的表头"
                f"（需要有“订单号”“售后编号”或“商家编码”等列）。第一行是：{seen}"
            )
        number, cells = header
        # Only the header's columns are read from here on: a cell far to the right (or a declared
        # dimension of A1:XFD1048576) costs nothing.
        width = len(cells)
        while width and not cells[width - 1].strip():
            width -= 1
        table.limit_columns(width)
        match = (
            match_profile(forced, cells, store_pii=store_pii)
            if forced
            else detect(cells, store_pii=store_pii)
        )
        assert match is not None
        if kinds and match.profile.kind not in kinds:
            wanted = "、".join(k.value for k in kinds)
            raise FileUnreadable(f"“{shown(path.name)}”是{match.profile.title}，不是{wanted}。")
        if match.missing:
            raise FileUnreadable(
                f"“{shown(path.name)}”缺少必需的列：{'、'.join(match.missing)}（按{match.profile.title}的列名识别）。"
            )
        after = [r for r in head if r[0] > number]
        if table.file_type == "XLSX":
            # Rows read before the header's width was known: as wide as the header, like the rest.
            after = [(n, (c + [""] * (width - len(c)))[:width]) for n, c in after]
        return OpenExport(table, number, cells, match, chain(after, rows))
    except BaseException:
        table.close()
        raise


def inspect_file(
    path: Path, *, profile_key: str | None = None, store_pii: bool = False, preview_rows: int = 20
) -> FilePreview:
    """What the import dialog shows before importing: encoding, export, header mapping, first rows."""
    try:
        opened = open_export(path, profile_key=profile_key, store_pii=store_pii)
    except FileUnreadable as exc:
        return FilePreview(
            path=str(path),
            file_type="",
            encoding="",
            encoding_note="",
            delimiter="",
            header_row=0,
            kind=None,
            platform=None,
            headers=(),
            mapping=(),
            rows=(),
            missing=(),
            problem=exc.message,
        )
    with opened.table:
        sample: list[tuple[str, ...]] = []
        for _number, cells in opened.rows:
            if not any(c.strip() for c in cells):
                continue
            sample.append(tuple(cells))
            if len(sample) >= preview_rows:
                break
        enc = opened.table.encoding
        profile = opened.match.profile
        return FilePreview(
            path=str(path),
            file_type=opened.table.file_type,
            encoding=enc.label if enc else "",
            encoding_note=enc.note
            if enc
            else (f"工作表“{opened.table.sheet}”" if opened.table.sheet else ""),
            delimiter={",": "逗号", "\t": "制表符", ";": "分号", "|": "竖线"}.get(opened.table.delimiter, ""),
            header_row=opened.header_row,
            kind=profile.kind,
            platform=None if profile is GENERIC_ORDERS or profile is PRODUCTS else profile.platform,
            headers=tuple(opened.headers),
            mapping=opened.match.mapping,
            rows=tuple(sample),
            missing=opened.match.missing,
            profile_title=profile.title,
        )
