"""CLI commands, one module per concept; each has register(subparsers) and sets `func`."""

from __future__ import annotations

import json
import re
import sys
from datetime import datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from desk.domain import Keyed
from desk.names import hostile_pattern, safe_filename


def output_path(text: str) -> Path:
    """The path the operator gave, its last part made a valid file name (no control or direction
    characters, no CON / NUL … that Windows would take for a device). The folders are theirs to name."""
    path = Path(text).expanduser().resolve()
    return path.with_name(safe_filename(path.name)) if path.name else path


def jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Keyed):  # the desk's vocabulary reads as words, as on screen
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | frozenset | set):
        return [jsonable(v) for v in value]
    return value


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match[0])
    if match[0] == "\n":
        return "\n"  # json escapes it inside strings: a raw one is the indentation's line end
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def json_text(value: Any) -> str:
    """JSON with the Chinese as it is, and every control, format and direction character as a \\u escape.

    json itself escapes only C0 controls; DEL, C1 controls, bidi overrides and lone surrogates would
    reach the terminal raw (or fail to encode). Such characters only occur inside strings, where the
    escape means the same character: a program reading the JSON gets the exact name.
    """
    text = json.dumps(jsonable(value), ensure_ascii=False, indent=2)
    return hostile_pattern().sub(_json_escape, text)


def print_json(value: Any) -> None:
    sys.stdout.write(json_text(value))
    sys.stdout.write("\n")
