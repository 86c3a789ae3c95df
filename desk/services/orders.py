"""Orders: import platform exports, list and search them, fill a case from its order."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from desk.db import models as m
from desk.db import models_orders as mo
from desk.db.types import utcnow
from desk.domain import CaseData, CaseId, Changes, Platform, ShopId
from desk.errors import DeskError, NotFound, ValidationFailed
from desk.orders import prefs
from desk.orders.import_rows import product_key
from desk.orders.importer import Importer, inspect_file
from desk.orders.model import ExportKind, FilePreview, ImportSummary, OrderData, OrderItemData, OrderRow
from desk.progress import Cancel, Progress
from desk.services.cases import CaseService, clean_text, like_pattern

# Where an order typed by hand came from, in place of an export's file name.
MANUAL_SOURCE = "手工录入"
MAX_QUANTITY = 9999
MAX_ITEM_GRAMS = 1_000_000

log = logging.getLogger(__name__)


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
        # BuyerService (set by the desk): keys of the receiver's phone and address for the cases of imported
        # orders, so the buyer's other cases find them.
        self.buyers: Any | None = None

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
        started = utcnow()
        summary = Importer(self._sessions, self._platforms, CaseService(self._sessions)).run(
            Path(path),
            profile_key=profile_key,
            platform=platform,
            shop_id=shop_id,
            store_pii=store_pii,
            kinds=kinds,
            progress=progress,
            cancel=cancel,
        )
        return self._remember_buyers(summary, started)

    def _remember_buyers(self, summary: ImportSummary, since: datetime) -> ImportSummary:
        """Buyer keys (keyed hashes, never the values) of the cases whose order this import wrote or that it
        registered. Only orders that keep the receiver's phone or address (保存买家信息 on) give any."""
        if self.buyers is None:
            return summary
        o, c = mo.Order, m.Case
        with self._sessions() as s:
            ids = set(summary.case_ids)
            ids.update(
                s.scalars(
                    select(c.id)
                    .join(o, (o.order_no == c.order_no) & (o.platform == c.platform))
                    .where(
                        or_(o.updated_at >= since, o.imported_at >= since),
                        or_(o.receiver_phone != "", o.receiver_address != ""),
                        c.deleted_at.is_(None),
                    )
                )
            )
        try:
            for case_id in sorted(ids):
                self.buyers.remember_from_order(CaseId(case_id))
        except DeskError as exc:
            # The orders are in; only recognising the buyer failed (e.g. a damaged key file): say so.
            log.warning("buyer keys after an import: %s", exc)
            return replace(summary, notes=(*summary.notes, f"未能记录买家识别信息：{exc.message}"))
        return summary

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
        keys = self.buyers.remember_from_order(case_id) if self.buyers is not None else Changes()
        if not wanted:
            return case, keys, order
        updated, changes = cases.update(case_id, **wanted)
        return updated, changes | keys, order

    # -- items typed by hand ---------------------------------------------------------------------

    def add_item(
        self, case_id: CaseId, name: str, quantity: int, unit_weight_g: int | None = None
    ) -> tuple[OrderData, Changes]:
        """Add an item to the case's order (made from the case when no export brought it), so the weight
        check has something to weigh against without an import. A unit weight is the product's (商品与重量)."""
        name, quantity, unit_weight_g = _item_values(name, quantity, unit_weight_g)
        with self._sessions.begin() as s:
            case = self._case(s, case_id)
            order = self._order_of(s, case, create=True)
            assert order is not None
            last = s.scalar(select(func.max(mo.OrderItem.line_no)).where(mo.OrderItem.order_id == order.id))
            key = product_key("", "", "", name, "")
            s.add(
                mo.OrderItem(
                    order_id=order.id,
                    line_no=int(last or 0) + 1,
                    product_key=key,
                    product_name=name,
                    quantity=quantity,
                )
            )
            self._set_weight(s, key, name, unit_weight_g)
            order.updated_at = utcnow()
            s.flush()
            data = self._data(s, order)
        return data, Changes(cases=frozenset({case_id}))

    def update_item(
        self,
        case_id: CaseId,
        line_no: int,
        *,
        name: str | None = None,
        quantity: int | None = None,
        unit_weight_g: int | None = None,
    ) -> tuple[OrderData, Changes]:
        """Correct one item of the case's order: its name or quantity here, a unit weight in the product."""
        with self._sessions.begin() as s:
            case = self._case(s, case_id)
            order = self._order_of(s, case, create=False)
            item = self._item(s, order, line_no)
            new_name, new_quantity, grams = _item_values(
                item.product_name if name is None else name,
                item.quantity if quantity is None else quantity,
                unit_weight_g,
            )
            item.product_name = new_name
            item.quantity = new_quantity
            self._set_weight(s, item.product_key, new_name, grams)
            assert order is not None
            order.updated_at = utcnow()
            s.flush()
            data = self._data(s, order)
        return data, Changes(cases=frozenset({case_id}))

    def remove_item(self, case_id: CaseId, line_no: int) -> tuple[OrderData, Changes]:
        with self._sessions.begin() as s:
            case = self._case(s, case_id)
            order = self._order_of(s, case, create=False)
            s.delete(self._item(s, order, line_no))
            assert order is not None
            order.updated_at = utcnow()
            s.flush()
            data = self._data(s, order)
        return data, Changes(cases=frozenset({case_id}))

    @staticmethod
    def _case(s: Session, case_id: CaseId) -> m.Case:
        case = s.get(m.Case, case_id)
        if case is None:
            raise NotFound(f"售后记录 #{case_id} 不存在（可能已被删除）")
        return case

    @staticmethod
    def _order_of(s: Session, case: m.Case, *, create: bool) -> mo.Order | None:
        order_no = (case.order_no or "").strip()
        if not order_no:
            raise ValidationFailed("这条售后还没有订单号：请先填写订单号，商品记在订单下")
        found = list(s.scalars(select(mo.Order).where(mo.Order.order_no == order_no).order_by(mo.Order.id)))
        order = next((o for o in found if o.platform == case.platform), found[0] if found else None)
        if order is None and create:
            now = utcnow()
            order = mo.Order(
                platform=case.platform,
                order_no=order_no,
                shop_id=case.shop_id,
                courier=case.courier or "",
                tracking_no=case.tracking_no or "",
                source_file=MANUAL_SOURCE,
                imported_at=now,
                updated_at=now,
            )
            s.add(order)
            s.flush()
        if order is None:
            raise NotFound(f"订单 {order_no} 还没有商品（可能已被删除）")
        return order

    @staticmethod
    def _item(s: Session, order: mo.Order | None, line_no: int) -> mo.OrderItem:
        item = (
            s.scalar(
                select(mo.OrderItem).where(mo.OrderItem.order_id == order.id, mo.OrderItem.line_no == line_no)
            )
            if order is not None
            else None
        )
        if item is None:
            raise NotFound(f"订单里的第 {line_no} 件商品不存在（可能已被删除）")
        return item

    @staticmethod
    def _set_weight(s: Session, key: str, name: str, grams: int | None) -> None:
        """The unit weight lives with the product, so every order of it weighs the same."""
        product = s.scalar(select(mo.Product).where(mo.Product.key == key))
        if product is None:
            now = utcnow()
            s.add(
                mo.Product(
                    key=key, name=name, unit_weight_g=grams, source="manual", created_at=now, updated_at=now
                )
            )
        elif grams is not None and product.unit_weight_g != grams:
            product.unit_weight_g = grams
            product.source = "manual"
            product.updated_at = utcnow()


def _item_values(name: str, quantity: int, unit_weight_g: int | None) -> tuple[str, int, int | None]:
    name = " ".join(clean_text(str(name or "")).split())
    if not name:
        raise ValidationFailed("请填写商品名称")
    if len(name) > 200:
        raise ValidationFailed(f"商品名称太长（{len(name)} 个字符，上限 200）")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
        raise ValidationFailed(f"数量应为 1 到 {MAX_QUANTITY} 的整数：{quantity}")
    if unit_weight_g is not None and (
        isinstance(unit_weight_g, bool)
        or not isinstance(unit_weight_g, int)
        or not 0 < unit_weight_g <= MAX_ITEM_GRAMS
    ):
        raise ValidationFailed(f"单件重量应为 1 g 到 1000 kg 之间的整数克数：{unit_weight_g}")
    return name, quantity, unit_weight_g
