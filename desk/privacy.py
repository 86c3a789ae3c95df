"""Masking of phone numbers in any text that leaves the desk (138****8000, 010-****9988).

What counts as a phone number (docs/packets.md, "电话号码遮盖", explains the choices and the measurements):

- mainland mobiles 1[3-9]x xxxx xxxx, typed with or without spaces, dashes or dots, with +86 / 0086 /
  (+86) in front, and glued to words on either side (电话13800138000, tel13800138000);
- mainland landlines with their area code: 010-65529988, (010) 6552 9988, （0755）8601-3388,
  +86 10 6552 9988;
- North American numbers: +1 (415) 555-0132, (415) 555-0132, 415-555-0132, 415.555.0132;
- other numbers written with a country code (+852 9123 4567, +44 20 7946 0958), recognised by the
  `phonenumbers` library (Google's libphonenumber metadata), because their national formats are too many
  for patterns of our own.

Everything else with digits stays readable, because an appeal is worthless when the platform cannot look
up what it cites: order numbers (231204-123456789012345, long 淘宝 numbers), waybills (SF1234567890123,
YT…, JT…, 75…), 售后单号, amounts, weights, dates and times, SHA-256 values and merchant codes.
Hence the rules: a number that continues with more digits is part of that longer number; a number inside
a code that has other digits (a hash, a merchant code) is part of that code; capitals glued to the
digits (SF13812345678, GC19174126067) make a waybill or merchant code, unless they spell TEL, PHONE …;
lower-case a–f glued to the digits make a piece of a SHA-256 value.

Matching runs on a folded copy of the text (full-width and other digit forms as ASCII digits, full-width
＋－．（） and unusual spaces and dashes as their plain forms), one character for one, so positions in
the copy are positions in the original.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any, NamedTuple

# -- folding ---------------------------------------------------------------------------------------

_PLAIN = {
    "＋": "+",
    "－": "-",
    "﹣": "-",
    "‐": "-",
    "‑": "-",
    "‒": "-",
    "–": "-",
    "—": "-",
    "．": ".",
    "（": "(",
    "）": ")",
    "：": ":",
}
# Spaces of every width, and the invisible characters pasted text carries between digits.
_SPACES = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
_INVISIBLE = (
    "\u200b\u200c\u200d\u2060\ufeff\u00ad"
    # direction marks, embeddings, overrides and isolates: invisible, and the digits still show
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    if ch < "\u0080":
        return ch
    if ch in _PLAIN:
        return _PLAIN[ch]
    if ch in _SPACES or ch in _INVISIBLE:
        return " "
    digit = unicodedata.decimal(ch, None)  # full-width, Arabic-Indic, mathematical … digits
    return str(digit) if digit is not None else ch


def _fold(text: str) -> str:
    # One character for one, so match positions in the folded text are positions in the original.
    if text.isascii():
        return text
    return "".join(_fold_char(c) for c in text)


# -- patterns (on folded text) ---------------------------------------------------------------------

# Between digit groups: nothing, one or two spaces, or a dash or dot with an optional space either side.
_SEP = r"(?: ?[\-.] ?| {1,2})?"
# Numbers continue through a decimal point or a thousands comma: 13800138000.00 is an amount.
_NOT_BEFORE = r"(?<![0-9])(?<![0-9][.,])"
_NOT_AFTER = r"(?![0-9])(?![.,][0-9])"

_MOBILE = re.compile(
    _NOT_BEFORE
    + r"(?P<cc>(?:\+|00) ?86"
    + _SEP
    + r"|\( ?\+?86 ?\) ?)?"
    + r"(?P<head>1[3-9][0-9])"
    + _SEP
    + r"(?P<hide>[0-9]{4})"
    + _SEP
    + r"(?P<tail>[0-9]{4})"
    + _NOT_AFTER
)

# Area codes: 010, 020-029, and 0 + three digits (0755, 0571 …); 01x other than 010 does not exist.
_AREA = r"(?:10|2[0-9]|[3-9][0-9]{2})"
_LANDLINE = re.compile(
    r"(?<![0-9\-])(?<![0-9][.,])"
    + r"(?:(?P<cc>(?:\+|00) ?86"
    + _SEP
    + r"|\( ?\+?86 ?\) ?)(?P<iarea>\(0?"
    + _AREA
    + r"\)|0?"
    + _AREA
    + r")|(?P<area>\(0"
    + _AREA
    + r"\)|0"
    + _AREA
    + r"))"
    + _SEP
    + r"(?P<hide>[1-9][0-9]{2,3})"
    + _SEP
    + r"(?P<tail>[0-9]{4})"
    + _NOT_AFTER
)

# North American numbers: area code and exchange never start with 0 or 1.
_NANP = re.compile(
    _NOT_BEFORE
    + r"(?P<cc>\+ ?1 ?[\-.]? ?|1[\-.])?"
    + r"(?:\( ?(?P<parea>[2-9][0-9]{2}) ?\) ?[\-.]? ?|(?P<area>[2-9][0-9]{2})(?P<s1>[ \-.]?))"
    + r"(?P<hide>[2-9][0-9]{2})(?P<s2>[ \-.]?)"
    + r"(?P<tail>[0-9]{4})"
    + _NOT_AFTER
)

# Capital letters glued to digits are how codes are written (SF1234567890123, JDVA…, GC19174126067);
# these words in capitals are still labels of a phone number (TEL13800138000).
PHONE_WORDS = frozenset(
    ["TEL", "PHONE", "MOBILE", "MOB", "CELL", "CALL", "FAX", "WECHAT", "WX", "VX", "WHATSAPP", "CONTACT"]
)
_HEX_LETTERS = frozenset("abcdef")


class PhoneMatch(NamedTuple):
    start: int
    end: int
    hide: tuple[int, int]  # the digits the mask hides (for painting them black on a picture)
    masked: str


def _word(c: str) -> bool:
    return c.isascii() and c.isalnum()


def _token_bounds(folded: str, start: int, end: int) -> tuple[int, int]:
    """The run of ASCII letters and digits glued to [start, end): the "word" the number sits in.

    A match that begins with "+" or "(" (or ends with ")") is not glued to what stands there.
    """
    i = start
    if _word(folded[start]):
        while i > 0 and _word(folded[i - 1]):
            i -= 1
    j = end
    if _word(folded[end - 1]):
        while j < len(folded) and _word(folded[j]):
            j += 1
    return i, j


def _part_of_code(folded: str, start: int, end: int) -> bool:
    """True when the digits belong to a longer code: a hash, a merchant code, a waybill (SF1381…)."""
    i, j = _token_bounds(folded, start, end)
    before, after = folded[i:start], folded[end:j]
    if any(c.isdigit() for c in before + after):
        return True
    if any(part and set(part) <= _HEX_LETTERS for part in (before, after)):
        return True  # a piece of a SHA-256 value (…a15735329947…), which packets show
    return before.isupper() and before not in PHONE_WORDS


def _regex_matches(folded: str) -> list[PhoneMatch]:
    found: list[PhoneMatch] = []
    for m in _MOBILE.finditer(folded):
        if _part_of_code(folded, m.start(), m.end()):
            continue
        found.append(PhoneMatch(m.start(), m.end(), m.span("hide"), f"{m['head']}****{m['tail']}"))
    for m in _LANDLINE.finditer(folded):
        if _part_of_code(folded, m.start(), m.end()):
            continue
        area = (m["iarea"] or m["area"]).strip("()")
        area = area if area.startswith("0") else "0" + area
        found.append(PhoneMatch(m.start(), m.end(), m.span("hide"), f"{area}-****{m['tail']}"))
    for m in _NANP.finditer(folded):
        # Bare 415-555-0132 needs the same separator twice: 300 400 1200 is a list of sizes.
        bare = not m["cc"] and not m["parea"]
        if bare and (not m["s1"] or m["s1"] != m["s2"] or m["s1"] == " "):
            continue
        if _part_of_code(folded, m.start(), m.end()):
            continue
        cc = "+1 " if m["cc"] else ""
        found.append(
            PhoneMatch(m.start(), m.end(), m.span("hide"), f"{cc}{m['parea'] or m['area']}****{m['tail']}")
        )
    return found


# -- numbers written with a country code (libphonenumber) ----------------------------------------

# "+" or "00", a country code, then digits and the separators numbers are written with. With "00" the
# digits must be grouped, and not continue a code: 0012345678901 or 220508-0043137… are no phones.
_INTERNATIONAL = re.compile(
    r"(?:\+ ?|(?<![0-9])(?<![0-9][\-.])00(?=[0-9]*[ \-.()][0-9(]))[1-9][0-9 \-.()]*[0-9]"
)
_GROUP_END = re.compile(r"[0-9](?![0-9])")


def _library_matches(folded: str) -> list[PhoneMatch]:
    found: list[PhoneMatch] = []
    for cand in _INTERNATIONAL.finditer(folded):
        start = cand.start()
        # The longest valid number from here: a candidate may run on into a date or an extension
        # (+852 9123 4567 2026-12-04, +44 121 234 5678-8001), which the library alone refuses whole.
        for end in sorted((m.end() for m in _GROUP_END.finditer(folded, start, cand.end())), reverse=True):
            number = _valid_number(folded[start:end])
            if number is None:
                continue
            if _part_of_code(folded, start, end):
                break
            digit_at = [i for i in range(start, end) if folded[i].isdigit()]
            cc = str(number.country_code)
            skip = len(cc) + (2 if folded.startswith("00", start) else 0)
            if len(digit_at) < skip + 5:
                break
            hide = (digit_at[skip], digit_at[-4])
            tail = "".join(folded[i] for i in digit_at[-4:])
            found.append(PhoneMatch(start, end, hide, f"+{cc} ****{tail}"))
            break
    return found


def _valid_number(text: str) -> Any:
    digits = sum(c.isdigit() for c in text)
    if digits < 8 or digits > 17:
        return None
    import phonenumbers

    raw = "+" + text[2:] if text.startswith("00") else text
    try:
        number = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def phone_matches(text: str) -> tuple[str, list[PhoneMatch]]:
    """The text as the masker reads it (full-width folded) and every phone number in it, by position: the one
    definition of a phone number, for masking text and for finding numbers in a picture's text."""
    folded = _fold(text)
    if sum(c.isdigit() for c in folded) < 7:
        return folded, []  # no phone number has fewer digits: the common case, answered at once
    found = _regex_matches(folded) + _library_matches(folded)
    # Overlaps: the earliest wins, then the longest (+86 10 6552 9988 over 10 6552 9988).
    found.sort(key=lambda x: (x.start, -x.end))
    kept: list[PhoneMatch] = []
    for x in found:
        if kept and x.start < kept[-1].end:
            continue
        kept.append(x)
    return folded, kept


