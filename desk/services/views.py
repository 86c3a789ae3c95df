"""Saved views: named filters of the case list, stored as JSON in the database."""

from __future__ import annotations

import json
import logging
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from desk.db import models as m
from desk.domain import SORT_KEYS, CaseFilter, CaseStatus, CaseType, DueFilter, Platform, SavedViewData
from desk.errors import NotFound, ValidationFailed
from desk.services.cases import clean_text

log = logging.getLogger(__name__)

MAX_NAME = 100


def filter_to_json(flt: CaseFilter) -> str:
    """Only what differs from the default filter, so old views keep working as filters gain fields."""
    default = CaseFilter()
    data: dict[str, Any] = {}
    for name in CaseFilter.__dataclass_fields__:
        value = getattr(flt, name)
        if value == getattr(default, name):
            continue
        if isinstance(value, tuple):
            value = [v.value if hasattr(v, "value") else v for v in value]
        elif isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, DueFilter):
            value = value.value
        data[name] = value
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def filter_from_json(text: str) -> CaseFilter:
    """A filter from stored JSON; values this desk does not know are left out (logged), never fatal."""
    try:
        data = json.loads(text or "{}")
    except json.JSONDecodeError:
        log.warning("saved view with unreadable filter: %r", text[:200])
        return CaseFilter()
    if not isinstance(data, dict):
        return CaseFilter()

    def members(key: str, cls: Any) -> tuple[Any, ...]:
        out = []
        for v in data.get(key) or []:
            try:
                out.append(cls(v))
            except (ValueError, TypeError):
                log.warning("saved view: unknown %s %r ignored", key, v)
        return tuple(out)

    def day(key: str) -> date | None:
        try:
            return date.fromisoformat(data[key]) if data.get(key) else None
        except (TypeError, ValueError):
            return None

    try:
        due = DueFilter(data.get("due", ""))
    except ValueError:
        due = DueFilter.ANY
    sort = data.get("sort", "updated_at")
    return CaseFilter(
        search=str(data.get("search", "")),
        case_types=members("case_types", CaseType),
        statuses=members("statuses", CaseStatus),
        shop_ids=tuple(int(i) for i in data.get("shop_ids") or [] if isinstance(i, int)),
        platforms=members("platforms", Platform),
        due=due,
        created_from=day("created_from"),
        created_to=day("created_to"),
        trash=bool(data.get("trash", False)),
        sort=sort if sort in SORT_KEYS else "updated_at",
        descending=bool(data.get("descending", True)),
    )


def _data(v: m.SavedView) -> SavedViewData:
    return SavedViewData(id=v.id, name=v.name, filter=filter_from_json(v.filter_json), position=v.position)


class ViewService:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def list(self) -> list[SavedViewData]:
        with self._sessions() as s:
            return [
                _data(v)
                for v in s.scalars(select(m.SavedView).order_by(m.SavedView.position, m.SavedView.id))
            ]

    @staticmethod
    def _name(name: str) -> str:
        name = " ".join(clean_text(name).split())
        if not name:
            raise ValidationFailed("视图名称不能为空")
        if len(name) > MAX_NAME:
            raise ValidationFailed(f"视图名称太长（上限 {MAX_NAME} 个字）")
        return name

    def save(self, name: str, flt: CaseFilter) -> SavedViewData:
        """Save a filter under a name; an existing view of that name is replaced."""
        name = self._name(name)
        with self._sessions.begin() as s:
            view = s.scalar(select(m.SavedView).where(m.SavedView.name == name))
            if view is None:
                position = int(s.scalar(select(func.coalesce(func.max(m.SavedView.position), 0))) or 0) + 1
                view = m.SavedView(name=name, position=position)
                s.add(view)
            view.filter_json = filter_to_json(flt)
            s.flush()
            return _data(view)

    def rename(self, view_id: int, name: str) -> SavedViewData:
        name = self._name(name)
        try:
            with self._sessions.begin() as s:
                view = s.get(m.SavedView, view_id)
                if view is None:
                    raise NotFound(f"视图 #{view_id} 不存在")
                view.name = name
                s.flush()
                return _data(view)
        except IntegrityError as exc:
            raise ValidationFailed(f"已有名为“{name}”的视图") from exc

    def delete(self, view_id: int) -> None:
        with self._sessions.begin() as s:
            view = s.get(m.SavedView, view_id)
            if view is not None:
                s.delete(view)
