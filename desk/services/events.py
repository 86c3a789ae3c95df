"""Timeline entries as the services write them: a kind, keys and a structured payload, never words.

The words come from desk.labels.describe_event when someone reads the timeline, so the window, the CLI and
the PDF say the same thing and a renamed label changes old entries too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from desk.db import models as m
from desk.domain import EventKind
from desk.labels import stored_value


def payload(data: Mapping[str, Any] | None) -> str:
    """The JSON text of an event's payload ("" for none); enum members go in as their keys."""
    if not data:
        return ""
    return json.dumps({k: _plain(v) for k, v in data.items()}, ensure_ascii=False)


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return stored_value(value)


def new_event(
    case_id: int,
    kind: EventKind,
    *,
    at: datetime | None = None,
    field: str = "",
    old: Any = None,
    new: Any = None,
    data: Mapping[str, Any] | None = None,
    detail: str = "",
) -> m.Event:
    """One timeline row; `old`/`new` are stored as keys (see desk.labels.stored_value)."""
    row = m.Event(
        case_id=case_id,
        kind=kind,
        field=field,
        old=stored_value(old),
        new=stored_value(new),
        data=payload(data),
        detail=detail,
    )
    if at is not None:
        row.at = at
    return row
