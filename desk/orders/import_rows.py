"""Turning the rows of an opened export into values: rows that are not data screened out (blank, repeated
header, 合计, exact repeats, broken lines), cells parsed and checked, and each problem kept with its row
number in the run's tally. A broken row never stops the file."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from desk.domain import CaseId, Changes
from desk.orders import parse
from desk.orders.headers import FIELDS, HeaderMatch, norm_header
from desk.orders.import_open import OpenExport
from desk.orders.model import RowProblem
from desk.orders.parse import CellError
from desk.orders.readers import BrokenRow

MAX_CELL = 10_000  # longer: an unclosed quote swallowed the rows below it
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


# -- one row --------------------------------------------------------------------------------------


@dataclass(slots=True)
class Row:
    number: int
    order_no: str
    order: dict[str, Any]
    item: dict[str, Any] | None


def fit(value: str, name: str, label: str) -> str:
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


class RowReader:
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
        return "" if v in parse.EMPTY else fit(v, name, self.labels[name])

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


def data_rows(opened: OpenExport, tally: Tally) -> Iterator[tuple[int, list[str]]]:
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


class OrderRows(RowReader):
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

    def read(self, number: int, cells: list[str]) -> Row:
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
                order["tracking_no"] = fit(number_, "tracking_no", "快递信息中的单号")
            if not order.get("courier"):
                order["courier"] = fit(courier, "courier", "快递信息中的快递公司")
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
        return Row(number, order_no, order, item)


# -- the tally, and rows that are not data --------------------------------------------------------


@dataclass
class Tally:
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


# -- product rows ---------------------------------------------------------------------------------


def product_row(reader: RowReader, cells: list[str]) -> dict[str, Any]:
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
