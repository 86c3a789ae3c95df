"""Finding, registering and checking the Chinese fonts that appeal packets are set in."""

from __future__ import annotations

import hashlib
import os
import sys
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

BUNDLED_FONT_DIR = Path(__file__).resolve().parents[2] / "resources" / "fonts"
BUNDLED_FONT = BUNDLED_FONT_DIR / "wqy-microhei.ttc"

CID_FALLBACK = "STSong-Light"

# Shown instead of a character that no available font can draw, so nothing vanishes silently.
PLACEHOLDER = "[?]"

NO_EMBEDDABLE_FONT_WARNING = (
    "未找到可嵌入的中文字体，PDF 改用阅读器自带的宋体显示；在没有中文字体的电脑上，文字可能显示为方框。"
    "请在设置中选择一个 TrueType 中文字体（如微软雅黑 msyh.ttc）。"
)

# A font that cannot draw these is not a Chinese font, whatever its file name says.
_REQUIRED_SAMPLE = "中文申诉订单号"

# Rare characters (CJK Ext A and rare name characters) used to judge whether a second font
# would add anything as a fallback; loading one costs ~0.1 s, so only useful ones are loaded.
_FALLBACK_PROBE = "䶮㐀㑇㒰㓁㔉㕛㖞㗊㘎㙊堃喆玥昇淼犇赟"

_LOCK = threading.Lock()
# Keyed by resolved path, so each file is parsed at most once per process (~0.1 s per CJK font).
_REGISTERED: dict[str, str] = {}  # path -> registered ReportLab name
_FAILED: dict[str, str] = {}  # path -> why it cannot be used (kept for debugging)


@dataclass(frozen=True, slots=True)
class FontSet:
    """The fonts one packet is set in.

    Attributes:
        primary_name: ReportLab font name used for all text.
        primary_path: the embedded font file, or None for the non-embedded CID font.
        fallback_name: ReportLab name of a second font for characters the primary lacks.
        fallback_path: file of the fallback font.
        warnings: messages for the operator about the font choice (plain Chinese).
    """

    primary_name: str
    primary_path: Path | None
    fallback_name: str | None = None
    fallback_path: Path | None = None
    warnings: tuple[str, ...] = ()

    @property
    def embedded(self) -> bool:
        """Whether the primary font is embedded in the PDF (False only for the CID last resort)."""
        return self.primary_path is not None


def _windows_candidates() -> list[Path]:
    fonts = Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"
    return [fonts / n for n in ("msyh.ttc", "msyh.ttf", "simhei.ttf", "simsun.ttc")]


def _mac_candidates() -> list[Path]:
    return [
        Path("/System/Library/Fonts/STHeiti Medium.ttc"),
        Path("/Library/Fonts/Arial Unicode.ttf"),
        Path("/System/Library/Fonts/Supplemental/Songti.ttc"),
    ]


def _linux_candidates() -> list[Path]:
    root = Path("/usr/share/fonts")
    found: list[Path] = []
    for name in ("wqy-zenhei.ttc", "wqy-microhei.ttc", "uming.ttc"):
        # Debian, Fedora and Arch put these in different sub-folders.
        known = [root / "truetype" / "wqy" / name, root / "truetype" / "arphic" / name]
        hits = [p for p in known if p.is_file()]
        if not hits and root.is_dir():
            try:
                hits = sorted(root.rglob(name))
            except OSError:
                hits = []
        found.extend(hits[:1])
    return found


@lru_cache(maxsize=4)
def system_candidates(platform: str = sys.platform) -> tuple[Path, ...]:
    """TrueType CJK font files worth trying on this platform, best first (cached per platform)."""
    if platform.startswith("win"):
        paths = _windows_candidates()
    elif platform == "darwin":
        paths = _mac_candidates()
    else:
        paths = _linux_candidates()
    return tuple(paths)


def _font_name(path: Path) -> str:
    # Stable across runs (same machine, same bytes out) yet unique per file.
    digest = hashlib.sha1(str(path).encode("utf-8")).hexdigest()[:8]
    stem = "".join(c for c in path.stem if c.isascii() and c.isalnum()) or "font"
    return f"Desk-{stem}-{digest}"


def _register(path: Path) -> str | None:
    """Register `path` with ReportLab once; return its name, or None if it cannot be used."""
    try:
        key = str(path.resolve())
    except OSError:
        return None
    with _LOCK:
        if key in _REGISTERED:
            return _REGISTERED[key]
        if key in _FAILED:
            return None
        name = _font_name(Path(key))
        try:
            font = TTFont(name, key, subfontIndex=0)
            cmap = font.face.charToGlyph
            if not all(ord(c) in cmap for c in _REQUIRED_SAMPLE):
                _FAILED[key] = "not a Chinese font"
                return None
            pdfmetrics.registerFont(font)
        except Exception as exc:  # TTFError for CFF fonts, OSError, struct errors on junk files
            _FAILED[key] = f"{type(exc).__name__}: {exc}"
            return None
        _REGISTERED[key] = name
        return name


def _register_cid() -> str:
    with _LOCK:
        try:
            pdfmetrics.getFont(CID_FALLBACK)
        except KeyError:
            pdfmetrics.registerFont(UnicodeCIDFont(CID_FALLBACK))
    return CID_FALLBACK


