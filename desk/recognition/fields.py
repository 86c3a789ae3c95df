"""Values found in the lines of a picture: phone numbers and street addresses (with the boxes to black
out), weights with their labels, waybill and order numbers, money and times. Pure functions of the lines;
nothing here is stored.

Phone numbers are the text masker's (desk/privacy.py): the same numbers it masks in text are proposed for
redaction in pictures, and the box covers the same digits it hides (138****8000), so a picture and the
text beside it agree. A number already masked in the picture (138****1234) is not a phone number any more.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

# The masker's matcher, not its patterns copied: one definition of a phone number for text and pictures.
from desk.privacy import address_matches, phone_matches
from desk.recognition.types import Field, Line, Quad, Redaction

WEIGHT_LABELS = ("揽收", "计费", "上车", "下车")
KIND_WORDS = {
    "phone": "电话号码",
    "weight": "重量",
    "waybill": "运单号",
    "order": "订单号",
    "money": "金额",
    "time": "时间",
    "display": "秤显示",
}
# Below this a display reading is flagged unsure: the operator is asked, never handed a wrong number.
DISPLAY_UNSURE_BELOW = 0.8

# --- where a piece of a line is ---------------------------------------------------------------------


def _width(ch: str) -> float:
    """Relative advance of a character: a CJK glyph is about twice a digit or a Latin letter."""
    return 1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 0.55


def _lerp(a: tuple[float, float], b: tuple[float, float], t: float) -> tuple[float, float]:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)


def span_box(line: Line, start: int, end: int) -> Quad:
    """The part of the line's box that holds text[start:end], estimated from character widths: the engine
    gives one box per line, and a phone number is usually a piece of a longer line."""
    text = line.text
    if not text:
        return line.box
    start = max(0, min(start, len(text)))
    end = max(start, min(end, len(text)))
    widths = [_width(c) for c in text]
    total = sum(widths)
    t0 = sum(widths[:start]) / total
    t1 = sum(widths[:end]) / total
    tl, tr, br, bl = line.box
    return (_lerp(tl, tr, t0), _lerp(tl, tr, t1), _lerp(bl, br, t1), _lerp(bl, br, t0))


def _pad(box: Quad, line: Line, chars: float = 0.3) -> Quad:
    """Widen a box by a fraction of a character each side (estimated positions are never exact), within
    the line."""
    tl, tr, br, bl = box
    lt, rt, _, _ = line.box
    line_w = max(1e-6, abs(rt[0] - lt[0]))
    char_w = line_w / max(1.0, sum(_width(c) for c in line.text)) * 0.55
    dx = char_w * chars
    lo, hi = min(lt[0], line.box[3][0]), max(rt[0], line.box[2][0])

    def clamp(x: float) -> float:
        return max(lo, min(hi, x))

    return (
        (clamp(tl[0] - dx), tl[1]),
        (clamp(tr[0] + dx), tr[1]),
        (clamp(br[0] + dx), br[1]),
        (clamp(bl[0] - dx), bl[1]),
    )


# --- phone numbers ----------------------------------------------------------------------------------


def find_phones(lines: Sequence[Line]) -> list[Field]:
    """Every full phone number the masker would mask, with the box of the whole number."""
    out = []
    for i, line in enumerate(lines):
        folded, found = phone_matches(line.text)
        for m in found:
            shown = line.text[m.start : m.end]
            digits = "".join(c for c in folded[m.start : m.end] if c.isdigit())
            out.append(
                Field(
                    "phone",
                    digits,
                    shown,
                    _pad(span_box(line, m.start, m.end), line),
                    i,
                    confidence=line.confidence,
                )
            )
    return out


def _continues(prev: Line, row: Line, nxt: Line) -> str | None:
    """How `nxt` continues the text of `prev` (`row` is the first piece of prev's row): " " when it is the
    next piece of the same row (the engine cuts a row at a wide space), "" when it is the next row of the
    same paragraph (a chat bubble's text wraps at its edge: left edges aligned, rows closer together than
    a row is high; the next bubble is further down), None when it is other text."""
    py0, py1 = _y_range(prev.box)
    ny0, ny1 = _y_range(nxt.box)
    ph, nh = max(1.0, py1 - py0), max(1.0, ny1 - ny0)
    if not 0.7 <= nh / ph <= 1.4:
        return None
    h = (ph + nh) / 2
    _, px1 = _x_range(prev.box)
    nx0, _ = _x_range(nxt.box)
    if min(py1, ny1) - max(py0, ny0) >= 0.6 * min(ph, nh) and -0.3 * h <= nx0 - px1 <= 1.5 * h:
        return " "
    if -0.3 * h <= ny0 - py1 <= 0.8 * h and abs(nx0 - _x_range(row.box)[0]) <= 0.6 * h:
        return ""
    return None


def _paragraphs(lines: Sequence[Line]) -> list[tuple[str, list[tuple[int, int]]]]:
    """The lines in runs that continue one another, each as its joined text and (line index, where the
    line starts in it): an address wrapped over two rows of a bubble is one text to the matcher."""
    out: list[tuple[str, list[tuple[int, int]]]] = []
    text, row = "", 0
    parts: list[tuple[int, int]] = []
    for i, line in enumerate(lines):
        glue = _continues(lines[parts[-1][0]], lines[row], line) if parts else None
        if glue is None:
            if parts:
                out.append((text, parts))
            text, parts, row = "", [], i
        else:
            text += glue
            if glue == "":
                row = i
        parts.append((i, len(text)))
        text += line.text
    if parts:
        out.append((text, parts))
    return out


def propose_redactions(lines: Sequence[Line]) -> list[Redaction]:
    """Boxes over the digits the masker hides in text, one per phone number found, and over the part of
    a street address that finds the door (desk/privacy.py address_matches), one per address and line it
    is on: an address wrapped over two rows of a chat bubble is read as one text and gets a box on each."""
    out = []
    for i, line in enumerate(lines):
        _, found = phone_matches(line.text)
        for m in found:
            box = _pad(span_box(line, *m.hide), line)
            out.append(Redaction(box, f"电话号码 {m.masked}", i))
    for text, parts in _paragraphs(lines):
        for a in address_matches(text):
            start, end = a.hide
            hidden = text[start:end]
            # Named by what stays readable and what is hidden, shortened: the operator recognises it in the
            # viewer, and a box they remove is remembered by this text.
            shown = text[a.start : start] + hidden[:2] + "…" + hidden[-1:]
            for i, at in parts:
                line = lines[i]
                s, e = max(start, at) - at, min(end, at + len(line.text)) - at
                if e > s and line.text[s:e].strip():
                    out.append(Redaction(_pad(span_box(line, s, e), line), f"地址 {shown}", i))
    return sorted(out, key=lambda r: r.line)  # stable: a line's phone numbers, then its addresses


# --- weights ----------------------------------------------------------------------------------------

_NUMBER = r"[0-9]+(?:[.．][0-9]+)?"
_UNIT = r"(?P<unit>kg|KG|Kg|公斤|千克|g|G|克)"
# 揽收称重 1.25kg / 计费重量：1.3 kg / 上车扫描，发往…，称重 1.24kg: a label, then within the line a weight.
_INLINE_WEIGHT = re.compile(
    r"(?P<label>揽收|计费|上车|下车)[^0-9]{0,24}?(?P<num>" + _NUMBER + r")\s*" + _UNIT + r"(?![A-Za-z])"
)
_PLAIN_NUMBER = re.compile(r"^\s*(?P<num>" + _NUMBER + r")\s*" + _UNIT + r"?\s*$")
_HEADER_UNIT = re.compile(r"[（(]\s*(kg|KG|公斤|千克|g|克)\s*[)）]")


def _unit(raw: str | None) -> str:
    if not raw:
        return "kg"
    return "g" if raw in ("g", "G", "克") else "kg"


def _decimal(raw: str) -> str | None:
    try:
        d = Decimal(raw.replace("．", "."))
    except InvalidOperation:
        return None
    return f"{d:f}"


def _x_range(box: Quad) -> tuple[float, float]:
    xs = [p[0] for p in box]
    return min(xs), max(xs)


def _y_range(box: Quad) -> tuple[float, float]:
    ys = [p[1] for p in box]
    return min(ys), max(ys)


def find_weights(lines: Sequence[Line]) -> list[Field]:
    """Weights with their label: written in a line (揽收称重 1.25kg) or in a table, where the label is a
    column header (揽收重量(kg)) and the value the number below it in that column."""
    out: list[Field] = []
    for i, line in enumerate(lines):
        for m in _INLINE_WEIGHT.finditer(line.text):
            value = _decimal(m["num"])
            if value is None:
                continue
            out.append(
                Field(
                    "weight",
                    value,
                    line.text[m.start("num") : m.end()],
                    span_box(line, m.start("num"), m.end()),
                    i,
                    label=m["label"],
                    unit=_unit(m["unit"]),
                    confidence=line.confidence,
                )
            )
    for i, header in enumerate(lines):
        text = header.text.strip()
        label = next((lb for lb in WEIGHT_LABELS if text.startswith(lb)), None)
        if label is None or "重" not in text or _INLINE_WEIGHT.search(text):
            continue
        unit_m = _HEADER_UNIT.search(text)
        hx0, hx1 = _x_range(header.box)
        _, hy1 = _y_range(header.box)
        height = max(1.0, hy1 - _y_range(header.box)[0])
        best: tuple[float, int, re.Match[str]] | None = None
        for j, cell in enumerate(lines):
            if j == i:
                continue
            number = _PLAIN_NUMBER.match(cell.text)
            if number is None:
                continue
            cx0, cx1 = _x_range(cell.box)
            cy0, _ = _y_range(cell.box)
            below = cy0 - hy1
            overlap = min(hx1, cx1) - max(hx0, cx0)
            if below < -height / 2 or below > height * 4 or overlap <= 0:
                continue
            if best is None or below < best[0]:
                best = (below, j, number)
        if best is None:
            continue
        _, j, m = best
        value = _decimal(m["num"])
        if value is None:
            continue
        cell = lines[j]
        out.append(
            Field(
                "weight",
                value,
                cell.text.strip(),
                cell.box,
                j,
                label=label,
                unit=_unit(m["unit"] or (unit_m.group(1) if unit_m else None)),
                confidence=cell.confidence,
            )
        )
    return out


# --- waybills, orders, money, times -----------------------------------------------------------------

# Couriers' waybills: capitals then digits (SF…, YT…, JT…, JDVA…, DD…), or 12–15 digits beside a waybill word.
_CODE_WAYBILL = re.compile(r"(?<![A-Za-z0-9])(?P<code>[A-Z]{2,4}[0-9]{10,16})(?![A-Za-z0-9])")
_DIGIT_WAYBILL = re.compile(r"(?<![A-Za-z0-9.])(?P<code>[0-9]{12,15})(?![A-Za-z0-9.])")
_WAYBILL_WORDS = ("运单", "快递单", "物流单", "快递号", "退货单号")
_ORDER = re.compile(
    r"(?P<label>售后单号|售后编号|退款编号|订单编号|订单号)[^0-9A-Za-z]{0,4}(?P<code>[0-9][0-9\-]{9,30}[0-9])"
)
_MONEY = re.compile(
    r"(?:[¥￥]\s*(?P<a>[0-9][0-9,]*(?:\.[0-9]{1,2})?))|(?:(?P<b>[0-9][0-9,]*(?:\.[0-9]{1,2})?)\s*元)"
)
# Dates and times; the engine often drops the space between them (2026-11-2414:35:08).
_TIME = re.compile(
    r"(?<![0-9])(?P<y>20[0-9]{2})[-/.年](?P<mo>[01]?[0-9])[-/.月](?P<d>[0-3]?[0-9])日?\s*"
    r"(?:(?P<h>[0-2][0-9])[:：](?P<mi>[0-5][0-9])(?:[:：](?P<s>[0-5][0-9]))?)?(?![0-9])"
)


def find_waybills(lines: Sequence[Line]) -> list[Field]:
    out = []
    for i, line in enumerate(lines):
        seen: set[tuple[int, int]] = set()
        for m in _CODE_WAYBILL.finditer(line.text):
            seen.add(m.span("code"))
            out.append(
                Field(
                    "waybill",
                    m["code"],
                    m["code"],
                    span_box(line, *m.span("code")),
                    i,
                    confidence=line.confidence,
                )
            )
        if any(w in line.text for w in _WAYBILL_WORDS):
            for m in _DIGIT_WAYBILL.finditer(line.text):
                if m.span("code") not in seen:
                    out.append(
                        Field(
                            "waybill",
                            m["code"],
                            m["code"],
                            span_box(line, *m.span("code")),
                            i,
                            confidence=line.confidence,
                        )
                    )
    return out


def find_orders(lines: Sequence[Line]) -> list[Field]:
    out = []
    for i, line in enumerate(lines):
        for m in _ORDER.finditer(line.text):
            label = "售后单" if m["label"].startswith(("售后", "退款")) else "订单"
            out.append(
                Field(
                    "order",
                    m["code"],
                    m["code"],
                    span_box(line, *m.span("code")),
                    i,
                    label=label,
                    confidence=line.confidence,
                )
            )
    return out


def find_money(lines: Sequence[Line]) -> list[Field]:
    out = []
    for i, line in enumerate(lines):
        for m in _MONEY.finditer(line.text):
            raw = (m["a"] or m["b"]).replace(",", "")
            value = _decimal(raw)
            if value is None:
                continue
            out.append(
                Field(
                    "money", value, m[0], span_box(line, *m.span()), i, unit="元", confidence=line.confidence
                )
            )
    return out


def find_times(lines: Sequence[Line]) -> list[Field]:
    out = []
    for i, line in enumerate(lines):
        for m in _TIME.finditer(line.text):
            mo, d = int(m["mo"]), int(m["d"])
            if not (1 <= mo <= 12 and 1 <= d <= 31):
                continue
            value = f"{m['y']}-{mo:02d}-{d:02d}"
            if m["h"] is not None:
                if int(m["h"]) > 23:
                    continue
                value += f"T{m['h']}:{m['mi']}:{m['s'] or '00'}"
            out.append(Field("time", value, m[0], span_box(line, *m.span()), i, confidence=line.confidence))
    return out


_DISPLAY = re.compile(r"^[0-9]+\.[0-9]{1,3}$|^[0-9]{1,5}$")


def find_displays(lines: Sequence[Line]) -> list[Field]:
    """The number a scale display shows (its line was re-read from the segments in the worker): digits
    with the decimal point, in kg, flagged unsure when the segments matched poorly."""
    out = []
    heights = [_y_range(line.box)[1] - _y_range(line.box)[0] for line in lines]
    for i, line in enumerate(lines):
        text = line.text.strip()
        others = sorted(h for j, h in enumerate(heights) if j != i)
        # A display's digits dwarf every other text in the photo; a number in a page or a chat does not.
        if not _DISPLAY.match(text) or (others and heights[i] < 2 * others[len(others) // 2]):
            continue
        value = _decimal(text)
        if value is None:
            continue
        out.append(
            Field(
                "display",
                value,
                text,
                line.box,
                i,
                unit="kg",
                confidence=line.confidence,
                unsure=line.confidence < DISPLAY_UNSURE_BELOW,
            )
        )
    return out


def find_fields(lines: Sequence[Line]) -> list[Field]:
    """Every field, in a stable order: by kind, then as they appear."""
    return [
        *find_phones(lines),
        *find_weights(lines),
        *find_waybills(lines),
        *find_orders(lines),
        *find_money(lines),
        *find_times(lines),
        *find_displays(lines),
    ]
