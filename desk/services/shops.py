"""Shops the desk serves: name, platform, return address, 退换货须知 and contact."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from desk.db import models as m
from desk.domain import Changes, Platform, ShopData, ShopId
from desk.errors import NotFound, ValidationFailed
from desk.services import convert
from desk.services.cases import clean_text

MAX_NAME = 200
MAX_CONTACT = 200
MAX_TEXT = 5000
SHOP_FIELD_LABELS = {
    "name": "店铺名称",
    "platform": "平台",
    "return_address": "退货地址",
    "return_policy": "退换货须知",
    "contact": "联系方式",
}


class ShopService:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def list(self) -> list[ShopData]:
        with self._sessions() as s:
            return [convert.shop(x) for x in s.scalars(select(m.Shop).order_by(m.Shop.platform, m.Shop.name))]

    def get(self, shop_id: ShopId) -> ShopData:
        with self._sessions() as s:
            shop = s.get(m.Shop, shop_id)
            if shop is None:
                raise NotFound(f"店铺 #{shop_id} 不存在（可能已被删除）")
            return convert.shop(shop)

    def case_counts(self) -> dict[ShopId, int]:
        """How many live cases each shop has (for the shop editor and the sidebar)."""
        with self._sessions() as s:
            rows = s.execute(
                select(m.Case.shop_id, func.count())
                .where(m.Case.shop_id.is_not(None), m.Case.deleted_at.is_(None))
                .group_by(m.Case.shop_id)
            )
            return {ShopId(int(i)): int(n) for i, n in rows if i is not None}

    @staticmethod
    def _values(values: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in values.items():
            if key not in SHOP_FIELD_LABELS:
                raise ValidationFailed(f"未知的店铺字段：{key}")
            label = SHOP_FIELD_LABELS[key]
            if key == "platform":
                try:
                    out[key] = Platform(value)
                except ValueError as exc:
                    raise ValidationFailed(f"{label}“{value}”无效") from exc
                continue
            text = clean_text(str(value or "")).strip()
            if key in ("name", "contact"):
                text = " ".join(text.split())
            limit = {"name": MAX_NAME, "contact": MAX_CONTACT}.get(key, MAX_TEXT)
            if key == "name" and not text:
                raise ValidationFailed("店铺名称不能为空")
            if len(text) > limit:
                raise ValidationFailed(f"{label}太长（上限 {limit} 个字符）")
            out[key] = text
        return out

    def create(self, name: str, platform: Platform, **details: Any) -> tuple[ShopData, Changes]:
        values = self._values({"name": name, "platform": platform, **details})
        try:
            with self._sessions.begin() as s:
                shop = m.Shop(**values)
                s.add(shop)
                s.flush()
                data = convert.shop(shop)
        except IntegrityError as exc:
            raise ValidationFailed(f"{values['platform']} 店铺“{values['name']}”已存在") from exc
        return data, Changes(shops=frozenset({ShopId(data.id)}))

    def update(self, shop_id: ShopId, **fields: Any) -> tuple[ShopData, Changes]:
        values = self._values(fields)
        try:
            with self._sessions.begin() as s:
                shop = s.get(m.Shop, shop_id)
                if shop is None:
                    raise NotFound(f"店铺 #{shop_id} 不存在（可能已被删除）")
                for key, value in values.items():
                    setattr(shop, key, value)
                s.flush()
                data = convert.shop(shop)
        except IntegrityError as exc:
            raise ValidationFailed(f"{data_name(values)}已存在，请换一个名称") from exc
        # The list shows shop names: cases of this shop read differently now.
        return data, Changes(shops=frozenset({shop_id}), case_list="name" in values)

    def delete(self, shop_id: ShopId) -> Changes:
        """Remove a shop; its cases stay, without a shop."""
        with self._sessions.begin() as s:
            shop = s.get(m.Shop, shop_id)
            if shop is None:
                raise NotFound(f"店铺 #{shop_id} 不存在（可能已被删除）")
            s.delete(shop)
        return Changes(shops=frozenset({shop_id}), case_list=True)


def data_name(values: dict[str, Any]) -> str:
    name = values.get("name")
    return f"店铺“{name}”" if name else "同名店铺"
