"""Writing an import's rows: orders and their items upserted in batches, one transaction per batch, with
bulk statements (the ORM is too slow for 100,000 rows); the product catalog from a products export."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from desk.db import models_orders as mo
from desk.db.types import utcnow
from desk.domain import Platform, ShopId
from desk.errors import DeskError
from desk.orders.import_rows import (
    ORDER_MONEY_FIELDS,
    ORDER_TEXT_FIELDS,
    ORDER_TIME_FIELDS,
    OrderRows,
    Row,
    Tally,
)

log = logging.getLogger(__name__)

ORDERS = cast(Table, mo.Order.__table__)
ORDER_ITEMS = cast(Table, mo.OrderItem.__table__)
PRODUCTS_TABLE = cast(Table, mo.Product.__table__)


def write_products(
    sessions: sessionmaker[Session], batch: list[tuple[int, dict[str, Any]]], tally: Tally
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


class OrderWriter:
    """Writes batches of order rows: one transaction per batch, bulk statements (the ORM is too slow)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        platform: Platform,
        shop_id: ShopId | None,
        reader: OrderRows,
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

    def write(self, batch: list[Row], tally: Tally) -> None:
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

    def _write(self, batch: list[Row], tally: Tally) -> None:
        orders: dict[str, _OrderAcc] = {}
        for row in batch:
            acc = orders.get(row.order_no)
            if acc is None:
                acc = orders[row.order_no] = _OrderAcc(row.order_no, row.order, [])
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