def mask_phones(text: str) -> str:
    """Replace phone numbers with 138****8000 / 010-****5678 / 415****0132; leave every other number alone."""
    if not text:
        return text
    _, found = phone_matches(text)
    if not found:
        return text
    out: list[str] = []
    last = 0
    for x in found:
        out.append(text[last : x.start])
        out.append(x.masked)
        last = x.end
    out.append(text[last:])
    return "".join(out)


def phone_digit_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of the digits `mask_phones` would hide in `text`, for masking a picture of it."""
    if not text:
        return []
    _, found = phone_matches(text)
    return sorted({x.hide for x in found})


# -- street addresses in pictures --------------------------------------------------------------------
# A buyer's address in a chat screenshot or on a label is personal data like their number. In a picture
# the desk proposes a black box over the part that finds the door (street and number, building, unit,
# room), leaving the region readable (浙江省杭州市西湖区 says nothing about a person and helps the
# reviewer). A text needs more than a place name to count: a street with a house number, or a housing
# estate / village with a building or room number, or a labelled value (收货地址：…).


class AddressMatch(NamedTuple):
    start: int  # the whole address, region included
    end: int
    hide: tuple[int, int]  # the part that finds the door


_HAN = r"[\u4e00-\u9fff]"
_NUMERAL = r"[0-9０-９一二三四五六七八九十百零〇]+"
_REGION = (
    rf"(?:{_HAN}{{2,9}}?(?:省|自治区|特别行政区))?"
    rf"(?:{_HAN}{{1,9}}?(?:市|自治州|地区|盟))?"
    rf"(?:{_HAN}{{1,9}}?(?:区|县|旗|市))?"
    rf"(?:{_HAN}{{1,9}}?(?:镇|乡|街道))?"
)
# Buyers type spaces between the parts (文三路 128 号 3 幢 502 室), and the engine reads some of them.
_S = r"[ \u3000]?"
# Building, unit, floor, room … after the house: what is left of the address on that line.
_REST = (
    rf"(?:{_S}[-—－#＃]?{_S}{_NUMERAL}{_S}(?:号楼|栋|幢|座|单元|层|楼|室|号|组|户)|{_S}[A-Za-z]座"
    rf"|{_S}{_HAN}{{1,6}}(?:小区|花园|公寓|大厦|广场|中心|苑|园|府|城))*"
)
# Bare numbers to end with: a room (…2单元501), or building-unit-room written with dashes (128号3-2-502);
# not a count or an amount that follows the address (128号 3件). (The groups of a phone number written
# right after it with spaces may go with it: they are hidden anyway.)
_TAIL = (
    rf"(?:(?:{_S}[-—－]{_S}|{_S})[0-9]{{1,5}}(?![0-9])"
    rf"(?!{_S}(?:件|个|元|块|天|斤|箱|包|次|点|小时|分钟|米|公斤|kg|KG))){{0,3}}"
)
_ADDRESS = re.compile(
    rf"(?P<region>{_REGION})(?P<door>"
    # a street and its house number
    rf"(?:{_HAN}|[0-9A-Za-z]){{1,12}}?(?:路|街|大道|大街|巷|弄|胡同|(?<![知味])道)(?:[东西南北中]{{1,2}}段?|{_HAN}{{1,2}}段)?"
    rf"{_S}{_NUMERAL}{_S}(?:号|弄)(?:院)?{_REST}{_TAIL}"
    # or a housing estate, village or building with a number inside it
    rf"|{_HAN}{{1,10}}?(?:小区|花园|公寓|大厦|新村|村|苑|园|社区){_S}{_NUMERAL}{_S}"
    rf"(?:号楼|栋|幢|座|单元|室|组|号){_REST}{_TAIL}"
    ")"
)
_LABELLED = re.compile(
    r"(?:收货地址|收件地址|收货人地址|寄件地址|退货地址|详细地址|地址)\s*[:：]\s*(?P<value>\S.*)"
)


def address_matches(text: str) -> list[AddressMatch]:
    """Street addresses in a text, each with the part to hide; empty for anything else (a city, a
    transit hub, a courier's scan line)."""
    if not text:
        return []
    out: list[AddressMatch] = []
    for m in _ADDRESS.finditer(text):
        out.append(AddressMatch(m.start(), m.end(), (m.start("door"), m.end("door"))))
    labelled = _LABELLED.search(text)
    if labelled is not None:
        start, end = labelled.start("value"), len(text.rstrip())
        inside = [a for a in out if a.start >= start]
        if not inside and end > start:
            # A labelled value the patterns do not read as a street: hide what follows the label, except a
            # leading region, which stays readable as above.
            region = re.match(_REGION, text[start:end])
            cut = start + (region.end() if region is not None else 0)
            if cut < end:
                out.append(AddressMatch(start, end, (cut, end)))
    return sorted(out)
