"""Names that came from outside (archive entries, file names, shop and buyer text) made safe to show and to use.

Two uses, two rules:
- shown(): for a terminal, a log line or a message box. Control characters (ESC sequences could recolour or
  rewrite a terminal) and bidi overrides (U+202E makes "gpj.exe" read as "exe.jpg") become visible \\uXXXX
  escapes, so the operator sees what is really there.
- safe_filename(): for a file the desk writes. Those characters are dropped, characters Windows forbids
  become "_", and Windows' reserved device names (CON, NUL, COM1 …) get a "_" so the file can be opened there.
"""

from __future__ import annotations

import unicodedata

# Bidi embeddings, overrides and isolates, and the marks that flip text direction.
BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
WINDOWS_FORBIDDEN = frozenset('<>:"/\\|?*')
WINDOWS_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"COM{i}" for i in [*range(1, 10), "¹", "²", "³"]]
    + [f"LPT{i}" for i in [*range(1, 10), "¹", "²", "³"]]
)


def _hostile(ch: str) -> bool:
    return ch in BIDI or (
        unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp") and ch not in "\u200d"
    )


def shown(name: str) -> str:
    """The name with every control and direction character written as a visible escape."""
    out = []
    for ch in name:
        if _hostile(ch):
            out.append(f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08x}")
        else:
            out.append(ch)
    return "".join(out)


def safe_filename(name: str, *, fallback: str = "文件", max_len: int = 120) -> str:
    """A file name that every supported system accepts and that shows what it is."""
    cleaned = "".join(
        "_" if ch in WINDOWS_FORBIDDEN else ch
        for ch in unicodedata.normalize("NFC", name)
        if not _hostile(ch)
    )
    # Windows drops trailing dots and spaces, which would make two names collide there.
    cleaned = cleaned.strip().rstrip(". ")
    if not cleaned or cleaned in (".", ".."):
        cleaned = fallback
    stem, dot, ext = cleaned.partition(".")
    if stem.upper().rstrip(" ") in WINDOWS_RESERVED:
        cleaned = f"{stem}_{dot}{ext}"
    if len(cleaned) > max_len:
        keep_ext = ext if dot and len(ext) <= 10 else ""
        cleaned = cleaned[: max_len - len(keep_ext) - 1].rstrip(". ") + ("." + keep_ext if keep_ext else "")
    return cleaned
