"""What a picture probably is, from the text read in it: a courier's intranet page, a chat screenshot or a
photo of the warehouse scale. A pure function of the reading, shared by the gallery (right after a paste)
and the reading at import; the guess is only a suggestion, the operator confirms or changes it.

Why from the text and not from the pixels: the desk already reads the text, and the words decide it
better than colours would (a courier page names its weights 揽收 / 计费 and shows a waybill; a chat has
the buyer's words and the chat app's 已读 / 发送; a scale photo has next to no text at all).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from desk.domain import EvidenceKind
from desk.recognition.fields import find_fields
from desk.recognition.types import Field, Line

# Words a chat app shows around the messages, and words buyers and shops write in them.
CHAT_WORDS = ("已读", "未读", "发送", "快捷短语", "亲", "你好", "您好", "客服", "买家", "联系我", "查看订单")
COURIER_WORDS = ("运单", "揽收", "计费重量", "网点", "称重", "扫描")
# What a platform scale shows around its display (its name, its keys, its state).
SCALE_WORDS = ("净重", "毛重", "皮重", "去皮", "置零", "零位", "计重秤", "电子秤", "称重")
PHOTO_MAX_LINES = 6  # a close-up of a scale's display reads as a few short lines
# A scale's display: a number alone on its line, with a decimal point or a unit (a bare integer could be
# anything on a label).
_DISPLAY = re.compile(r"^\s*(\d{1,3}(?:\.\d{1,3})|\d{1,6}\s*(?:kg|g)|\d{1,3}\.\d{1,3}\s*(?:kg|g))\s*$", re.I)


def guess_kind(
    lines: Sequence[Line],
    width: int,
    height: int,
    *,
    fields: Sequence[Field] | None = None,
    has_warehouse_weight: bool = False,
) -> EvidenceKind | None:
    """The kind a picture probably is, or None when the text does not say.

    - a courier page: weights with their labels (揽收, 计费, 上车, 下车) beside a waybill number, or the
      page's own words (运单, 网点, 称重) with a labelled weight → 快递内网重量图;
    - a chat: the chat app's words (已读, 发送) or the buyer's (你好, 亲) in several lines, most of all on a
      tall phone-shaped picture → 聊天截图;
    - a photo of a scale (its words: 净重, 去皮, 电子秤; or a few short lines with a weight alone on one,
      its display) → 仓库称重图, when the case has no warehouse weighing yet (a second one is more likely a
      复称 the operator names).

    A picture with no text at all gets no guess: a blank or drawn screenshot says nothing about itself.
    """
    found = list(fields) if fields is not None else find_fields(lines)
    text = "".join(line.text for line in lines)
    labelled = [f for f in found if f.kind == "weight" and f.label]
    waybills = [f for f in found if f.kind == "waybill"]
    if labelled and (waybills or any(word in text for word in COURIER_WORDS)):
        return EvidenceKind.COURIER_WEIGHT
    chat_hits = sum(1 for word in CHAT_WORDS if word in text)
    tall = height > width * 1.4
    if chat_hits >= 2 or (chat_hits >= 1 and tall and len(lines) > PHOTO_MAX_LINES):
        return EvidenceKind.CHAT
    scale = any(word in text for word in SCALE_WORDS) or (
        len(lines) <= PHOTO_MAX_LINES and _display_grams(lines) is not None
    )
    if scale and not has_warehouse_weight:
        return EvidenceKind.WAREHOUSE_WEIGHT
    return None


def suggested_weight(
    lines: Sequence[Line], kind: EvidenceKind, *, fields: Sequence[Field] | None = None
) -> int | None:
    """Grams of the weight a picture of this kind shows, or None: for a courier page the 揽收 weight (the one
    a goods appeal compares with the warehouse's), else its first labelled weight; for a scale photo the one
    weight it shows. Only a suggestion for the weight field."""
    if kind in (EvidenceKind.WAREHOUSE_WEIGHT, EvidenceKind.REWEIGH):
        return _display_grams(lines)
    found = list(fields) if fields is not None else find_fields(lines)
    weights = [f for f in found if f.kind == "weight"]
    if not weights:
        return None
    if kind is EvidenceKind.COURIER_WEIGHT:
        chosen = next((f for f in weights if f.label == "揽收"), next((f for f in weights if f.label), None))
    else:
        chosen = None
    if chosen is None:
        return None
    try:
        number = float(chosen.value)
    except ValueError:
        return None
    grams = round(number) if chosen.unit == "g" else round(number * 1000)
    return grams if grams > 0 else None


def _display_grams(lines: Sequence[Line]) -> int | None:
    """The weight a scale's display shows: the one line that is only a weight (kg unless it says g)."""
    shown = {m.group(1).replace(" ", "").lower() for line in lines if (m := _DISPLAY.match(line.text))}
    if len(shown) != 1:
        return None  # none, or several numbers that could each be it
    raw = shown.pop()
    grams_unit = raw.endswith("g") and not raw.endswith("kg")
    number = float(raw.removesuffix("kg").removesuffix("g"))
    grams = round(number) if grams_unit else round(number * 1000)
    return grams if grams > 0 else None
