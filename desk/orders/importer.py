"""Importing platform exports: orders (with their items), after-sales rows (as cases) and the product catalog.

Every import streams its file and ends with an ImportSummary: imported, updated, skipped, failed — each
skipped or failed row with its row number (as a spreadsheet shows it) and the reason. A broken row never
stops the file.

Transactions: order rows are written in batches of about BATCH_ROWS rows, one transaction per batch, and a
batch is only cut where the order number changes, so an order's adjacent item rows are committed together.
If the import stops half-way (cancel, crash, power cut), the batches committed so far stay, each complete
and consistent, and nothing of the batch in flight is written; importing the same file again finishes the
job (it updates, never duplicates). After-sales rows go through CaseService one row at a time (one
transaction per case, with its timeline entries).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from desk.db import models as m
from desk.db import models_orders as mo
from desk.db.types import utcnow
from desk.domain import CASE_FIELD_LABELS, CaseDraft, CaseId, CaseStatus, Changes, Platform, ShopId
from desk.errors import DeskError, ValidationFailed
from desk.names import shown
from desk.orders import mapping, parse
from desk.orders.headers import (
    FIELDS,
    GENERIC_ORDERS,
    PRODUCTS,
    PROFILE_BY_KEY,
    HeaderMatch,
    detect,
    header_score,
    match_profile,
    norm_header,
)
from desk.orders.model import ExportKind, FilePreview, ImportSummary, RowProblem
from desk.orders.parse import CellError
from desk.orders.readers import HEADER_SEARCH_ROWS, BrokenRow, FileUnreadable, open_table
from desk.orders.readers import Table as Sheet

log = logging.getLogger(__name__)

ORDERS = cast(Table, mo.Order.__table__)
ORDER_ITEMS = cast(Table, mo.OrderItem.__table__)
PRODUCTS_TABLE = cast(Table, mo.Product.__table__)

Progress = Callable[[int, int, str], None]
Cancel = Callable[[], bool]

BATCH_ROWS = 5000
PROGRESS_EVERY = 500
MAX_CELL = 10_000  # longer: an unclosed quote swallowed the rows below it
PLATFORM_LINE = "【平台售后】"
# A cell needs parse.clean() only when it starts or ends with one of these (NULs are removed per row).
_EDGE = frozenset(" \t\r\n='\"\u00a0\u3000")

ORDER_TEXT_FIELDS = (
    "status",
    "after_sales_status",
    "goods_summary",
    "tracking_no",
    "courier",
    "merchant_note",
    "buyer_message",
    "buyer_nick",
    "receiver_name",
    "receiver_phone",
    "receiver_address",
)
ORDER_MONEY_FIELDS = (
    "goods_total",
    "shipping_fee",
    "shop_discount",
    "platform_discount",
    "paid_amount",
    "received_amount",
)
ORDER_TIME_FIELDS = ("ordered_at", "paid_at", "shipped_at", "signed_at")
ADDRESS_PARTS = ("province", "city", "district", "receiver_address")
# Column sizes of the tables: values that must stay whole are refused when longer, others are cut.
STRICT_LIMITS = {"tracking_no": 64, "sub_order_no": 64}
SOFT_LIMITS = {
    "status": 64,
    "after_sales_status": 64,
    "courier": 64,
    "buyer_nick": 128,
    "receiver_name": 128,
    "receiver_phone": 64,
    "sku_code": 128,
    "goods_code": 128,
    "goods_id": 64,
}


# -- opening a file -------------------------------------------------------------------------------


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


# -- one row --------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Row:
    number: int
    order_no: str
    order: dict[str, Any]
    item: dict[str, Any] | None


def _fit(value: str, name: str, label: str) -> str:
    limit = STRICT_LIMITS.get(name)
    if limit is not None and len(value) > limit:
        raise CellError(f"{label}太长（{len(value)} 个字符，上限 {limit}）")
    soft = SOFT_LIMITS.get(name)
    return value[:soft] if soft is not None else value


def product_key(sku_code: str, goods_id: str, style_id: str, name: str, spec: str) -> str:
    """The catalog key of an item: its 商家编码; else the platform's goods/style ids; else name and spec."""
    if sku_code:
        return sku_code[:255]
    if goods_id and style_id:
        return f"ID:{goods_id}/{style_id}"[:255]
    if goods_id:
        return f"ID:{goods_id}|{spec}"[:255]
    return f"名称:{name}|{spec}"[:255]


class _RowReader:
    """Turns the cells of a data row into typed values, by the matched columns."""

    def __init__(self, match: HeaderMatch, *, store_pii: bool) -> None:
        self.columns = {f: i for f, i in match.columns.items() if store_pii or not FIELDS[f].pii}
        self.labels = {f: match.mapping[i].header.strip() or FIELDS[f].label for f, i in self.columns.items()}
        self.shapes = {
            f: shape
            for (key, f), shape in parse.SHAPES.items()
            if key == match.profile.key and f in self.columns
        }

    def text(self, cells: list[str], name: str) -> str:
        i = self.columns.get(name)
        if i is None or i >= len(cells):
            return ""
        v = parse.clean(cells[i])
        return "" if v in parse.EMPTY else _fit(v, name, self.labels[name])

    def has(self, name: str) -> bool:
        return name in self.columns

    def money(self, cells: list[str], name: str) -> Decimal | None:
        i = self.columns.get(name)
        if i is None or i >= len(cells):
            return None
        return parse.money(cells[i], self.labels[name])

    def time(self, cells: list[str], name: str) -> datetime | None:
        i = self.columns.get(name)
        if i is None or i >= len(cells):
            return None
        return parse.timestamp(cells[i], self.labels[name])

    def order_no(self, cells: list[str], name: str = "order_no") -> str:
        i = self.columns[name]
        return parse.order_number(
            cells[i] if i < len(cells) else "", self.labels[name], self.shapes.get(name)
        )


