"""The scripts library (话术库): shipped defaults, the shop's own versions, variables filled per case."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from desk.db import models_wizard as mw
from desk.db.types import utcnow
from desk.domain import CaseId, Changes
from desk.errors import NotFound, ValidationFailed
from desk.playbooks.loader import load_scripts
from desk.playbooks.model import Script
from desk.playbooks.walker import Filled, fill
from desk.services.cases import clean_text
from desk.services.wizard import case_values

_IDENT = re.compile(r"^[A-Za-z0-9_.\-\u4e00-\u9fff]{1,64}$")


class ScriptService:
    def __init__(
        self, sessions: sessionmaker[Session], cases: Any, shops: Any, weights: Any | None = None
    ) -> None:
        self._sessions = sessions
        self._cases = cases
        self._shops = shops
        self._weights = weights
        self._shipped = load_scripts()

    def list(self, search: str = "", category: str = "") -> list[Script]:
        """Shipped scripts, each replaced by the shop's version of the same id, plus the shop's own."""
        merged = dict(self._shipped)
        with self._sessions() as s:
            for row in s.scalars(select(mw.ShopScript)):
                merged[row.ident] = Script(row.ident, row.category, row.title, row.text, builtin=False)
        items = sorted(merged.values(), key=lambda x: (x.category, x.id))
        if category:
            items = [x for x in items if x.category == category]
        needle = clean_text(search).strip().lower()
        if needle:
            items = [x for x in items if needle in (x.title + x.text + x.category + x.id).lower()]
        return items

    def get(self, ident: str) -> Script:
        for x in self.list():
            if x.id == ident:
                return x
        raise NotFound(f"话术“{ident}”不存在")

    def is_modified(self, ident: str) -> bool:
        return ident in self._shipped and not self.get(ident).builtin

    def fill_for_case(self, ident: str, case_id: CaseId) -> Filled:
        case = self._cases.get(case_id)
        shop = next((s for s in self._shops.list() if s.id == case.shop_id), None) if case.shop_id else None
        extra = dict(self._weights.template_values(case_id)) if self._weights is not None else {}
        return fill(self.get(ident).text, case_values(case, shop, extra))

    def save(self, ident: str, *, title: str, text: str, category: str = "") -> Changes:
        ident, title, text = ident.strip(), clean_text(title).strip(), clean_text(text).strip()
        if not _IDENT.match(ident):
            raise ValidationFailed("话术编号只能用字母、数字、汉字、点、横线和下划线（最多 64 个）")
        if not title or not text:
            raise ValidationFailed("话术的标题和内容都不能为空")
        with self._sessions.begin() as s:
            row = s.scalar(select(mw.ShopScript).where(mw.ShopScript.ident == ident))
            if row is None:
                row = mw.ShopScript(ident=ident, title=title, text=text)
                s.add(row)
            row.title, row.text, row.category = title, text, clean_text(category).strip()
            row.updated_at = utcnow()
        return Changes()

    def restore_default(self, ident: str) -> Changes:
        """Drop the shop's version: a shipped script comes back as shipped, a shop-only one is deleted."""
        with self._sessions.begin() as s:
            row = s.scalar(select(mw.ShopScript).where(mw.ShopScript.ident == ident))
            if row is None:
                raise NotFound(f"话术“{ident}”没有本店修改过的版本")
            s.delete(row)
        return Changes()
