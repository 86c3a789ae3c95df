"""What a reading of one picture is: lines of text with their boxes, and the fields found in them."""

from __future__ import annotations

from dataclasses import dataclass

Point = tuple[float, float]
Quad = tuple[Point, Point, Point, Point]  # top-left, top-right, bottom-right, bottom-left, in pixels


@dataclass(frozen=True)
class Line:
    """One line of text as the engine read it; ``box`` is in the picture's pixels after EXIF rotation."""

    text: str
    box: Quad
    confidence: float


@dataclass(frozen=True)
class Reading:
    """All lines of one picture, keyed by its content; ``engine`` names the engine and models that read it."""

    sha256: str
    engine: str
    width: int
    height: int
    lines: tuple[Line, ...]
    seconds: float  # how long the engine took, for the record; 0 when served from the cache


@dataclass(frozen=True)
class Field:
    """A value found in the text: a suggestion, never stored as a fact until the operator accepts it.

    ``kind`` is one of phone, weight, waybill, order, money, time; ``label`` says which weight (揽收 /
    计费 / 上车 / 下车) or is empty; ``value`` is normalised (digits only for a phone, a plain decimal for a
    weight or amount, ISO for a time); ``unit`` is kg / g / 元 or empty; ``text`` is what the picture
    showed; ``box`` covers it; ``line`` is the index of the line it came from."""

    kind: str
    value: str
    text: str
    box: Quad
    line: int
    label: str = ""
    unit: str = ""
    confidence: float = 0.0
    unsure: bool = False  # read with too little confidence to trust: shown as a question, never prefilled


@dataclass(frozen=True)
class Redaction:
    """A box proposed for blacking out (the digits the text masker hides), with why."""

    box: Quad
    reason: str
    line: int