LONG_CELL = {
    "CSV": "这一行有一格超过 1 万个字符，多半是引号没有闭合、把下面的行并了进来，未导入",
    "XLSX": "这一行有一格超过 1 万个字符，不是订单数据，未导入",
}


def _row_problem(cells: list[str], joined: str, file_type: str) -> tuple[str, bool]:
    """Why a row cannot be read at all ("" = it can), and whether it holds NUL characters.

    joined is the row's cells joined with U+001F (done once per row by the caller).
    """
    if "\ufffd" in joined:
        return "这一行有无法按所检测编码解码的字节（文件可能混用了几种编码），未导入", False
    if len(joined) > MAX_CELL and any(len(c) > MAX_CELL for c in cells):
        return LONG_CELL.get(file_type, LONG_CELL["CSV"]), False
    return "", "\x00" in joined


def _data_rows(opened: OpenExport, tally: _Tally) -> Iterator[tuple[int, list[str]]]:
    """The rows of an export that hold data, counted in tally; the others are tallied as skipped
    (blank, repeated header, 合计, exact repeat) or failed (a cell too long to split, undecodable bytes,
    a runaway cell, a CSV row missing columns the import reads)."""
    screen = _Screen(opened.headers)
    file_type = opened.table.file_type
    header_width = len(opened.headers)
    while header_width and not opened.headers[header_width - 1].strip():
        header_width -= 1
    # A CSV row shorter than this lacks a column the import reads: a line broken in two, or cut short.
    # (An XLSX row is as wide as the header: missing cells there are empty cells.)
    needed = max(opened.match.columns.values(), default=-1) + 1 if file_type == "CSV" else 0
    for number, cells in opened.rows:
        if type(cells) is BrokenRow:
            tally.rows += 1
            tally.failed.append(RowProblem(number, cells.reason))
            continue
        joined = "\x1f".join(cells)
        verdict = screen.check(number, cells, joined)
        if verdict is not None:
            if verdict:
                tally.rows += 1
                tally.skipped.append(RowProblem(number, verdict))
            continue
        tally.rows += 1
        if len(cells) < needed:
            tally.failed.append(
                RowProblem(
                    number,
                    f"这一行只有 {len(cells)} 列，表头有 {header_width} 列（可能断行或少了分隔符），未导入",
                )
            )
            continue
        problem, nul = _row_problem(cells, joined, file_type)
        if problem:
            tally.failed.append(RowProblem(number, problem))
            continue
        # NUL is never typed by anyone, and PostgreSQL cannot store it.
        yield number, ([c.replace("\x00", "") for c in cells] if nul else cells)


