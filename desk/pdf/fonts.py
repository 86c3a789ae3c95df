"""Finding, registering and checking the fonts that appeal packets are set in.

Text is set in a Chinese TrueType font. A character that font lacks is taken, one character at a time,
from the first font of a short chain that has it: a second Chinese font for rare characters (CJK
Extension A, where one is installed), then two fonts shipped with the desk — DejaVu Sans (Latin, Greek,
Cyrillic, Arabic, Hebrew, ligatures such as ﬁ, combining accents, many symbols) and the monochrome Noto
Emoji. ReportLab can embed only TrueType (glyf) outlines, so colour-bitmap emoji fonts cannot serve.
Text is put in Unicode NFC first, so an "e" followed by a combining acute prints as one "é". Only a
character no font of the chain has becomes ``[?]`` (and is named in a warning).
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

from desk.resources import resource

BUNDLED_FONT_DIR = resource("fonts")
BUNDLED_FONT = BUNDLED_FONT_DIR / "wqy-microhei.ttc"
# After the Chinese fonts, in this order: wide coverage of other scripts and symbols, then emoji.
BUNDLED_FALLBACKS = (BUNDLED_FONT_DIR / "DejaVuSans.ttf", BUNDLED_FONT_DIR / "NotoEmoji[wght].ttf")

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


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """ReportLab's ToUnicode CMap, with characters past U+FFFF written as UTF-16 surrogate pairs.

    ReportLab writes every character as ``%04X``, so 😀 becomes ``<1F600>``: an odd number of hex digits
    that readers take as U+1F60 (ὠ) or reject, and copying an emoji out of the packet gives the wrong
    character. Characters up to U+FFFF are written exactly as before (same bytes).
    """
    text = _original_cmap(fontname, subset)
    if all(code <= 0xFFFF for code in subset):
        return text
    for index, code in enumerate(subset):
        if code > 0xFFFF:
            text = text.replace(
                f"<{index:02X}> <{code:04X}>",
                f"<{index:02X}> <{chr(code).encode('utf-16-be').hex().upper()}>",
            )
    return text


_original_cmap = ttfonts.makeToUnicodeCMap
ttfonts.makeToUnicodeCMap = _to_unicode_cmap
# Keyed by resolved path, so each file is parsed at most once per process (~0.1 s per CJK font).
_REGISTERED: dict[str, str] = {}  # path -> registered ReportLab name
_FAILED: dict[str, str] = {}  # path -> why it cannot be used (kept for debugging)


@dataclass(frozen=True, slots=True)
class FontSet:
    """The fonts one packet is set in.

    Attributes:
        primary_name: ReportLab font name used for all text.
        primary_path: the embedded font file, or None for the non-embedded CID font.
        fallback_name: ReportLab name of a second Chinese font for rare characters the primary lacks.
        fallback_path: file of the fallback font.
        warnings: messages for the operator about the font choice (plain Chinese).
        extra: (ReportLab name, file) of the shipped fonts for other scripts, symbols and emoji, tried
            after the Chinese fonts in this order.
    """

    primary_name: str
    primary_path: Path | None
    fallback_name: str | None = None
    fallback_path: Path | None = None
    warnings: tuple[str, ...] = ()
    extra: tuple[tuple[str, Path], ...] = ()

    @property
    def embedded(self) -> bool:
        """Whether the primary font is embedded in the PDF (False only for the CID last resort)."""
        return self.primary_path is not None

    @property
    def chain(self) -> tuple[str, ...]:
        """ReportLab names of the fonts a character is looked up in, first choice first."""
        names = [self.primary_name]
        if self.fallback_name is not None:
            names.append(self.fallback_name)
        names.extend(name for name, _ in self.extra)
        return tuple(names)


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


def _register_any(path: Path) -> str | None:
    """Register the TrueType font `path` with ReportLab once; its name, or None if it cannot be used."""
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
            pdfmetrics.registerFont(font)
        except Exception as exc:  # TTFError for CFF fonts, OSError, struct errors on junk files
            _FAILED[key] = f"{type(exc).__name__}: {exc}"
            return None
        _REGISTERED[key] = name
        return name


def _register(path: Path) -> str | None:
    """Register a Chinese TrueType font; None if it cannot be used or is not a Chinese font."""
    name = _register_any(path)
    if name is None:
        return None
    cmap = _cmap(name) or {}
    return name if all(ord(c) in cmap for c in _REQUIRED_SAMPLE) else None


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
            extra=_bundled_fallbacks(),
        )

    warnings.append(NO_EMBEDDABLE_FONT_WARNING)
    return FontSet(primary_name=_register_cid(), primary_path=None, warnings=tuple(warnings))


def _bundled_fallbacks() -> tuple[tuple[str, Path], ...]:
    """The shipped fonts for other scripts, symbols and emoji that register (a missing file is skipped)."""
    found: list[tuple[str, Path]] = []
    for path in BUNDLED_FALLBACKS:
        name = _register_any(path) if path.is_file() else None
        if name is not None:
            found.append((name, path))
    return tuple(found)


def _invisible(char: str) -> bool:
    # Control and format characters (zero-width joiner, BOM, bidi marks) and variation selectors
    # (the "show as emoji" U+FE0F after ❤) draw nothing; no font needs a glyph for them.
    code = ord(char)
    return (
        unicodedata.category(char) in ("Cc", "Cf") or 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF
    )


def _ignorable(char: str) -> bool:
    # Whitespace is always drawable as a gap; invisible characters are dropped (see _invisible).
    return char.isspace() or _invisible(char)


def display_form(text: str) -> str:
    """Text as it is printed: one line-break convention, Unicode NFC (e + U+0301 becomes é), and
    right-to-left runs (Arabic, Hebrew) shaped and in visual order (see _right_to_left)."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    if _RTL_CHAR.search(text) is None:
        return text
    return "\n".join(_right_to_left(line) for line in text.split("\n"))


