"""CJK line wrapping that never breaks an order number, tracking number or time in the middle.

ReportLab's CJK wrapping (`wordWrap="CJK"`) may break a line between any two characters. Inside a
run of Latin letters and digits it looks back for a better place only as far as half the line, so
"订单号261120-583920174650321" is often printed as "261120-58" + "3920174650321" — a number an
operator or a platform reviewer would then copy wrongly. `CJKParagraph` wraps like ReportLab,
except that a run of letters, digits and the characters that join them (- _ . / * : # and the like)
moves to the next line as a whole, unless the run alone is longer than a line.
"""

from __future__ import annotations

import re
from typing import Any

from reportlab.lib.textsplit import ALL_CANNOT_START
from reportlab.platypus.paragraph import (
    Paragraph,
    ParaLines,
    _handleBulletWidth,
    cjkU,
    makeCJKParaLine,
)

# A run that must stay on one line: 261120-583920174650321, YT7512049386021, 138****5678, 14:27, ¥29.90.
_KEEP = re.compile(r"[0-9A-Za-z¥$%#@&+\-_./*:~]+")
_FUZZ = 1e-6
# ReportLab's list of characters that may not start a line is Japanese: it lacks the full-width comma,
# semicolon, colon, question and exclamation marks and the closing quotes and title marks of Chinese.
_CANNOT_START = ALL_CANNOT_START + "，；：？！》〉”’…"
_OBJECT = "\ufffc"  # stands for an inline object (no text) in the run search
# Width of a character in a font and size; ReportLab measures every character of every paragraph
# each time it is wrapped (tables wrap their cells more than once), in Python.
_WIDTHS: dict[tuple[str, str, float], float] = {}


def _unit(t: str, frag: Any, encoding: str) -> Any:
    """ReportLab's per-character unit (`cjkU`), with its width measured once per character and font."""
    if hasattr(frag, "cbDefn"):
        return cjkU(t, frag, encoding)
    key = (t, frag.fontName, frag.fontSize)
    width = _WIDTHS.get(key)
    if width is None:
        unit = cjkU(t, frag, encoding)
        _WIDTHS[key] = unit._width
        return unit
    unit = str.__new__(cjkU, t)
    unit._frag = frag
    unit._width = width
    return unit


def _runs(units: list[Any]) -> list[int]:
    """For each unit, the index where the unbreakable run it belongs to starts (itself if none)."""
    text = "".join(u if len(u) == 1 else _OBJECT for u in units)
    starts = list(range(len(units)))
    for m in _KEEP.finditer(text):
        if m.end() - m.start() > 1:
            for k in range(m.start() + 1, m.end()):
                starts[k] = m.start()
    return starts


def cjk_split(frags: list[Any], max_widths: list[float], calc_bounds: bool, encoding: str = "utf8") -> Any:
    """ReportLab's `cjkFragSplit`, keeping runs of `_KEEP` characters together (see the module doc)."""
    units: list[Any] = []
    for f in frags:
        text = f.text
        if isinstance(text, bytes):
            text = text.decode(encoding)
        if text:
            units.extend(_unit(t, f, encoding) for t in text)
        else:
            units.append(cjkU(text, f, encoding))
    starts = _runs(units)
    lines: list[Any] = []
    i = width_used = line_start = 0
    max_width = max_widths[0]
    n = len(units)
    while i < n:
        u = units[i]
        i += 1
        w = u.width
        if hasattr(w, "normalizedValue"):
            w._normalizer = max_width
            w = w.normalizedValue(max_width)
        width_used += w
        line_break = hasattr(u.frag, "lineBreak")
        if not ((width_used > max_width + _FUZZ and width_used > 0) or line_break):
            continue
        extra = max_width - width_used
        if not line_break:
            run_start = starts[i - 1]
            if line_start < run_start < i - 1:
                # The overflowing character is inside a run that began on this line: the whole run
                # moves down. (A run that starts the line is longer than a line: it has to break.)
                extra += sum(_width(x, max_width) for x in units[run_start:i])
                width_used -= sum(_width(x, max_width) for x in units[run_start:i])
                i = run_start
            elif u not in _CANNOT_START and i > line_start + 1:
                # Push the character to the next line, unless it may not start one (。，、）…): then it
                # hangs in the margin, as ReportLab does.
                i -= 1
                extra += w
                width_used -= w
        lines.append(
            makeCJKParaLine(units[line_start:i], max_width, width_used, extra, line_break, calc_bounds)
        )
        try:
            max_width = max_widths[len(lines)]
        except IndexError:
            max_width = max_widths[-1]
        line_start = i
        width_used = 0
    if width_used > 0:
        lines.append(
            makeCJKParaLine(
                units[line_start:], max_width, width_used, max_width - width_used, False, calc_bounds
            )
        )
    return ParaLines(kind=1, lines=lines)


def _width(u: Any, max_width: float) -> float:
    w = u.width
    if hasattr(w, "normalizedValue"):
        w._normalizer = max_width
        return float(w.normalizedValue(max_width))
    return float(w)


class CJKParagraph(Paragraph):  # type: ignore[misc,unused-ignore]
    """A Paragraph whose CJK wrapping keeps numbers and codes whole (see the module doc)."""

    def breakLinesCJK(self, maxWidths: Any) -> Any:
        if not isinstance(maxWidths, list | tuple):
            maxWidths = [maxWidths]
        style = self.style
        self.height = 0
        _handleBulletWidth(self.bulletText, style, maxWidths)
        frags = self.frags
        if not frags:
            return ParaLines(
                kind=0,
                fontSize=style.fontSize,
                fontName=style.fontName,
                textColor=style.textColor,
                lines=[],
                ascent=style.fontSize,
                descent=-0.2 * style.fontSize,
            )
        if hasattr(self, "blPara") and getattr(self, "_splitpara", False):
            return self.blPara
        auto_leading = getattr(self, "autoLeading", getattr(style, "autoLeading", ""))
        return cjk_split(frags, list(maxWidths), auto_leading not in ("", "off"))