class _OrderRows(_RowReader):
    """The hot loop of a 100,000-row import: values come out ready for the database
    (money as integer fen, times as naive UTC), looked up by precomputed column positions."""

    def __init__(self, match: HeaderMatch, *, store_pii: bool) -> None:
        super().__init__(match, store_pii=store_pii)
        self.order_fields = [
            f for f in (*ORDER_TEXT_FIELDS, *ORDER_MONEY_FIELDS, *ORDER_TIME_FIELDS) if self.has(f)
        ]
        if self.has("logistics_info"):
            for f in ("tracking_no", "courier"):
                if f not in self.order_fields:
                    self.order_fields.append(f)
        if any(self.has(f) for f in ADDRESS_PARTS) and "receiver_address" not in self.order_fields:
            self.order_fields.append("receiver_address")
        if self.has("goods_count") and "goods_summary" not in self.order_fields:
            self.order_fields.append("goods_summary")
        self.items = any(self.has(f) for f in ("product_name", "sku_code", "quantity"))
        c = self.columns
        self._order_no = (c["order_no"], self.labels["order_no"], self.shapes.get("order_no"))
        self._text = [
            (f, c[f], self.labels[f], STRICT_LIMITS.get(f, 0), SOFT_LIMITS.get(f, 0))
            for f in ORDER_TEXT_FIELDS
            if f in c and f != "receiver_address"
        ]
        self._money = [(f, c[f], self.labels[f]) for f in ORDER_MONEY_FIELDS if f in c]
        self._times = [(f, c[f], self.labels[f]) for f in ORDER_TIME_FIELDS if f in c]
        self._address = [c[f] for f in ADDRESS_PARTS if f in c]
        self._quantity = (c["quantity"], self.labels["quantity"]) if "quantity" in c else None
        item_fields = (
            "product_name",
            "sku_code",
            "goods_id",
            "spec",
            "sub_order_no",
            "style_id",
            "goods_code",
        )
        self._item_text_specs = [
            (f, c[f], self.labels[f], STRICT_LIMITS.get(f, 0), SOFT_LIMITS.get(f, 0))
            for f in item_fields
            if f in c
        ]
        self._unit_price = (c["unit_price"], self.labels["unit_price"]) if "unit_price" in c else None
        self._line_amount = (c["line_amount"], self.labels["line_amount"]) if "line_amount" in c else None
        self._logistics = c.get("logistics_info")
        self._goods_count = "goods_count" in c
        # Every column a row is read from: shorter rows are padded once instead of checking each index.
        self._width = max(c.values()) + 1 if c else 0

    @staticmethod
    def _texts(cells: list[str], specs: list[tuple[str, int, str, int, int]], out: dict[str, Any]) -> None:
        clean, empty, edge = parse.clean, parse.EMPTY, _EDGE
        for name, i, label, strict, soft in specs:
            v = cells[i]
            if v and (v[0] in edge or v[-1] in edge):
                v = clean(v)
            if v in empty:
                v = ""
            elif strict and len(v) > strict:
                raise CellError(f"{label}太长（{len(v)} 个字符，上限 {strict}）")
            elif soft and len(v) > soft:
                v = v[:soft]
            out[name] = v

    def read(self, number: int, cells: list[str]) -> _Row:
        if len(cells) < self._width:
            cells = cells + [""] * (self._width - len(cells))
        index, label, shape = self._order_no
        order_no = parse.order_number(cells[index], label, shape)
        order: dict[str, Any] = {}
        self._texts(cells, self._text, order)
        fen, utc_naive = parse.fen, parse.utc_naive
        for name, i, label in self._money:
            order[name] = fen(cells[i], label)
        for name, i, label in self._times:
            order[name] = utc_naive(cells[i], label)
        if self._logistics is not None:
            number_, courier = parse.split_logistics(cells[self._logistics])
            if not order.get("tracking_no"):
                order["tracking_no"] = _fit(number_, "tracking_no", "快递信息中的单号")
            if not order.get("courier"):
                order["courier"] = _fit(courier, "courier", "快递信息中的快递公司")
        if self._address:
            parts = [parse.clean(cells[i]) for i in self._address]
            order["receiver_address"] = " ".join(p for p in parts if p and p not in parse.EMPTY)
        if self._goods_count:
            count = self.text(cells, "goods_count")
            title = order.get("goods_summary", "")
            order["goods_summary"] = f"{title} ×{count}" if title and count else title
        item = None
        if self.items:
            texts: dict[str, Any] = {}
            self._texts(cells, self._item_text_specs, texts)
            name = texts.get("product_name", "")
            sku = texts.get("sku_code", "")
            goods_id = texts.get("goods_id", "")
            if name or sku or goods_id:
                spec = texts.get("spec", "")
                if self._quantity is not None:
                    i, label = self._quantity
                    qty = parse.quantity(cells[i], label)
                else:
                    qty = 1
                unit_price = (
                    fen(cells[self._unit_price[0]], self._unit_price[1]) if self._unit_price else None
                )
                amount = fen(cells[self._line_amount[0]], self._line_amount[1]) if self._line_amount else None
                if amount is None and unit_price is not None:
                    amount = unit_price * qty
                # Keys in ITEM_COLUMNS order (the writer relies on it).
                item = {
                    "sub_order_no": texts.get("sub_order_no", ""),
                    "product_key": product_key(sku, goods_id, texts.get("style_id", ""), name, spec),
                    "product_name": name,
                    "spec": spec,
                    "sku_code": sku,
                    "goods_code": texts.get("goods_code", ""),
                    "goods_id": goods_id,
                    "quantity": qty,
                    "unit_price": unit_price,
                    "amount": amount,
                }
        return _Row(number, order_no, order, item)


# -- the run --------------------------------------------------------------------------------------


@dataclass
class _Tally:
    rows: int = 0
    imported: int = 0
    updated: int = 0
    items: int = 0
    products_learned: int = 0
    skipped: list[RowProblem] = field(default_factory=list)
    failed: list[RowProblem] = field(default_factory=list)
    last_committed_row: int = 0
    case_ids: list[CaseId] = field(default_factory=list)
    changes: Changes = field(default_factory=Changes)
    notes: list[str] = field(default_factory=list)


class _Screen:
    """Rows that are not data: blank, a repeated header, a 合计 line, an exact repeat of an earlier row."""

    def __init__(self, headers: Sequence[str]) -> None:
        self.header = [norm_header(h) for h in headers]
        while self.header and not self.header[-1]:
            self.header.pop()
        self.first = headers[0].strip() if headers else ""
        self.seen: dict[int, int] = {}

    def check(self, number: int, cells: list[str], joined: str) -> str | None:
        """None: a data row. "": ignore silently. Otherwise the reason it is skipped."""
        first = cells[0].strip() if cells else ""
        if not first:
            first = next((c.strip() for c in cells if c.strip()), "")
            if not first:
                return ""
        if first[0] in "合总汇共" and first.startswith(("合计", "总计", "汇总", "共计")):
            return f"“{first[:12]}”是合计行，不是数据"
        if first == self.first:
            normalised = [norm_header(c) for c in cells]
            while normalised and not normalised[-1]:
                normalised.pop()
            if normalised == self.header[: len(normalised)] and len(normalised) * 2 >= len(self.header):
                return "这是重复的表头行"
        key = hash(joined)
        earlier = self.seen.get(key)
        if earlier is not None:
            return f"与第 {earlier} 行完全相同，按重复行跳过"
        self.seen[key] = number
        return None