# -- right-to-left text -------------------------------------------------------------------------------
# ReportLab draws code points as they come, left to right, without OpenType shaping. So an Arabic word
# would print as unjoined letters in reverse order. Arabic letters are therefore put in the contextual
# presentation form their neighbours call for (the forms U+FE70–U+FEFF, which the shipped DejaVu Sans
# has), and each right-to-left run of a line is reversed into visual order, keeping numbers in it
# left to right. Runs are reordered within the line as written; a right-to-left paragraph that wraps
# over several lines reads its lines top to bottom (there is no full bidi algorithm here).

_RTL_CHAR = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")
_LAM = "\u0644"
_TATWEEL = "\u0640"
_MIRROR = dict(zip("()[]{}<>«»", ")(][}{><»«", strict=True))
# A number (Western or Arabic-Indic digits, with separators inside) stays left to right; anything else
# is one character.
_RUN_PIECE = re.compile(
    "[0-9\u0660-\u0669\u06f0-\u06f9]+(?:[.,:/][0-9\u0660-\u0669\u06f0-\u06f9]+)*|.", re.DOTALL
)


@lru_cache(maxsize=1)
def _arabic_forms() -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]]:
    """Presentation forms by letter ({"isolated"|"final"|"initial"|"medial": form}), and lam-alef ligatures by alef."""
    forms: dict[str, dict[str, str]] = {}
    lam_alef: dict[str, dict[str, str]] = {}
    for code in range(0xFE70, 0xFEFF):
        parts = unicodedata.decomposition(chr(code)).split()
        if len(parts) < 2 or not parts[0].startswith("<"):
            continue
        shape, bases = parts[0].strip("<>"), [chr(int(b, 16)) for b in parts[1:]]
        if len(bases) == 1:
            forms.setdefault(bases[0], {})[shape] = chr(code)
        elif len(bases) == 2 and bases[0] == _LAM:
            lam_alef.setdefault(bases[1], {})[shape] = chr(code)
    return forms, lam_alef


def _shape_arabic(text: str) -> str:
    forms, lam_alef = _arabic_forms()

    def joins_next(c: str | None) -> bool:  # can connect to the letter after it
        return c == _TATWEEL or (
            c is not None and ("initial" in forms.get(c, {}) or "medial" in forms.get(c, {}))
        )

    def joins_previous(c: str | None) -> bool:  # can connect to the letter before it
        return c == _TATWEEL or (
            c is not None and ("final" in forms.get(c, {}) or "medial" in forms.get(c, {}))
        )

    # Marks (harakat) sit on a letter and do not break or make a join.
    letters = [i for i, c in enumerate(text) if unicodedata.category(c) != "Mn"]
    out = list(text)
    skip: set[int] = set()
    for k, i in enumerate(letters):
        if i in skip:
            continue
        c = text[i]
        prev = text[letters[k - 1]] if k > 0 else None
        following = text[letters[k + 1]] if k + 1 < len(letters) else None
        after_join = joins_previous(c) and joins_next(prev)
        if c == _LAM and following in lam_alef:
            ligature = lam_alef[following]
            out[i] = ligature.get("final" if after_join else "isolated", c)
            out[letters[k + 1]] = ""
            skip.add(letters[k + 1])
            continue
        shapes = forms.get(c)
        if not shapes:
            continue
        before_join = joins_next(c) and joins_previous(following)
        if after_join and before_join:
            wanted = "medial"
        elif after_join:
            wanted = "final"
        elif before_join:
            wanted = "initial"
        else:
            wanted = "isolated"
        out[i] = shapes.get(wanted) or shapes.get("isolated", c)
    return "".join(out)


def _strong(c: str) -> str:
    """ "R" for a right-to-left letter, "L" for a left-to-right one or a digit, "" for neutral."""
    kind = unicodedata.bidirectional(c)
    if kind in ("R", "AL"):
        return "R"
    if kind in ("L", "EN", "AN"):
        return "L"
    return ""


