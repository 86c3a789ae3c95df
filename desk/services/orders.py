"""Orders: import platform exports, list and search them, fill a case from its order."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from desk.db import models as m
from desk.db import models_orders as mo
from desk.domain import CaseData, CaseId, Changes, Platform, ShopId
from desk.errors import NotFound
from desk.orders import prefs
from desk.orders.importer import Importer, inspect_file
from desk.orders.model import ExportKind, FilePreview, ImportSummary, OrderData, OrderItemData, OrderRow
from desk.progress import Cancel, Progress
from desk.services.cases import CaseService, clean_text, like_pattern


def _item(i: mo.OrderItem) -> OrderItemData:
    return OrderItemData(
        line_no=i.line_no,
        product_key=i.product_key,
        product_name=i.product_name,
        spec=i.spec,
        sku_code=i.sku_code,
        goods_code=i.goods_code,
        goods_id=i.goods_id,
        quantity=i.quantity,
        unit_price=i.unit_price,
        amount=i.amount,
        sub_order_no=i.sub_order_no,
    )


def order_data(o: mo.Order, shop_name: str, items: Sequence[mo.OrderItem]) -> OrderData:
    return OrderData(
        id=o.id,
        platform=o.platform,
        order_no=o.order_no,
        shop_id=ShopId(o.shop_id) if o.shop_id is not None else None,
        shop_name=shop_name,
        status=o.status,
        after_sales_status=o.after_sales_status,
        goods_summary=o.goods_summary,
        goods_total=o.goods_total,
        shipping_fee=o.shipping_fee,
        shop_discount=o.shop_discount,
        platform_discount=o.platform_discount,
        paid_amount=o.paid_amount,
        received_amount=o.received_amount,
        ordered_at=o.ordered_at,
        paid_at=o.paid_at,
        shipped_at=o.shipped_at,
        signed_at=o.signed_at,
        tracking_no=o.tracking_no,
        courier=o.courier,
        merchant_note=o.merchant_note,
        buyer_message=o.buyer_message,
        buyer_nick=o.buyer_nick,
        receiver_name=o.receiver_name,
        receiver_phone=o.receiver_phone,
        receiver_address=o.receiver_address,
        source_file=o.source_file,
        imported_at=o.imported_at,
        updated_at=o.updated_at,
        items=tuple(_item(i) for i in items),
    )


class OrderService:
    """One unit of work per call; returns data objects. Imports run on the caller's (worker) thread."""

    def __init__(self, sessions: sessionmaker[Session], platforms: Any | None = None) -> None:
        self._sessions = sessions
        self._platforms = platforms  # PlatformProfiles: how 售后状态 maps to the desk's statuses

    # -- settings ---------------------------------------------------------------------------------

    def store_buyer_info(self) -> bool:
        """Whether imports keep the buyer's name, phone and address (off unless the operator opts in)."""
        with self._sessions() as s:
            return prefs.store_buyer_info(s)

    def set_store_buyer_info(self, enabled: bool) -> None:
        with self._sessions.begin() as s:
            prefs.put(s, prefs.STORE_BUYER_INFO, "1" if enabled else "0")

    def forget_buyer_info(self) -> int:
        """Erase every stored buyer name, phone and address; returns how many orders held some."""
        t = mo.Order
        with self._sessions.begin() as s:
            result = s.execute(
                update(t)
                .where(
                    or_(
                        t.buyer_nick != "",
                        t.receiver_name != "",
                        t.receiver_phone != "",
                        t.receiver_address != "",
                    )
                )
                .values(buyer_nick="", receiver_name="", receiver_phone="", receiver_address="")
                .execution_options(synchronize_session=False)
            )
            return int(getattr(result, "rowcount", 0) or 0)

    # -- import -----------------------------------------------------------------------------------

    def inspect(
        self, path: Path, *, profile_key: str | None = None, store_pii: bool | None = None
    ) -> FilePreview:
        """Encoding, export kind, header mapping and the first rows, for the import dialog."""
        if store_pii is None:
            store_pii = self.store_buyer_info()
        return inspect_file(Path(path), profile_key=profile_key, store_pii=store_pii)

    def import_file(
        self,
        path: Path,
        *,
        profile_key: str | None = None,
        platform: Platform | None = None,
        shop_id: ShopId | None = None,
        store_pii: bool | None = None,
        kinds: Sequence[ExportKind] = (ExportKind.ORDERS, ExportKind.ORDER_ITEMS, ExportKind.AFTER_SALES),
        progress: Progress | None = None,
        cancel: Cancel | None = None,
    ) -> ImportSummary:
        """Import an order or after-sales export; the report lists every skipped and failed row."""
        if store_pii is None:
            store_pii = self.store_buyer_info()
        return Importer(self._sessions, self._platforms, CaseService(self._sessions)).run(
            Path(path),
            profile_key=profile_key,
            platform=platform,
            shop_id=shop_id,
            store_pii=store_pii,
            kinds=kinds,
            progress=progress,
            cancel=cancel,
        )

    # -- reads ------------------------------------------------------------------------------------

    def count(self) -> int:
        with self._sessions() as s:
            return int(s.scalar(select(func.count()).select_from(mo.Order)) or 0)

    def list_ids(self, search: str = "") -> list[int]:
        """Ids newest first; the search (literal) matches order no., tracking no., goods and SKU codes."""
        t = mo.Order
        query = select(t.id).order_by(t.ordered_at.desc().nulls_last(), t.id.desc())
        text = clean_text(search).strip()
        if text:
            pattern = like_pattern(text)
            items = (
                select(mo.OrderItem.order_id)
                .where(
                    or_(
                        mo.OrderItem.product_name.like(pattern, escape="\\"),
                        mo.OrderItem.sku_code.like(pattern, escape="\\"),
                    )
                )
                .scalar_subquery()
            )
            query = query.where(
                or_(
                    t.order_no.like(pattern, escape="\\"),
                    t.tracking_no.like(pattern, escape="\\"),
                    t.goods_summary.like(pattern, escape="\\"),
                    t.id.in_(items),
                )
            )
        with self._sessions() as s:
            return list(s.scalars(query))

    def rows(self, ids: Sequence[int]) -> dict[int, OrderRow]:
        if not ids:
            return {}
        with self._sessions() as s:
            orders = s.execute(
                select(mo.Order, m.Shop.name)
                .outerjoin(m.Shop, m.Shop.id == mo.Order.shop_id)
                .where(mo.Order.id.in_(list(ids)))
            ).all()
            goods: dict[int, list[str]] = {}
            for order_id, name, spec, qty in s.execute(
                select(
                    mo.OrderItem.order_id, mo.OrderItem.product_name, mo.OrderItem.spec, mo.OrderItem.quantity
                )
                .where(mo.OrderItem.order_id.in_(list(ids)))
                .order_by(mo.OrderItem.order_id, mo.OrderItem.line_no)
            ):
                label = f"{name}（{spec}）" if spec else name
                goods.setdefault(order_id, []).append(f"{label} ×{qty}")
            out: dict[int, OrderRow] = {}
            for o, shop_name in orders:
                out[o.id] = OrderRow(
                    id=o.id,
                    platform=o.platform,
                    order_no=o.order_no,
                    shop_name=shop_name or "",
                    status=o.status,
                    after_sales_status=o.after_sales_status,
                    goods="；".join(goods.get(o.id, [])) or o.goods_summary,
                    paid_amount=o.paid_amount,
                    tracking_no=o.tracking_no,
                    courier=o.courier,
                    ordered_at=o.ordered_at,
                    shipped_at=o.shipped_at,
                )
            return out

    def get(self, order_id: int) -> OrderData:
        with self._sessions() as s:
            o = s.get(mo.Order, order_id)
            if o is None:
                raise NotFound(f"订单 #{order_id} 不存在（可能已被删除）")
            return self._data(s, o)

    def find(self, order_no: str, platform: Platform | None = None) -> OrderData | None:
        """The imported order with this number (on this platform first), or None."""
        order_no = clean_text(order_no).strip()
        if not order_no:
            return None
        with self._sessions() as s:
            found = list(
                s.scalars(select(mo.Order).where(mo.Order.order_no == order_no).order_by(mo.Order.id))
            )
            if not found:
                return None
            chosen = next((o for o in found if o.platform == platform), found[0])
            return self._data(s, chosen)

    @staticmethod
    def _data(s: Session, o: mo.Order) -> OrderData:
        shop = s.get(m.Shop, o.shop_id) if o.shop_id is not None else None
        items = list(
            s.scalars(
                select(mo.OrderItem).where(mo.OrderItem.order_id == o.id).order_by(mo.OrderItem.line_no)
            )
        )
        return order_data(o, shop.name if shop is not None else "", items)

    # -- case ↔ order ----------------------------------------------------------------------------

    def case_values(self, order: OrderData) -> dict[str, Any]:
        """What an order puts into a case: platform, shop, tracking no., courier, amount."""
        values: dict[str, Any] = {"platform": order.platform}
        if order.shop_id is not None:
            values["shop_id"] = order.shop_id
        if order.tracking_no:
            values["tracking_no"] = order.tracking_no
        if order.courier:
            values["courier"] = order.courier
        if order.order_amount is not None:
            values["order_amount"] = order.order_amount
        return values

    def fill_case(
        self, case_id: CaseId, *, overwrite: bool = False
    ) -> tuple[CaseData, Changes, OrderData | None]:
        """Fill a case from the imported order with its order number (through CaseService: timeline).

        Empty fields are filled; with overwrite, differing ones are replaced too. Returns the order
        used (None when no order with that number was imported; the case is then left as it is).
        """
        cases = CaseService(self._sessions)
        case = cases.get(case_id)
        order = self.find(case.order_no, case.platform)
        if order is None:
            return case, Changes(), None
        wanted: dict[str, Any] = {}
        for key, value in self.case_values(order).items():
            current = getattr(case, key)
            if current == value:
                continue
            if overwrite or current in (None, "") or key == "platform":
                wanted[key] = value
        if not wanted:
            return case, Changes(), order
        updated, changes = cases.update(case_id, **wanted)
        return updated, changes, order
