"""The product catalog: SKUs with unit and packaging weights, edited, imported, learned from orders."""

from __future__ import annotations

import builtins
from pathlib import Path

from sqlalchemy import exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from desk.db import models_orders as mo
from desk.db.types import utcnow
from desk.errors import NotFound, ValidationFailed
from desk.orders.importer import Importer
from desk.orders.model import ExportKind, FilePreview, ImportSummary, ProductData
from desk.orders.parse import MAX_GRAMS
from desk.progress import Cancel, Progress
from desk.services.cases import clean_text, like_pattern

UNCHANGED: object = object()


def product_data(p: mo.Product) -> ProductData:
    return ProductData(
        id=p.id,
        key=p.key,
        sku_code=p.sku_code,
        goods_code=p.goods_code,
        goods_id=p.goods_id,
        name=p.name,
        spec=p.spec,
        unit_weight_g=p.unit_weight_g,
        packaging_g=p.packaging_g,
        source=p.source,
        updated_at=p.updated_at,
    )


def _grams(value: object, label: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed(f"{label}应为整数克数")
    if value <= 0:
        raise ValidationFailed(f"{label}应大于 0 g（不知道就留空）")
    if value > MAX_GRAMS:
        raise ValidationFailed(f"{label} {value} g 过大（上限 1000 kg）")
    return value


class ProductService:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def list(self, search: str = "", *, missing_only: bool = False) -> list[ProductData]:
        """The catalog, those without a unit weight first, then by name."""
        query = select(mo.Product)
        text = clean_text(search).strip()
        if text:
            pattern = like_pattern(text)
            query = query.where(
                or_(
                    mo.Product.sku_code.like(pattern, escape="\\"),
                    mo.Product.name.like(pattern, escape="\\"),
                    mo.Product.spec.like(pattern, escape="\\"),
                    mo.Product.goods_code.like(pattern, escape="\\"),
                )
            )
        if missing_only:
            query = query.where(mo.Product.unit_weight_g.is_(None))
        query = query.order_by(
            mo.Product.unit_weight_g.is_not(None), mo.Product.name, mo.Product.spec, mo.Product.id
        )
        with self._sessions() as s:
            return [product_data(p) for p in s.scalars(query)]

    def missing_weights(self) -> builtins.list[ProductData]:
        """SKUs without a unit weight that appear in imported orders (the weight check needs them)."""
        used = exists().where(mo.OrderItem.product_key == mo.Product.key)
        query = (
            select(mo.Product)
            .where(mo.Product.unit_weight_g.is_(None), used)
            .order_by(mo.Product.name, mo.Product.spec, mo.Product.id)
        )
        with self._sessions() as s:
            return [product_data(p) for p in s.scalars(query)]

    def counts(self) -> tuple[int, int]:
        """(products, products without a unit weight)."""
        with self._sessions() as s:
            total = s.scalar(select(func.count()).select_from(mo.Product)) or 0
            missing = s.scalar(select(func.count()).where(mo.Product.unit_weight_g.is_(None))) or 0
            return int(total), int(missing)

    def get(self, product_id: int) -> ProductData:
        with self._sessions() as s:
            p = s.get(mo.Product, product_id)
            if p is None:
                raise NotFound(f"商品 #{product_id} 不存在（可能已被删除）")
            return product_data(p)

    def create(
        self,
        sku_code: str,
        name: str,
        *,
        spec: str = "",
        unit_weight_g: int | None = None,
        packaging_g: int | None = None,
    ) -> ProductData:
        sku = clean_text(sku_code).strip()
        if not sku:
            raise ValidationFailed("商家编码不能为空")
        if len(sku) > 128:
            raise ValidationFailed("商家编码太长（上限 128 个字符）")
        now = utcnow()
        try:
            with self._sessions.begin() as s:
                p = mo.Product(
                    key=sku,
                    sku_code=sku,
                    name=clean_text(name).strip(),
                    spec=clean_text(spec).strip(),
                    unit_weight_g=_grams(unit_weight_g, "单件重量"),
                    packaging_g=_grams(packaging_g, "包装重量"),
                    source="manual",
                    created_at=now,
                    updated_at=now,
                )
                s.add(p)
                s.flush()
                return product_data(p)
        except IntegrityError as exc:
            raise ValidationFailed(f"商家编码“{sku}”已在商品资料里") from exc

    def update(
        self,
        product_id: int,
        *,
        name: object = UNCHANGED,
        spec: object = UNCHANGED,
        unit_weight_g: object = UNCHANGED,
        packaging_g: object = UNCHANGED,
    ) -> ProductData:
        """Change the given fields; a weight of None clears it."""
        with self._sessions.begin() as s:
            p = s.get(mo.Product, product_id)
            if p is None:
                raise NotFound(f"商品 #{product_id} 不存在（可能已被删除）")
            if name is not UNCHANGED:
                p.name = clean_text(str(name or "")).strip()
            if spec is not UNCHANGED:
                p.spec = clean_text(str(spec or "")).strip()
            if unit_weight_g is not UNCHANGED:
                p.unit_weight_g = _grams(unit_weight_g, f"“{p.name or p.sku_code}”的单件重量")
            if packaging_g is not UNCHANGED:
                p.packaging_g = _grams(packaging_g, f"“{p.name or p.sku_code}”的包装重量")
            p.source = "manual"
            p.updated_at = utcnow()
            s.flush()
            return product_data(p)

    def remove(self, product_id: int) -> None:
        with self._sessions.begin() as s:
            p = s.get(mo.Product, product_id)
            if p is None:
                raise NotFound(f"商品 #{product_id} 不存在（可能已被删除）")
            s.delete(p)

    # -- import -----------------------------------------------------------------------------------

    def inspect(self, path: Path) -> FilePreview:
        from desk.orders.importer import inspect_file

        return inspect_file(Path(path), profile_key="products")

    def import_file(
        self, path: Path, *, progress: Progress | None = None, cancel: Cancel | None = None
    ) -> ImportSummary:
        """Import a catalog sheet (商家编码, 名称, 规格, 单件重量, 包装重量): new SKUs added, known ones updated."""
        return Importer(self._sessions).run(
            Path(path), profile_key="products", kinds=(ExportKind.PRODUCTS,), progress=progress, cancel=cancel
        )