def _right_to_left(line: str) -> str:
    """One line with its Arabic shaped and each right-to-left run (with the neutrals inside it) reversed."""
    line = _shape_arabic(line)
    out: list[str] = []
    i, n = 0, len(line)
    while i < n:
        if _strong(line[i]) != "R":
            out.append(line[i])
            i += 1
            continue
        # The run goes on over neutrals, marks and numbers as long as another RTL letter follows.
        end = i + 1
        j = end
        while j < n:
            kind = _strong(line[j])
            if kind == "R":
                end = j + 1
            elif kind == "L" and unicodedata.bidirectional(line[j]) not in ("EN", "AN"):
                break
            j += 1
        out.append(_reverse_run(line[i:end]))
        i = end
    return "".join(out)


def _reverse_run(run: str) -> str:
    """A logical right-to-left run in visual order: characters reversed, digit groups kept as they are,
    a combining mark kept after its letter, brackets mirrored."""
    pieces = _RUN_PIECE.findall(run)
    glued: list[str] = []
    for piece in pieces:
        if glued and len(piece) == 1 and unicodedata.category(piece) == "Mn":
            glued[-1] += piece
        else:
            glued.append(_MIRROR.get(piece, piece))
    return "".join(reversed(glued))


# Which font of a chain draws each character: 0 for the primary, k for chain[k], -1 for none.
# Keyed by the chain's names; a packet has a few hundred distinct characters, looked up once each.
_CHOICES: dict[tuple[str, ...], dict[str, int]] = {}
_CMAPS: dict[tuple[str, ...], list[dict[int, int] | None]] = {}


def _chooser(fontset: FontSet) -> tuple[dict[str, int], list[dict[int, int] | None]]:
    chain = fontset.chain
    choices = _CHOICES.get(chain)
    cmaps = _CMAPS.get(chain)
    if choices is None or cmaps is None:
        cmaps = [_cmap(name) for name in chain]
        with _LOCK:
            choices = _CHOICES.setdefault(chain, {})
            _CMAPS.setdefault(chain, cmaps)
    return choices, cmaps


def _font_index(char: str, choices: dict[str, int], cmaps: list[dict[int, int] | None]) -> int:
    """The chain position of the first font that draws `char` (-1: none does)."""
    found = choices.get(char)
    if found is None:
        code = ord(char)
        found = -1
        for index, cmap in enumerate(cmaps):
            if cmap is None or code in cmap:  # a CID font (no cmap) is taken to draw everything
                found = index
                break
        choices[char] = found
    return found


def coverage_gaps(text: str, fontset: FontSet) -> set[str]:
    """Characters of `text` (in its printed NFC form) that no font of the chain can draw.

    Whitespace and invisible characters are ignored. A lone surrogate is reported as U+FFFD.
    With the non-embedded CID font nothing can be checked, so the result is empty (the font
    choice already carries a warning).
    """
    if _cmap(fontset.primary_name) is None:
        return set()
    choices, cmaps = _chooser(fontset)
    gaps: set[str] = set()
    for char in set(display_form(text)):
        if _ignorable(char):
            continue
        if unicodedata.category(char) == "Cs":
            gaps.add("\ufffd")
            continue
        if _font_index(char, choices, cmaps) < 0:
            gaps.add(char)
    return gaps


def markup_text(text: str, fontset: FontSet, *, newlines: bool = True) -> str:
    """Turn user text into safe ReportLab Paragraph markup.

    - Every character is XML-escaped: Paragraph markup such as ``<img src=...>`` reads local
      files, so no user text may reach a Paragraph unescaped.
    - The text is put in NFC (display_form), so decomposed accents print as one letter.
    - Each character is set in the first font of the chain that has it; runs the primary font lacks
      are wrapped in ``<font name="…">`` of the font that draws them.
    - A character that no font can draw becomes the placeholder ``[?]``, so it does not vanish;
      `coverage_gaps` reports it and the packet builder adds a warning naming it.
    - Line breaks become ``<br/>`` when `newlines` is true, otherwise spaces; tabs and other
      whitespace become spaces; control, format and variation-selector characters are dropped.
    """
    chain = fontset.chain
    choices, cmaps = _chooser(fontset)
    primary = cmaps[0]
    out: list[str] = []
    run: list[str] = []
    run_font = 0

    def flush() -> None:
        if run:
            out.append(f'<font name="{chain[run_font]}">{escape("".join(run))}</font>')
            run.clear()

    for char in display_form(text):
        if char == "\n":
            flush()
            out.append("<br/>" if newlines else " ")
            continue
        if char.isspace():
            flush()
            out.append(" " if primary is None or ord(char) not in primary else char)
            continue
        if _invisible(char):
            continue
        if unicodedata.category(char) == "Cs":
            flush()
            out.append(PLACEHOLDER)
            continue
        index = _font_index(char, choices, cmaps)
        if index == 0:
            flush()
            out.append(escape(char))
        elif index > 0:
            if index != run_font:
                flush()
                run_font = index
            run.append(char)
        else:
            flush()
            out.append(PLACEHOLDER)
    flush()
    return "".join(out)
