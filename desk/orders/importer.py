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

The parts: import_open (the file, its export and header mapping), import_rows (rows into values, problems
by row number), import_writer (orders and products into the database) and import_after_sales (cases from
after-sales rows). The Importer runs them: rows in, batches out, progress and cancel.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from desk.db import models as m
from desk.domain import Platform, ShopId
from desk.errors import DeskError, ValidationFailed
from desk.orders.headers import FIELDS, GENERIC_ORDERS
from desk.orders.import_after_sales import AfterSalesWriter
from desk.orders.import_open import OpenExport, inspect_file, open_export
from desk.orders.import_rows import (
    ADDRESS_PARTS,
    LONG_CELL,
    MAX_CELL,
    ORDER_MONEY_FIELDS,
    ORDER_TEXT_FIELDS,
    ORDER_TIME_FIELDS,
    SOFT_LIMITS,
    STRICT_LIMITS,
    OrderRows,
    Row,
    RowReader,
    Tally,
    data_rows,
    product_key,
    product_row,
)
from desk.orders.import_writer import (
    ITEM_COLUMNS,
    ORDER_COLUMNS,
    ORDER_ITEMS,
    ORDERS,
    PRODUCTS_TABLE,
    OrderWriter,
    write_products,
)
from desk.orders.model import ExportKind, ImportSummary, RowProblem
from desk.orders.parse import CellError
from desk.orders.readers import FileUnreadable
from desk.progress import Cancel, Progress

# The names callers have always imported from here stay importable from here.
__all__ = [
    "ADDRESS_PARTS",
    "BATCH_ROWS",
    "ITEM_COLUMNS",
    "LONG_CELL",
    "MAX_CELL",
    "ORDERS",
    "ORDER_COLUMNS",
    "ORDER_ITEMS",
    "ORDER_MONEY_FIELDS",
    "ORDER_TEXT_FIELDS",
    "ORDER_TIME_FIELDS",
    "PRODUCTS_TABLE",
    "PROGRESS_EVERY",
    "SOFT_LIMITS",
    "STRICT_LIMITS",
    "Importer",
    "OpenExport",
    "inspect_file",
    "open_export",
    "product_key",
]

log = logging.getLogger(__name__)


BATCH_ROWS = 5000
PROGRESS_EVERY = 500


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
            tally = Tally()
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
    def _report(opened: OpenExport, tally: Tally, progress: Progress | None) -> None:
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
        tally: Tally,
        progress: Progress | None,
        cancel: Cancel | None,
    ) -> bool:
        reader = OrderRows(opened.match, store_pii=store_pii)
        writer = OrderWriter(self._sessions, platform, shop_id, reader, Path(opened.table.path).name)
        batch: list[Row] = []
        for number, cells in data_rows(opened, tally):
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
        tally: Tally,
        progress: Progress | None,
        cancel: Cancel | None,
    ) -> bool:
        cases = self._cases
        if cases is None:
            raise ValidationFailed("导入售后导出需要售后记录服务（请通过订单导入功能导入）")
        reader = RowReader(opened.match, store_pii=store_pii)
        writer = AfterSalesWriter(self._sessions, cases, self._platforms, platform, shop_id)
        for number, cells in data_rows(opened, tally):
            try:
                writer.write(reader, cells, tally)
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

    # -- products ---------------------------------------------------------------------------------

    def _products(
        self, opened: OpenExport, tally: Tally, progress: Progress | None, cancel: Cancel | None
    ) -> bool:
        reader = RowReader(opened.match, store_pii=False)
        batch: list[tuple[int, dict[str, Any]]] = []
        for number, cells in data_rows(opened, tally):
            try:
                batch.append((number, product_row(reader, cells)))
            except CellError as exc:
                tally.failed.append(RowProblem(number, str(exc)))
                continue
            if len(batch) >= BATCH_ROWS:
                write_products(self._sessions, batch, tally)
                batch = []
                self._report(opened, tally, progress)
                if cancel is not None and cancel():
                    return True
        write_products(self._sessions, batch, tally)
        self._report(opened, tally, progress)
        return False