class Importer:
    """Runs imports against the desk's database; the services call it from a worker thread."""

    def __init__(
        self, sessions: sessionmaker[Session], platforms: Any | None = None, cases: Any | None = None
    ) -> None:
        self._sessions = sessions
        self._platforms = platforms  # desk.platforms PlatformProfiles: status names → desk statuses
        # The services' CaseService (create / update / get), handed in: a feature does not reach up
        # into the services layer. Only after-sales exports need it.
        self._cases = cases

    # -- entry ------------------------------------------------------------------------------------

    def run(
        self,
        path: Path,
        *,
        profile_key: str | None = None,
        platform: Platform | None = None,
        shop_id: ShopId | None = None,
        store_pii: bool = False,
        kinds: Sequence[ExportKind] = (),
        progress: Progress | None = None,
        cancel: Cancel | None = None,
    ) -> ImportSummary:
        path = Path(path)
        if shop_id is not None:
            with self._sessions() as s:
                shop = s.get(m.Shop, shop_id)
                if shop is None:
                    raise ValidationFailed("所选店铺不存在")
                platform = platform or shop.platform
        opened = open_export(path, profile_key=profile_key, store_pii=store_pii, kinds=kinds)
        with opened.table:
            profile = opened.match.profile
            target = platform or profile.platform
            if profile is GENERIC_ORDERS and platform is None:
                target = Platform.OTHER
            tally = _Tally()
            cancelled = False
            try:
                if profile.kind == ExportKind.AFTER_SALES:
                    cancelled = self._after_sales(opened, target, shop_id, store_pii, tally, progress, cancel)
                elif profile.kind == ExportKind.PRODUCTS:
                    cancelled = self._products(opened, tally, progress, cancel)
                else:
                    cancelled = self._orders(opened, target, shop_id, store_pii, tally, progress, cancel)
            except FileUnreadable as exc:
                # The file broke off (not a row): keep what was committed and say where it stopped.
                raise FileUnreadable(
                    f"{exc.message.rstrip('。')}。此前已保存到第 {tally.last_committed_row} 行"
                    f"（新增 {tally.imported}，更新 {tally.updated}），之后的内容未导入。"
                ) from exc
            tally.notes.extend(opened.table.notes)
            if (
                profile.kind == ExportKind.ORDERS
                and not store_pii
                and any(FIELDS[f].pii for f in opened.match.columns)
            ):
                tally.notes.append("文件中的买家信息（收货人、手机、地址等）按设置未保存。")
            summary = ImportSummary(
                path=str(path),
                kind=profile.kind,
                platform=target,
                encoding=opened.encoding_label or opened.table.file_type,
                rows=tally.rows,
                imported=tally.imported,
                updated=tally.updated,
                skipped=tuple(tally.skipped),
                failed=tuple(tally.failed),
                items=tally.items,
                products_learned=tally.products_learned,
                cancelled=cancelled,
                stopped_at_row=tally.last_committed_row if cancelled else None,
                changes=tally.changes,
                case_ids=tuple(tally.case_ids),
                notes=tuple(tally.notes),
            )
        log.info("import of %s: %s", path.name, summary.summary())
        return summary

    @staticmethod
    def _report(opened: OpenExport, tally: _Tally, progress: Progress | None) -> None:
        if progress is None:
            return
        done, total = opened.table.position()  # bytes
        progress(done // 1024, max(total // 1024, 1), f"已读取 {tally.rows} 行")

    # -- orders -----------------------------------------------------------------------------------

    def _orders(
        self,
        opened: OpenExport,
        platform: Platform,
        shop_id: ShopId | None,
        store_pii: bool,
        tally: _Tally,
        progress: Progress | None,
        cancel: Cancel | None,
    ) -> bool:
        reader = _OrderRows(opened.match, store_pii=store_pii)
        writer = _OrderWriter(self._sessions, platform, shop_id, reader, Path(opened.table.path).name)
        batch: list[_Row] = []
        for number, cells in _data_rows(opened, tally):
            try:
                row = reader.read(number, cells)
            except CellError as exc:
                tally.failed.append(RowProblem(number, str(exc)))
                continue
            if len(batch) >= BATCH_ROWS and row.order_no != batch[-1].order_no:
                writer.write(batch, tally)
                batch = []
            batch.append(row)
            if tally.rows % PROGRESS_EVERY == 0:
                self._report(opened, tally, progress)
                if cancel is not None and cancel():
                    # The last order's next row may still be unread: keep only whole orders.
                    last = batch[-1].order_no if batch else ""
                    writer.write([r for r in batch if r.order_no != last], tally)
                    return True
        writer.write(batch, tally)
        self._report(opened, tally, progress)
        return False

    # -- after-sales ------------------------------------------------------------------------------

    def _after_sales(
        self,
        opened: OpenExport,
        platform: Platform,
        shop_id: ShopId | None,
        store_pii: bool,
        tally: _Tally,
        progress: Progress | None,
        cancel: Cancel | None,
    ) -> bool:
        cases = self._cases
        if cases is None:
            raise ValidationFailed("导入售后导出需要售后记录服务（请通过订单导入功能导入）")
        reader = _RowReader(opened.match, store_pii=store_pii)
        for number, cells in _data_rows(opened, tally):
            try:
                self._after_sales_row(cases, reader, number, cells, platform, shop_id, tally)
            except (CellError, DeskError) as exc:
                tally.failed.append(RowProblem(number, str(exc)))
            else:
                tally.last_committed_row = number
            if tally.rows % 50 == 0:
                self._report(opened, tally, progress)
                if cancel is not None and cancel():
                    return True
        self._report(opened, tally, progress)
        return False

    def _after_sales_row(
        self,
        cases: Any,
        reader: _RowReader,
        number: int,
        cells: list[str],
        platform: Platform,
        shop_id: ShopId | None,
        tally: _Tally,
    ) -> None:
        after_sales_no = reader.order_no(cells, "after_sales_no")
        order_no = reader.order_no(cells, "order_no") if reader.text(cells, "order_no") else ""
        platform_status = reader.text(cells, "after_sales_status")
        refund_type = reader.text(cells, "refund_type")
        reason = reader.text(cells, "refund_reason")
        values: dict[str, Any] = {"after_sales_no": after_sales_no}
        if order_no:
            values["order_no"] = order_no
        tracking = reader.text(cells, "tracking_no")
        if tracking:
            values["tracking_no"] = tracking
        for f in ("order_amount", "refund_amount"):
            amount = reader.money(cells, f)
            if amount is not None:
                if amount < 0:
                    raise CellError(f"{reader.labels[f]}“{amount}”是负数")
                values[f] = amount
        applied = reader.time(cells, "applied_at")
        if reader.has("buyer_nick"):
            buyer = reader.text(cells, "buyer_nick")
            if buyer:
                values["buyer_nick"] = buyer[:128]
        # The platform's type and reason have case fields (when the desk has them); the rest goes into
        # one line of the notes, replaced on every re-import.
        has_fields = "after_sales_type" in CASE_FIELD_LABELS and "after_sales_reason" in CASE_FIELD_LABELS
        line = _platform_line(
            (
                ("退款类型", "" if has_fields else refund_type),
                ("退款原因", "" if has_fields else reason),
                ("售后状态", platform_status),
                ("订单状态", reader.text(cells, "status")),
                ("申请时间", applied.astimezone(parse.CHINA).strftime("%Y-%m-%d %H:%M") if applied else ""),
                ("退货运单号", reader.text(cells, "return_tracking_no")),
                ("退货物流状态", reader.text(cells, "return_logistics_status")),
                ("sku信息", reader.text(cells, "sku_info")),
                ("备注", reader.text(cells, "remark")),
            )
        )
        # Fields the cases engineer may add (platform type/reason); until then the notes carry them.
        if "after_sales_type" in CASE_FIELD_LABELS and refund_type:
            values["after_sales_type"] = refund_type
        if "after_sales_reason" in CASE_FIELD_LABELS and reason:
            values["after_sales_reason"] = reason
        mapped = mapping.status_for(platform, platform_status, self._platforms) if platform_status else None
        existing = self._find_case(after_sales_no, order_no, platform)
        order = self._order_facts(order_no, platform) if order_no else {}
        if existing is None:
            draft_values = {k: v for k, v in values.items() if k in CaseDraft.__dataclass_fields__}
            for key in ("courier", "tracking_no", "shop_id"):
                if not draft_values.get(key) and order.get(key):
                    draft_values[key] = order[key]
            if shop_id is not None:
                draft_values["shop_id"] = shop_id
            draft = CaseDraft(
                platform=platform,
                case_type=mapping.case_type_for(platform, reason, refund_type, self._platforms),
                status=mapped or CaseStatus.OPEN,
                notes=line,
                **draft_values,
            )
            created, changes = cases.create(draft)
            extra = {k: v for k, v in values.items() if k not in CaseDraft.__dataclass_fields__}
            if extra:
                created, more = cases.update(created.id, **extra)
                changes = changes | more
            tally.imported += 1
            tally.case_ids.append(created.id)
            tally.changes = tally.changes | changes
            return
        current = cases.get(existing)
        changes_wanted: dict[str, Any] = {}
        for key, value in values.items():
            if getattr(current, key, None) != value:
                changes_wanted[key] = value
        previous = _platform_value(current.notes, "售后状态")
        previous_mapped = (
            mapping.status_for(platform, previous, self._platforms) if previous else CaseStatus.OPEN
        )
        if (
            mapped is not None
            and current.status not in mapping.WORKFLOW_STATUSES
            and current.status == previous_mapped
            and current.status != mapped
        ):
            changes_wanted["status"] = mapped
        notes = _with_platform_line(current.notes, line)
        if notes != current.notes:
            changes_wanted["notes"] = notes
        if shop_id is not None and current.shop_id != shop_id:
            changes_wanted["shop_id"] = shop_id
        if changes_wanted:
            _, changes = cases.update(current.id, **changes_wanted)
            tally.changes = tally.changes | changes
        tally.updated += 1
        tally.case_ids.append(current.id)

    def _find_case(self, after_sales_no: str, order_no: str, platform: Platform) -> CaseId | None:
        with self._sessions() as s:
            found = s.scalar(
                select(m.Case.id)
                .where(m.Case.after_sales_no == after_sales_no, m.Case.platform == platform)
                .order_by(m.Case.id)
                .limit(1)
            )
            if found is None and order_no:
                # A case the operator opened by order number before the export came in.
                found = s.scalar(
                    select(m.Case.id)
                    .where(
                        m.Case.order_no == order_no, m.Case.after_sales_no == "", m.Case.platform == platform
                    )
                    .order_by(m.Case.id)
                    .limit(1)
                )
            return CaseId(found) if found is not None else None

    def _order_facts(self, order_no: str, platform: Platform) -> dict[str, Any]:
        with self._sessions() as s:
            o = s.scalars(
                select(mo.Order).where(mo.Order.order_no == order_no, mo.Order.platform == platform).limit(1)
            ).first()
            if o is None:
                return {}
            return {"courier": o.courier, "tracking_no": o.tracking_no, "shop_id": o.shop_id}

    # -- products ---------------------------------------------------------------------------------

    def _products(
        self, opened: OpenExport, tally: _Tally, progress: Progress | None, cancel: Cancel | None
    ) -> bool:
        reader = _RowReader(opened.match, store_pii=False)
        batch: list[tuple[int, dict[str, Any]]] = []
        for number, cells in _data_rows(opened, tally):
            try:
                batch.append((number, _product_row(reader, cells)))
            except CellError as exc:
                tally.failed.append(RowProblem(number, str(exc)))
                continue
            if len(batch) >= BATCH_ROWS:
                _write_products(self._sessions, batch, tally)
                batch = []
                self._report(opened, tally, progress)
                if cancel is not None and cancel():
                    return True
        _write_products(self._sessions, batch, tally)
        self._report(opened, tally, progress)
        return False


# -- after-sales notes line -----------------------------------------------------------------------


def _platform_line(pairs: Sequence[tuple[str, str]]) -> str:
    body = "；".join(f"{k}：{v}" for k, v in pairs if v)
    return f"{PLATFORM_LINE}{body}" if body else ""


def _platform_value(notes: str, key: str) -> str:
    for line in notes.splitlines():
        if line.startswith(PLATFORM_LINE):
            found = re.search(rf"{re.escape(key)}：([^；]*)", line)
            return found.group(1) if found else ""
    return ""


def _with_platform_line(notes: str, line: str) -> str:
    """Replace the platform line of a case's notes (the operator's own lines stay as they are)."""
    lines = notes.splitlines()
    kept = [ln for ln in lines if not ln.startswith(PLATFORM_LINE)]
    if not line:
        return "\n".join(kept)
    for i, ln in enumerate(lines):
        if ln.startswith(PLATFORM_LINE):
            return "\n".join(
                [*lines[:i], line, *(x for x in lines[i + 1 :] if not x.startswith(PLATFORM_LINE))]
            )
    return "\n".join([*kept, line]) if kept else line


# -- products rows --------------------------------------------------------------------------------


def _product_row(reader: _RowReader, cells: list[str]) -> dict[str, Any]:
    sku = reader.text(cells, "sku_code")
    if not sku:
        raise CellError("商家编码为空")
    out: dict[str, Any] = {"key": sku[:255], "sku_code": sku}
    for f in ("product_name", "spec", "goods_code", "goods_id"):
        if reader.has(f):
            value = reader.text(cells, f)
            if value:
                out["name" if f == "product_name" else f] = value
    for f, unit in (
        ("unit_weight_g", "g"),
        ("unit_weight_kg", "kg"),
        ("packaging_g", "g"),
        ("packaging_kg", "kg"),
    ):
        if reader.has(f):
            i = reader.columns[f]
            grams = parse.weight_grams(
                cells[i] if i < len(cells) else "", reader.labels[f], default_unit=unit
            )
            if grams is not None:
                out["unit_weight_g" if f.startswith("unit") else "packaging_g"] = grams
    return out


def _write_products(
    sessions: sessionmaker[Session], batch: list[tuple[int, dict[str, Any]]], tally: _Tally
) -> None:
    if not batch:
        return
    table = PRODUCTS_TABLE
    now = utcnow()
    with sessions.begin() as s:
        conn = s.connection()
        keys = [row["key"] for _, row in batch]
        existing = {
            k: i for i, k in conn.execute(select(table.c.id, table.c.key).where(table.c.key.in_(keys)))
        }
        seen: set[str] = set()
        for number, row in batch:
            key = row["key"]
            if key in existing:
                values = {k: v for k, v in row.items() if k != "key"}
                values["updated_at"] = now
                if any(k in values for k in ("unit_weight_g", "packaging_g")):
                    values["source"] = "import"
                conn.execute(update(table).where(table.c.id == existing[key]).values(**values))
                if key not in seen:
                    tally.updated += 1
            else:
                result = conn.execute(
                    insert(table).values(
                        key=key,
                        sku_code=row.get("sku_code", ""),
                        goods_code=row.get("goods_code", ""),
                        goods_id=row.get("goods_id", ""),
                        name=row.get("name", ""),
                        spec=row.get("spec", ""),
                        unit_weight_g=row.get("unit_weight_g"),
                        packaging_g=row.get("packaging_g"),
                        source="import",
                        created_at=now,
                        updated_at=now,
                    )
                )
                pk = result.inserted_primary_key
                assert pk is not None
                existing[key] = int(pk[0])
                tally.imported += 1
            seen.add(key)
            tally.last_committed_row = number


# -- writing order batches ------------------------------------------------------------------------


@dataclass(slots=True)
class _OrderAcc:
    order_no: str
    first_row: int
    fields: dict[str, Any]
    items: list[dict[str, Any]]


class _Raw:
    """A Core statement compiled once for the connection's dialect, run with executemany on tuples
    already in storage form (integer fen, naive UTC times). SQLAlchemy's per-row type processing
    costs more than the rest of a 100,000-row import; the values here are what it would produce."""

    def __init__(self, conn: Connection, stmt: Any, names: Sequence[str]) -> None:
        compiled = stmt.compile(dialect=conn.dialect)
        self.sql = str(compiled)
        self.names = list(names)  # bind names, in the order the caller's tuples hold the values
        self.sqlite = conn.dialect.name == "sqlite"
        self.reorder: Callable[[Sequence[Any]], Any] | None = None
        if compiled.positional:
            wanted = list(compiled.positiontup or [])
            if wanted != self.names:
                getter = itemgetter(*(self.names.index(n) for n in wanted))
                self.reorder = lambda row: getter(row)
            self.positional = True
        else:
            self.positional = False

    def time(self, value: datetime | None) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:  # the importer's own times: naive UTC already
            return value.isoformat(" ", "microseconds") if self.sqlite else value
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat(" ", "microseconds") if self.sqlite else value

    def run(self, conn: Connection, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        if not self.positional:
            names = self.names
            conn.exec_driver_sql(self.sql, [dict(zip(names, r, strict=True)) for r in rows])
        elif self.reorder is not None:
            conn.exec_driver_sql(self.sql, [self.reorder(r) for r in rows])
        else:
            conn.exec_driver_sql(self.sql, rows)


def _statement(conn: Connection, stmt: Any, table: Table, columns: Sequence[str]) -> _Raw:
    return _Raw(
        conn, stmt.values({table.c[c]: bindparam(f"v_{c}") for c in columns}), [f"v_{c}" for c in columns]
    )


ORDER_COLUMNS = (
    "platform",
    "order_no",
    "shop_id",
    "imported_at",
    "updated_at",
    "source_file",
    *ORDER_TEXT_FIELDS,
    *ORDER_MONEY_FIELDS,
    *ORDER_TIME_FIELDS,
)
ITEM_COLUMNS = (
    "order_id",
    "line_no",
    "sub_order_no",
    "product_key",
    "product_name",
    "spec",
    "sku_code",
    "goods_code",
    "goods_id",
    "quantity",
    "unit_price",
    "amount",
)


class _OrderWriter:
    """Writes batches of order rows: one transaction per batch, bulk statements (the ORM is too slow)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        platform: Platform,
        shop_id: ShopId | None,
        reader: _OrderRows,
        source: str,
    ) -> None:
        self._sessions = sessions
        self._platform = platform
        self._shop_id = shop_id
        self._fields = list(reader.order_fields)
        self._derive_total = reader.has("line_amount") and not reader.has("goods_total")
        self._source = source
        self._lines: dict[str, int] = {}  # order no. → item lines written in this run (presence = seen)
        self._known_products: set[str] = set()
        if self._derive_total:
            self._fields.append("goods_total")
        self._update_columns = [*self._fields, "updated_at", "source_file"] + (
            ["shop_id"] if shop_id is not None else []
        )
        self._statements: dict[str, _Raw] | None = None

    def _compile(self, conn: Connection) -> dict[str, _Raw]:
        if self._statements is None:
            t, it = ORDERS, ORDER_ITEMS
            columns = self._update_columns
            change = update(t).where(t.c.id == bindparam("v_id"))
            change = change.values({t.c[c]: bindparam(f"v_{c}") for c in columns})
            self._statements = {
                "insert": _statement(conn, insert(t), t, ORDER_COLUMNS),
                # The update's tuples end with the order's id (its WHERE).
                "update": _Raw(conn, change, [*(f"v_{c}" for c in columns), "v_id"]),
                "items": _statement(conn, insert(it), it, ITEM_COLUMNS),
            }
        return self._statements

    def write(self, batch: list[_Row], tally: _Tally) -> None:
        if not batch:
            return
        for attempt in (1, 2):
            try:
                self._write(batch, tally)
                tally.last_committed_row = batch[-1].number
                return
            except IntegrityError:
                # Another desk on a shared database inserted the same order a moment ago: re-read, retry.
                if attempt == 2:
                    raise
                log.info("order batch collided with another writer; retrying", exc_info=True)
            except DeskError as exc:
                raise DeskError(
                    f"{exc.message}（导入在第 {batch[0].number} 行处停止：此前到第 {tally.last_committed_row} 行的内容"
                    "已保存，之后的未导入；修复后重新导入同一个文件即可补全，不会重复）"
                ) from exc

    def _write(self, batch: list[_Row], tally: _Tally) -> None:
        orders: dict[str, _OrderAcc] = {}
        for row in batch:
            acc = orders.get(row.order_no)
            if acc is None:
                acc = orders[row.order_no] = _OrderAcc(row.order_no, row.number, row.order, [])
            else:
                for k, v in row.order.items():
                    if v not in (None, "") and acc.fields.get(k) in (None, ""):
                        acc.fields[k] = v
            if row.item is not None:
                acc.items.append(row.item)
        if self._derive_total:
            # 拼多多 gives 商品总价 per item row: the order's goods total is their sum.
            for no, acc in orders.items():
                if no not in self._lines and acc.items:
                    amounts = [i["amount"] for i in acc.items if i["amount"] is not None]
                    acc.fields["goods_total"] = sum(amounts) if amounts else None
        t, it = ORDERS, ORDER_ITEMS
        counts = {"imported": 0, "updated": 0, "items": 0, "learned": 0}
        keys: list[str] = []
        with self._sessions.begin() as s:
            conn = s.connection()
            raw = self._compile(conn)
            now = raw["insert"].time(utcnow())
            nos = list(orders)
            ids = self._ids(conn, nos)
            new = [no for no in nos if no not in ids]
            if new:
                before = conn.scalar(select(func.max(t.c.id))) or 0
                raw["insert"].run(conn, [self._new_row(raw["insert"], orders[no], now) for no in new])
                wanted = set(new)
                # Rows above the old maximum are ours (SQLite holds the write lock; on a shared server
                # another desk's rows may be among them, hence the filter).
                for no, order_id in conn.execute(
                    select(t.c.order_no, t.c.id).where(t.c.id > before, t.c.platform == self._platform)
                ):
                    if no in wanted:
                        ids[no] = order_id
                missing = [no for no in new if no not in ids]
                if missing:
                    ids.update(self._ids(conn, missing))
            fresh = set(new)
            old = [no for no in nos if no not in fresh]
            if old:
                raw["update"].run(
                    conn, [self._update_row(raw["update"], ids[no], orders[no], now) for no in old]
                )
            lines = dict(self._lines)
            fresh_with_items = [ids[no] for no in old if no not in lines and orders[no].items]
            for start in range(0, len(fresh_with_items), 900):
                conn.execute(delete(it).where(it.c.order_id.in_(fresh_with_items[start : start + 900])))
            item_rows: list[tuple[Any, ...]] = []
            items: list[dict[str, Any]] = []
            for no in nos:
                acc = orders[no]
                if no not in lines:
                    counts["imported" if no in fresh else "updated"] += 1
                line = lines.get(no, 0)
                order_id = ids[no]
                for item in acc.items:
                    line += 1
                    # The reader builds item dicts in ITEM_COLUMNS order (after order_id, line_no).
                    item_rows.append((order_id, line, *item.values()))
                    items.append(item)
                lines[no] = line
            if item_rows:
                raw["items"].run(conn, item_rows)
                split = [ids[no] for no in nos if no in self._lines and orders[no].items]
                if self._derive_total and split:
                    # An order whose rows are far apart in the file: sum what is stored by now.
                    total = select(func.sum(it.c.amount)).where(it.c.order_id == t.c.id).scalar_subquery()
                    conn.execute(update(t).where(t.c.id.in_(split)).values(goods_total=total))
                counts["items"] = len(item_rows)
                counts["learned"], keys = self._learn(conn, items, utcnow())
        # Only after the commit: a failed batch leaves the run's memory as it was.
        self._lines = lines
        self._known_products.update(keys)
        tally.imported += counts["imported"]
        tally.updated += counts["updated"]
        tally.items += counts["items"]
        tally.products_learned += counts["learned"]

    def _ids(self, conn: Connection, nos: list[str]) -> dict[str, int]:
        """Ids of the orders with these numbers on this platform (plain SQL: SQLAlchemy's expanding IN
        costs more than the query)."""
        out: dict[str, int] = {}
        style = conn.dialect.paramstyle
        mark = "?" if style == "qmark" else ("%s" if style in ("format", "pyformat") else "")
        for start in range(0, len(nos), 2000):
            chunk = nos[start : start + 2000]
            if mark:
                sql = (
                    f"SELECT order_no, id FROM orders WHERE platform = {mark} "
                    f"AND order_no IN ({', '.join([mark] * len(chunk))})"
                )
                rows = conn.exec_driver_sql(sql, (self._platform.value, *chunk))
            else:
                t = ORDERS
                rows = conn.execute(
                    select(t.c.order_no, t.c.id).where(
                        t.c.platform == self._platform, t.c.order_no.in_(chunk)
                    )
                )
            out.update({no: i for no, i in rows})
        return out

    def _new_row(self, raw: _Raw, acc: _OrderAcc, now: Any) -> list[Any]:
        """Values in ORDER_COLUMNS order."""
        get = acc.fields.get
        time = raw.time
        row: list[Any] = [self._platform.value, acc.order_no, self._shop_id, now, now, self._source]
        row += [get(name) or "" for name in ORDER_TEXT_FIELDS]
        row += [get(name) for name in ORDER_MONEY_FIELDS]
        if raw.sqlite:  # naive UTC from the reader, in the text form SQLAlchemy stores on SQLite
            row += [
                None if (v := get(name)) is None else v.isoformat(" ", "microseconds")
                for name in ORDER_TIME_FIELDS
            ]
        else:
            row += [time(get(name)) for name in ORDER_TIME_FIELDS]
        return row

    def _update_row(self, raw: _Raw, order_id: int, acc: _OrderAcc, now: Any) -> tuple[Any, ...]:
        """Values in the update's column order, then the id."""
        get = acc.fields.get
        values: list[Any] = []
        for name in self._update_columns:
            if name == "updated_at":
                values.append(now)
            elif name == "source_file":
                values.append(self._source)
            elif name == "shop_id":
                values.append(self._shop_id)
            elif name in ORDER_TIME_FIELDS:
                values.append(raw.time(get(name)))
            elif name in ORDER_TEXT_FIELDS:
                values.append(get(name) or "")
            else:
                values.append(get(name))
        values.append(order_id)
        return tuple(values)

    def _learn(self, conn: Connection, items: list[dict[str, Any]], now: datetime) -> tuple[int, list[str]]:
        """Put the SKUs of these items into the catalog (without weights) if they are not there yet."""
        p = PRODUCTS_TABLE
        wanted: dict[str, dict[str, Any]] = {}
        for item in items:
            key = item["product_key"]
            if key and key not in self._known_products and key not in wanted:
                wanted[key] = item
        if not wanted:
            return 0, []
        keys = list(wanted)
        present: set[str] = set()
        for start in range(0, len(keys), 900):
            present.update(conn.scalars(select(p.c.key).where(p.c.key.in_(keys[start : start + 900]))))
        missing = [k for k in keys if k not in present]
        if missing:
            conn.execute(
                insert(p),
                [
                    {
                        "key": k,
                        "sku_code": wanted[k]["sku_code"],
                        "goods_code": wanted[k]["goods_code"],
                        "goods_id": wanted[k]["goods_id"],
                        "name": wanted[k]["product_name"],
                        "spec": wanted[k]["spec"],
                        "unit_weight_g": None,
                        "packaging_g": None,
                        "source": "learned",
                        "created_at": now,
                        "updated_at": now,
                    }
                    for k in missing
                ],
            )
        return len(missing), keys
