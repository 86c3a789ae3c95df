"""Seven-segment scale displays: generated photos read through the worker, digits and decimal point exact,
and an unsure reading flagged instead of handed over as a fact."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from desk.recognition.fields import find_displays
from desk.recognition.types import Line
from desk_demo.ocr_set import display_photo

pytestmark = pytest.mark.no_database  # reads pictures, opens no desk: not in the PostgreSQL pass

pytest.importorskip("rapidocr_onnxruntime")


def test_display_photos_are_read_with_their_decimal_point(tmp_path: Path) -> None:
    from desk.recognition.client import Reader

    # The engine alone reads unlit places as 8s ("24.11" came back as "28.88").
    values = {"24.11": 0, "174.6": 2, "0.535": 3}  # seed 0 straight on, 2 turned in perspective, 3 noisy
    got = []
    with Reader() as reader:
        for i, (value, seed) in enumerate(values.items()):
            png, truth = display_photo(value, seed=seed)
            assert truth["turned"] == (seed == 2) and truth["noisy"] == (seed == 3)
            path = tmp_path / f"d{i}.png"
            path.write_bytes(png)
            reading = reader.read_path(path, hashlib.sha256(png).hexdigest())
            fields = find_displays(reading.lines)
            got.append([f.value for f in fields])
    assert got == [[v] for v in values]


def _line(text: str, confidence: float, top: float, bottom: float) -> Line:
    return Line(text, ((0.0, top), (400.0, top), (400.0, bottom), (0.0, bottom)), confidence)


def test_a_poorly_matched_display_is_flagged_unsure_and_small_numbers_are_no_display() -> None:
    lines = [_line("46.92", 0.55, 100, 300), _line("kg", 0.99, 250, 290), _line("台秤", 0.99, 400, 440)]
    (field,) = find_displays(lines)
    assert (field.value, field.unit, field.unsure) == ("46.92", "kg", True)
    sure = find_displays([_line("46.92", 0.97, 100, 300), _line("kg", 0.99, 250, 290)])
    assert [f.unsure for f in sure] == [False]
    # A number as tall as the text around it (a table cell) is not a display.
    assert find_displays([_line("1.25", 0.99, 0, 30), _line("揽收重量", 0.99, 40, 70)]) == []
