"""Characters outside the Chinese font in the packet PDF: emoji, Arabic, Hebrew, ligatures, decomposed
accents. Each is set in the first font of the chain that has it (the shipped fonts only, so the result
does not depend on the machine), and only what no font has becomes [?]."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pypdf
import pytest
from PIL import Image

from desk.pdf import fonts as font_module
from desk.pdf.content import PacketContent
from desk.pdf.fonts import BUNDLED_FONT, PLACEHOLDER, FontSet, coverage_gaps, markup_text, resolve_fonts
from desk.pdf.packet import build_packet

REPO = Path(__file__).resolve().parents[1]
EMOJI = "😀👍✅"
ARABIC = "مرحبا"  # "hello": five letters that join
NFD_E = "e\u0301"  # e + combining acute, as macOS file names and some keyboards send it
LIGATURE = "ﬁ"
NO_FONT = "𓀀"  # an Egyptian hieroglyph: in none of the fonts


def shipped_only() -> FontSet:
    """The bundled Chinese font plus the shipped fallbacks: no system font, same on every machine."""
    fonts = resolve_fonts(BUNDLED_FONT)
    return dataclasses.replace(fonts, fallback_name=None, fallback_path=None)


def content(text: str) -> PacketContent:
    return PacketContent(
        title="售后申诉材料",
        order_no="261120-583920174650321",
        cover_fields=(("买家", f"José {EMOJI[0]} {ARABIC}"),),
        description=text,
        evidence=(),
        generated_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    )


def test_the_shipped_fonts_are_in_the_repository_with_their_licences() -> None:
    fallbacks = font_module.BUNDLED_FALLBACKS
    for path in (BUNDLED_FONT, *fallbacks):
        assert path.is_file() and REPO in path.resolve().parents, path
    names = {p.name for p in BUNDLED_FONT.parent.iterdir()}
    assert {"LICENSE-DejaVu.txt", "OFL-NotoEmoji.txt", "README.md"} <= names
    fonts = shipped_only()
    assert [p for _, p in fonts.extra] == list(fallbacks)
    assert fonts.chain[0] == fonts.primary_name and len(fonts.chain) == 3


def test_each_character_takes_the_first_font_that_has_it() -> None:
    fonts = shipped_only()
    dejavu, emoji = (name for name, _ in fonts.extra)
    # Chinese, Latin and digits stay in the Chinese font: no font switch at all.
    assert markup_text("买家 Zhang 说 12 件", fonts) == "买家 Zhang 说 12 件"
    assert markup_text("收到👍了", fonts) == f'收到<font name="{emoji}">👍</font>了'
    assert markup_text("😀", fonts) == f'<font name="{dejavu}">😀</font>'  # DejaVu has the emoticons
    # A variation selector (❤️ = ❤ + U+FE0F) draws nothing and is dropped, not printed as [?].
    assert PLACEHOLDER not in markup_text("❤\ufe0f", fonts)
    assert markup_text(f"a{NO_FONT}b", fonts) == f"a{PLACEHOLDER}b"
    assert coverage_gaps(f"{EMOJI}{ARABIC}{LIGATURE}{NFD_E}❤\ufe0f", fonts) == set()
    assert coverage_gaps(f"好{NO_FONT}", fonts) == {NO_FONT}


def test_decomposed_accents_print_composed() -> None:
    fonts = shipped_only()
    display_form = font_module.display_form
    assert display_form(f"Caf{NFD_E}") == "Café"
    assert markup_text(f"Caf{NFD_E}", fonts) == "Café"


def test_arabic_is_joined_and_right_to_left() -> None:
    display_form = font_module.display_form
    # م ر ح ب ا in visual order (left to right on the page): final alef, medial beh, initial hah,
    # final reh, initial meem — as any Arabic reader's software shows the word.
    assert display_form(ARABIC) == "\ufe8e\ufe92\ufea3\ufeae\ufee3"
    assert display_form("لا") == "\ufefb"  # lam + alef is one ligature
    # Inside a right-to-left run a number stays left to right; after it, the run has ended.
    assert unicodedata.normalize("NFKC", display_form("رقم 123 هنا")) == "انه 123 مقر"
    assert unicodedata.normalize("NFKC", display_form("رقم 123")) == "مقر 123"
    assert display_form("订单 (שלום) 好") == "订单 (םולש) 好"
    assert unicodedata.normalize("NFKC", display_form(ARABIC))[::-1] == ARABIC


def extract(path: Path) -> tuple[str, list[tuple[str, str]]]:
    """The page text, and (text, font) for each piece of text drawn."""
    page = pypdf.PdfReader(path).pages[0]
    pieces: list[tuple[str, str]] = []

    def visit(text: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
        if text.strip() and font is not None:
            pieces.append((text.strip(), str(font.get("/BaseFont"))))

    return page.extract_text(visitor_text=visit), pieces


def test_packet_shows_every_script_in_an_embedded_font(tmp_path: Path) -> None:
    text = (
        f"买家说收到{EMOJI}的包裹。阿拉伯语：{ARABIC}。连字：{LIGATURE}le。重音：Caf{NFD_E}。希伯来：שלום。"
    )
    result = build_packet(content(text), tmp_path / "fonts.pdf", fonts=shipped_only())
    assert not [w for w in result.warnings if "无法显示" in w], result.warnings

    page_text, pieces = extract(result.path)
    assert PLACEHOLDER not in page_text
    for wanted in (*EMOJI, LIGATURE, "Café", "买家说收到"):
        assert wanted in page_text, wanted
    # pypdf puts right-to-left text back into reading order, so the word reads as typed.
    assert ARABIC in unicodedata.normalize("NFKC", page_text)

    def font_of(fragment: str) -> str:
        # NFKC and either direction: pypdf gives right-to-left pieces in reading order.
        return next(
            font
            for piece, font in pieces
            if fragment in unicodedata.normalize("NFKC", piece)
            or fragment[::-1] in unicodedata.normalize("NFKC", piece)
        )

    assert "WenQuanYiMicroHei" in font_of("买家说收到")  # Chinese still in the Chinese font
    assert "NotoEmoji" in font_of("👍")
    assert "DejaVuSans" in font_of(ARABIC)
    fonts_in_pdf = set()
    for page in pypdf.PdfReader(result.path).pages:
        for font in page["/Resources"]["/Font"].values():
            descriptor = font.get_object().get("/FontDescriptor")
            if descriptor is not None:
                assert "/FontFile2" in descriptor.get_object(), font  # embedded TrueType
                fonts_in_pdf.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    assert {"WenQuanYiMicroHei-0", "DejaVuSans", "NotoEmoji-Regular"} <= fonts_in_pdf


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_emoji_and_arabic_are_drawn_not_boxes(tmp_path: Path) -> None:
    """Rendered by poppler: the emoji and the Arabic word leave ink where they are, and the words
    set without a fallback font (the old behaviour) show the placeholder instead."""
    big = content(f"{EMOJI}\n{ARABIC}")
    with_chain = build_packet(big, tmp_path / "chain.pdf", fonts=shipped_only())
    without = dataclasses.replace(shipped_only(), extra=())
    plain = build_packet(big, tmp_path / "plain.pdf", fonts=without)
    assert PLACEHOLDER in extract(plain.path)[0] and PLACEHOLDER not in extract(with_chain.path)[0]

    def render(path: Path) -> Image.Image:
        subprocess.run(
            ["pdftoppm", "-r", "100", "-f", "1", "-l", "1", "-png", str(path), str(tmp_path / path.stem)],
            check=True,
        )
        return Image.open(next(tmp_path.glob(f"{path.stem}*.png"))).convert("L")

    drawn, boxed = render(with_chain.path), render(plain.path)
    assert drawn.size == boxed.size
    # The pages differ only where the emoji and the Arabic are; there the chain's page has ink.
    diff = [
        y
        for y in range(drawn.height)
        if drawn.crop((0, y, drawn.width, y + 1)).tobytes()
        != boxed.crop((0, y, boxed.width, y + 1)).tobytes()
    ]
    assert diff, "the fallback fonts changed nothing on the page"
    band = drawn.crop((0, min(diff), drawn.width, max(diff) + 1))
    assert band.getextrema()[0] < 100  # dark strokes: glyphs, not blank space
