"""Names that came from outside (archive entries, file names, shop and buyer text) made safe to show and to use.

Two uses, two rules:
- shown(): for a terminal, a log line or a message box. Control characters (ESC sequences could recolour or
  rewrite a terminal, CR could overwrite a line, a newline could fake one) and bidi overrides (U+202E makes
  "gpj.exe" read as "exe.jpg") become visible \\uXXXX escapes, so the operator sees what is really there.
  Text that is laid out in lines on purpose (a message, a description) keeps its line ends with keep="\\n\\t".
- safe_filename(): for a file the desk writes. Those characters are dropped, characters Windows forbids
  become "_", and Windows' reserved device names (CON, NUL, COM1 …) get a "_" so the file can be opened there.
  without_controls() is the first step alone, for a piece of a name that is put together later.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# Bidi embeddings, overrides and isolates, and the marks that flip text direction.
BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
WINDOWS_FORBIDDEN = frozenset('<>:"/\\|?*')
WINDOWS_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"COM{i}" for i in [*range(1, 10), "¹", "²", "³"]]
    + [f"LPT{i}" for i in [*range(1, 10), "¹", "²", "³"]]
)
# Bytes of a file name: most file systems allow 255; the rest is room for free_path's "-2" and a suffix.
MAX_NAME_BYTES = 200


_HOSTILE_CATEGORIES = frozenset(("Cc", "Cf", "Cs", "Co", "Zl", "Zp"))


def _hostile(ch: str) -> bool:
    # ZWJ stays: it joins emoji (👨‍👩‍👧) and is harmless on its own.
    return ch in BIDI or (unicodedata.category(ch) in _HOSTILE_CATEGORIES and ch != "\u200d")


@functools.cache
def _pattern() -> re.Pattern[str]:
    """Every hostile character as one character class, so long text is escaped at C speed.

    Format characters live in planes 0, 1 and 14; planes 15 and 16 are private use as a whole.
    """
    points = [c for c in (*range(0x20000), *range(0xE0000, 0xE1000)) if _hostile(chr(c))]
    ranges: list[tuple[int, int]] = []
    for c in points:
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1] = (ranges[-1][0], c)
        else:
            ranges.append((c, c))
    ranges += [(0xF0000, 0xFFFFD), (0x100000, 0x10FFFD)]
    body = "".join(re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "") for a, b in ranges)
    return re.compile(f"[{body}]")


def hostile_pattern() -> re.Pattern[str]:
    """A compiled character class of every character _hostile() is true for."""
    return _pattern()


def _escape(ch: str) -> str:
    return f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08x}"


# A zero-width joiner is kept where it joins two characters (emoji sequences such as 👨‍👩‍👧); at an edge,
# beside a space or another joiner it joins nothing and is as invisible as any other format character.
_LOOSE_JOINER = re.compile(r"(?:^|(?<=[\u200d\s]))\u200d|\u200d(?=[\u200d\s]|$)")


def shown(name: str, *, keep: str = "") -> str:
    """The name with every control and direction character written as a visible escape.

    Characters in `keep` (only "\\n" and "\\t" make sense) are left as they are.
    """
    if name.isascii() and name.isprintable():
        return name  # the common case, at once
    name = _LOOSE_JOINER.sub(lambda m: _escape(m[0]), name)
    return _pattern().sub(lambda m: m[0] if m[0] in keep else _escape(m[0]), name)


_BREAKS = frozenset("\t\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def without_controls(text: str) -> str:
    """The text without control, format and direction characters; line ends and tabs become spaces."""
    text = _pattern().sub(lambda m: " " if m[0] in _BREAKS else "", text)
    return _LOOSE_JOINER.sub("", text) if "\u200d" in text else text


def _cut_bytes(text: str, limit: int) -> str:
    data = text.encode("utf-8", "replace")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", "ignore")


def safe_filename(
    name: str, *, fallback: str = "文件", max_len: int = 120, max_bytes: int = MAX_NAME_BYTES
) -> str:
    """A file name that every supported system accepts and that shows what it is.

    At most `max_len` characters and `max_bytes` bytes of UTF-8 (a short extension is kept).
    """
    cleaned = "".join(
        "_" if ch in WINDOWS_FORBIDDEN else ch
        for ch in unicodedata.normalize("NFC", name)
        if not _hostile(ch)
    )
    # Windows drops trailing dots and spaces, which would make two names collide there; a leading dot
    # hides the file on macOS and Linux.
    cleaned = cleaned.strip().strip(". ")
    cleaned = _LOOSE_JOINER.sub("", cleaned).strip().strip(". ")
    if not cleaned:
        cleaned = fallback
    # One character and byte are kept in hand for the "_" a reserved name gets below.
    if len(cleaned) >= max_len or len(cleaned.encode("utf-8", "replace")) >= max_bytes:
        stem, dot, ext = cleaned.rpartition(".")
        tail = "." + ext if stem and 0 < len(ext) <= 10 else ""
        head = cleaned[: len(cleaned) - len(tail)][: max(1, max_len - 1 - len(tail))]
        head = _cut_bytes(head, max_bytes - 1 - len(tail.encode("utf-8"))).rstrip(". ")
        cleaned = (_LOOSE_JOINER.sub("", head) or fallback) + tail
    stem, dot, ext = cleaned.partition(".")
    if stem.upper().rstrip(" ") in WINDOWS_RESERVED:
        cleaned = f"{stem.rstrip(' ')}_{dot}{ext}"
    return cleaned
