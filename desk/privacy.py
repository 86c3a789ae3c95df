"""Masking of buyer phone numbers in any text that leaves the desk (138****8000)."""

from __future__ import annotations

import re
import unicodedata

# A mainland mobile number, allowing the separators and prefixes people type: spaces, dashes,
# dots, "+86" / "0086", full-width digits (folded by NFKC first). Digits directly before or after
# mean it is part of a longer number (an order or tracking no.), which must stay readable.
_SEP = r"[ \-.\u00a0\u200b]?"
_MOBILE = re.compile(
    r"(?<![0-9A-Za-z])(?:(?:\+|00)86"
    + _SEP
    + r")?(1[3-9]\d)"
    + _SEP
    + r"(\d{4})"
    + _SEP
    + r"(\d{4})(?![0-9])"
)
_LANDLINE = re.compile(r"(?<![0-9A-Za-z-])(0\d{2,3})[ \-](\d{3,4})[ \-]?(\d{4})(?![0-9])")


_FULLWIDTH = "０１２３４５６７８９＋－．"


def _fold(text: str) -> str:
    # One character for one, so match positions in the folded text are positions in the original.
    return "".join(unicodedata.normalize("NFKC", c) if c in _FULLWIDTH else c for c in text)


def _sub(pattern: re.Pattern[str], text: str, mask: str) -> str:
    folded = _fold(text)
    out: list[str] = []
    last = 0
    for m in pattern.finditer(folded):
        out.append(text[last : m.start()])
        out.append(mask.format(*m.groups()))
        last = m.end()
    out.append(text[last:])
    return "".join(out)


def mask_phones(text: str) -> str:
    """Replace phone numbers with 138****8000 / 010-****5678; leave every other number alone."""
    if not text:
        return text
    return _sub(_LANDLINE, _sub(_MOBILE, text, "{0}****{2}"), "{0}-****{2}")


def phone_digit_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of the digits `mask_phones` would hide in `text`, for masking a picture of it."""
    if not text:
        return []
    folded = _fold(text)
    spans = [m.span(2) for pattern in (_MOBILE, _LANDLINE) for m in pattern.finditer(folded)]
    return sorted(set(spans))
