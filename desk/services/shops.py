"""Shops the desk serves."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from desk.db import models as m
from desk.domain import Changes, Platform, ShopData, ShopId
from desk.errors import ValidationFailed
from desk.services import convert
from desk.services.cases import clean_text


class ShopService:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def list(self) -> list[ShopData]:
        with self._sessions() as s:
            return [convert.shop(x) for x in s.scalars(select(m.Shop).order_by(m.Shop.platform, m.Shop.name))]

    def create(self, name: str, platform: Platform) -> tuple[ShopData, Changes]:
        name = clean_text(name).strip()
        if not name:
            raise ValidationFailed("店铺名称不能为空")
        if len(name) > 200:
            raise ValidationFailed("店铺名称太长（上限 200 个字符）")
        try:
            with self._sessions.begin() as s:
                shop = m.Shop(name=name, platform=Platform(platform))
                s.add(shop)
                s.flush()
                data = convert.shop(shop)
        except IntegrityError as exc:
            raise ValidationFailed(f"{platform} 店铺“{name}”已存在") from exc
        return data, Changes(shops=frozenset({ShopId(data.id)}))