def _cmap(name: str | None) -> dict[int, int] | None:
    """The character map of a registered TrueType font, or None (CID font, or no font)."""
    if name is None:
        return None
    face = getattr(pdfmetrics.getFont(name), "face", None)
    cmap = getattr(face, "charToGlyph", None)
    return cmap if isinstance(cmap, dict) else None


def _pick_fallback(primary_name: str, candidates: Iterable[Path]) -> tuple[str, Path] | None:
    primary = _cmap(primary_name) or {}
    missing = [c for c in _FALLBACK_PROBE if ord(c) not in primary]
    if not missing:
        return None
    for path in candidates:
        name = _register(path)
        if name is None or name == primary_name:
            continue
        cmap = _cmap(name) or {}
        if any(ord(c) in cmap for c in missing):
            return name, path
    return None


def resolve_fonts(user_font: Path | None = None) -> FontSet:
    """Choose and register the packet fonts.

    Order: the font chosen in the settings, then the system's TrueType Chinese fonts, then the
    bundled WenQuanYi Micro Hei, then the non-embedded CID font STSong-Light (with a warning).
    A second font that covers rare characters the primary lacks (CJK Ext A such as 䶮) becomes
    the fallback. Safe to call from several threads and as often as needed.
    """
    warnings: list[str] = []
    candidates: list[Path] = []
    if user_font is not None:
        candidates.append(user_font)
    candidates.extend(p for p in system_candidates() if p.is_file())
    if BUNDLED_FONT.is_file():
        candidates.append(BUNDLED_FONT)

    for index, path in enumerate(candidates):
        name = _register(path)
        if name is None:
            if user_font is not None and path == user_font:
                warnings.append(
                    f"所选字体“{user_font.name}”无法用于 PDF（不是 TrueType 中文字体），已改用其他字体。"
                )
            continue
        fallback = _pick_fallback(name, candidates[index + 1 :])
        return FontSet(
            primary_name=name,
            primary_path=path,
            fallback_name=fallback[0] if fallback else None,
            fallback_path=fallback[1] if fallback else None,
            warnings=tuple(warnings),
        )

    warnings.append(NO_EMBEDDABLE_FONT_WARNING)
    return FontSet(primary_name=_register_cid(), primary_path=None, warnings=tuple(warnings))


def _ignorable(char: str) -> bool:
    # Whitespace is always drawable as a gap; control and format characters (zero-width
    # joiner, variation selectors, BOM, bidi marks) are invisible and ReportLab drops them.
    return char.isspace() or unicodedata.category(char) in ("Cc", "Cf")


def coverage_gaps(text: str, fontset: FontSet) -> set[str]:
    """Characters of `text` that neither the primary nor the fallback font can draw.

    Whitespace and control/format characters are ignored. A lone surrogate is reported as U+FFFD.
    With the non-embedded CID font nothing can be checked, so the result is empty (the font
    choice already carries a warning).
    """
    primary = _cmap(fontset.primary_name)
    if primary is None:
        return set()
    fallback = _cmap(fontset.fallback_name) or {}
    gaps: set[str] = set()
    for char in text:
        if _ignorable(char):
            continue
        if unicodedata.category(char) == "Cs":
            gaps.add("\ufffd")
            continue
        code = ord(char)
        if code not in primary and code not in fallback:
            gaps.add(char)
    return gaps


def markup_text(text: str, fontset: FontSet, *, newlines: bool = True) -> str:
    """Turn user text into safe ReportLab Paragraph markup.

    - Every character is XML-escaped: Paragraph markup such as ``<img src=...>`` reads local
      files, so no user text may reach a Paragraph unescaped.
    - Runs of characters the primary font lacks but the fallback has are wrapped in
      ``<font name="FALLBACK">``.
    - A character that no font can draw (typically emoji, or CJK Ext A without a fallback font)
      becomes the placeholder ``[?]``, so it does not vanish; `coverage_gaps` reports it and
      the packet builder adds a warning naming it.
    - Line breaks become ``<br/>`` when `newlines` is true, otherwise spaces; tabs and other
      whitespace become spaces; control and format characters are dropped.
    """
    primary = _cmap(fontset.primary_name)
    fallback = _cmap(fontset.fallback_name)
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            out.append(f'<font name="{fontset.fallback_name}">{escape("".join(run))}</font>')
            run.clear()

    normalized = text.replace("\r\n", "\n").replace("\r", "\n")
    for char in normalized:
        if char == "\n":
            flush()
            out.append("<br/>" if newlines else " ")
            continue
        if char.isspace():
            flush()
            out.append(" " if primary is None or ord(char) not in primary else char)
            continue
        if unicodedata.category(char) in ("Cc", "Cf"):
            continue
        if unicodedata.category(char) == "Cs":
            flush()
            out.append(PLACEHOLDER)
            continue
        if primary is None or ord(char) in primary:
            flush()
            out.append(escape(char))
        elif fallback is not None and ord(char) in fallback:
            run.append(char)
        else:
            flush()
            out.append(PLACEHOLDER)
    flush()
    return "".join(out)
