"""A small TOML writer for the desk's own data files: strings, integers, booleans, lists of those,
tables and arrays of tables (what platform profiles hold). tomllib reads what it writes."""

from __future__ import annotations

import json
from typing import Any


def _key(key: str) -> str:
    if key and all(c.isascii() and (c.isalnum() or c in "-_") for c in key):
        return key
    return _string(key)


def _string(value: str) -> str:
    # JSON string escapes are valid TOML basic-string escapes (\uXXXX, \", \\, \n …); keep CJK as is.
    return json.dumps(value, ensure_ascii=False)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def dumps(data: dict[str, Any], _prefix: str = "") -> str:
    """Scalars first, then sub-tables ([a.b]), then arrays of tables ([[a]])."""
    lines: list[str] = []
    tables: list[tuple[str, dict[str, Any]]] = []
    arrays: list[tuple[str, list[dict[str, Any]]]] = []
    for key, value in data.items():
        if (isinstance(value, dict) and value and all(isinstance(v, dict) for v in value.values())) or (
            isinstance(value, dict) and not _prefix
        ):
            tables.append((key, value))
        elif _is_table_array(value):
            arrays.append((key, value))
        else:
            lines.append(f"{_key(key)} = {_value(value)}")
    out = "\n".join(lines) + ("\n" if lines else "")
    for key, table in tables:
        name = f"{_prefix}{_key(key)}"
        if table and all(isinstance(v, dict) for v in table.values()):
            for sub, subtable in table.items():
                out += f"\n[{name}.{_key(sub)}]\n" + dumps(subtable, f"{name}.{_key(sub)}.")
        else:
            out += f"\n[{name}]\n" + dumps(table, f"{name}.")
    for key, items in arrays:
        name = f"{_prefix}{_key(key)}"
        for item in items:
            out += f"\n[[{name}]]\n" + dumps(item, f"{name}.")
    return out
