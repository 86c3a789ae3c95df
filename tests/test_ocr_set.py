"""The generated test set for text recognition (desk_demo/ocr_set.py) says what its chat screenshots show,
without the engine: every address in the truth is drawn (whole, or wrapped over two rows of its bubble),
every distractor is drawn, and the desk's own path (fields.propose_redactions, desk/privacy.py
address_matches) on the generator's drawn lines finds exactly the truth's addresses, scored as
bench/bench_ocr.py scores the engine's lines. So a miss in the benchmark is the engine's reading, not the
set or the matcher. The scoring itself is checked: a box taken away is a miss, a box over a distractor
is wrong."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from desk.privacy import address_matches
from desk.recognition.fields import propose_redactions
from desk.recognition.types import Line, Redaction
from desk_demo.images.chat import message_lines
from desk_demo.images.common import _font
from desk_demo.ocr_set import ADDRESS_FORMS, DISTRACTORS, chat_screenshots, score_addresses

pytestmark = pytest.mark.no_database

CHATS = 14  # every address form, every distractor, light and dark, chats with none and with two


@pytest.fixture(scope="module")
def chats() -> list[tuple[str, bytes, dict[str, Any]]]:
    return list(chat_screenshots(CHATS, seed=7))


def drawn_lines(messages: list[list[str]]) -> list[Line]:
    """The text lines of a chat as chat_screenshot draws them, each with the box the engine would give it
    reading it perfectly: bubbles on the left (buyer) or right (shop), rows 60 px apart, a time separator
    every five messages, bubbles apart by their margins."""
    font = _font(42)
    out: list[Line] = []
    y = 434.0
    for count, (side, text) in enumerate(messages):
        if count % 5 == 0:
            out.append(
                Line(
                    "11月24日 14:05",
                    ((460.0, y + 20), (620.0, y + 20), (620.0, y + 58), (460.0, y + 58)),
                    0.99,
                )
            )
            y += 80
        rows = message_lines(text)
        width = max(font.getlength(r) for r in rows)
        x = 186.0 if side == "buyer" else 1080 - 154 - (width + 64) + 32
        for k, row in enumerate(rows):
            top = y + 24 + k * 60
            right = x + font.getlength(row)
            out.append(Line(row, ((x, top), (right, top), (right, top + 44), (x, top + 44)), 0.98))
        y += max(100, (len(rows) - 1) * 60 + 92) + 36
    return out


def test_the_set_is_deterministic_and_covers_every_form_and_distractor(
    chats: list[tuple[str, bytes, dict[str, Any]]],
) -> None:
    again = list(chat_screenshots(3, seed=7))
    assert [(n, t) for n, _, t in again] == [(n, t) for n, _, t in chats[:3]]
    assert [p for _, p, _ in again] == [p for _, p, _ in chats[:3]]
    truths = [t for _, _, t in chats]
    assert {t["theme"] for t in truths} == {"light", "dark"}
    assert sum(1 for t in truths if not t["addresses"]) >= CHATS // 4
    assert any(len(t["addresses"]) == 2 for t in truths)
    assert {d for t in truths for d in t["distractors"]} == {text for _, text in DISTRACTORS}
    forms = {(i + 3 * k) % ADDRESS_FORMS for i, t in enumerate(truths) for k in range(len(t["addresses"]))}
    assert forms == set(range(ADDRESS_FORMS))
    for name, png, _ in chats:
        # One screen: nothing scrolled away under the title bar, so the truth is all on the picture.
        assert Image.open(io.BytesIO(png)).height < 2400, name


def test_every_truth_address_and_distractor_is_drawn(chats: list[tuple[str, bytes, dict[str, Any]]]) -> None:
    wrapped = total = 0
    for name, _, truth in chats:
        messages = truth["messages"]
        texts = [text for _, text in messages]
        for d in truth["distractors"]:
            assert d in texts, (name, d)
        for door in truth["addresses"]:
            plain = door.replace(" ", "")
            # In one message, in the rows it is drawn in (a row's end loses its space when it wraps).
            holders = [message_lines(t) for t in texts if plain in "".join(message_lines(t)).replace(" ", "")]
            assert len(holders) == 1, (name, door)
            total += 1
            if not any(plain in row.replace(" ", "") for row in holders[0]):
                wrapped += 1
    assert 2 * wrapped >= total  # most addresses wrap over two rows of their bubble: the hard case


def test_the_matcher_finds_exactly_the_truth_addresses_in_the_messages(
    chats: list[tuple[str, bytes, dict[str, Any]]],
) -> None:
    for name, _, truth in chats:
        hidden = []
        for _, text in truth["messages"]:
            hidden += [text[m.hide[0] : m.hide[1]] for m in address_matches(text)]
        assert sorted(hidden) == sorted(truth["addresses"]), name


def test_the_desk_proposes_a_box_for_every_address_on_the_drawn_lines_and_none_else(
    chats: list[tuple[str, bytes, dict[str, Any]]],
) -> None:
    want = hits = found = 0
    for name, _, truth in chats:
        lines = drawn_lines(truth["messages"])
        result = score_addresses(truth["addresses"], lines, propose_redactions(lines))
        assert result["missed"] == [] and result["wrong"] == [], (name, result)
        want += result["addresses"]
        hits += result["address_hits"]
        found += result["address_found"]
    assert hits == want > 0
    assert found > want  # a wrapped address gets a box on each of its rows


def test_the_score_counts_a_missing_box_as_a_miss_and_a_stray_box_as_wrong(
    chats: list[tuple[str, bytes, dict[str, Any]]],
) -> None:
    truth = next(t for _, _, t in chats if len(t["addresses"]) == 1)
    lines = drawn_lines(truth["messages"])
    boxes = propose_redactions(lines)
    addresses = [r for r in boxes if r.reason.startswith("地址")]
    # Without the box over the last row of the address, part of it shows: missed.
    short = [r for r in boxes if r is not addresses[-1]]
    result = score_addresses(truth["addresses"], lines, short)
    assert result["address_hits"] == 0 and len(result["missed"]) == 1
    # A box over a distractor's row is a wrong proposal.
    at = next(i for i, line in enumerate(lines) if line.text.startswith(truth["distractors"][0][:6]))
    stray = Redaction(lines[at].box, "地址 …", at)
    result = score_addresses(truth["addresses"], lines, [*boxes, stray])
    assert result["address_hits"] == 1 and result["address_false"] == 1
    assert result["address_found"] == len(addresses) + 1
    # A picture without addresses: every proposal is wrong.
    assert score_addresses([], lines, boxes)["address_false"] == len(addresses)


def test_a_misread_address_is_located_and_judged_by_its_boxes() -> None:
    door = "文三路128号3幢502室"
    text = "收货地址：浙江省杭州市西湖区文三路128号3憧502室"  # 幢 read as 憧
    line = Line(text, ((0.0, 0.0), (1000.0, 0.0), (1000.0, 40.0), (0.0, 40.0)), 0.9)
    boxes = propose_redactions([line])
    result = score_addresses([door], [line], boxes)
    # Found where the engine put it, but the box ends at the misread 憧: the room shows, a miss.
    assert result["address_misread"] == 1 and result["address_hits"] == 0
    assert result["missed"] == ["文三路128号3幢502室: covered 文三路128号3_____"]
    assert result["address_false"] == 0  # the box it got is over the address


def test_every_fourth_courier_page_is_a_photo_of_the_screen_made_the_same_each_time() -> None:
    """The pages the bench calls photographed are what a phone saves (JPEG), larger than the screenshot
    by the monitor's bezel and not the screenshot itself; the same seed makes the same photo."""
    from desk_demo.ocr_set import courier_pages

    pages = list(courier_pages(8, seed=3))
    photos = [(name, data, truth) for name, data, truth in pages if truth["photographed"]]
    assert [name for name, _, _ in photos] == ["courier-003-table-photo.jpg", "courier-007-card-photo.jpg"]
    for name, data, _truth in photos:
        with Image.open(io.BytesIO(data)) as photo:
            assert photo.format == "JPEG", name
            assert photo.width > 1280 and photo.height > 800  # the page and the bezel around it
            corner = photo.convert("L").getpixel((5, 5))
            assert isinstance(corner, int) and corner < 60  # the dark bezel, not the page
    assert [d for _, d, _ in photos] == [d for _, d, t in courier_pages(8, seed=3) if t["photographed"]]
