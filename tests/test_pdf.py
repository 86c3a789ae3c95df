"""Appeal packet PDFs: Chinese text, embedded fonts, clean upright images, placeholders, atomic writes."""

from __future__ import annotations

import dataclasses
import io
import shutil
import struct
import subprocess
import sys
import zlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import pytest
from PIL import Image, ImageChops
from PIL.PngImagePlugin import PngInfo
from pypdf import PdfReader, PdfWriter

from desk.errors import PacketFailed
from desk.pdf.content import PacketContent, PacketEvidence
from desk.pdf.fonts import (
    BUNDLED_FONT,
    PLACEHOLDER,
    FontSet,
    coverage_gaps,
    markup_text,
    resolve_fonts,
)
from desk.pdf.images import ImageUnusable, prepare_image
from desk.pdf.packet import PacketResult, build_packet

ORDER_NO = "240101-123456789012345"
PHONE = "13812345678"
HOSTILE = '<img src="/etc/hostname"/>'
RARE = "䶮"  # CJK Ext A: missing from wqy-microhei, present in wqy-zenhei
GPS_IFD = 0x8825


# --- fixtures and helpers -----------------------------------------------------------------------


def make_oriented_jpeg(path: Path) -> None:
    """160x120 with a red band on top as stored, EXIF Orientation=6, GPS and a phone number."""
    im = Image.new("RGB", (160, 120), "white")
    im.paste((200, 30, 30), (0, 0, 160, 20))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010E] = f"buyer {PHONE}"  # ImageDescription
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (31.0, 12.0, 30.5)
    im.save(path, "JPEG", exif=exif.tobytes(), quality=95)


def make_png(path: Path) -> None:
    info = PngInfo()
    info.add_text("Comment", f"phone {PHONE}")
    Image.new("RGB", (200, 100), (30, 160, 60)).save(path, "PNG", pnginfo=info)


def make_corrupt_jpeg(path: Path) -> None:
    buf = io.BytesIO()
    Image.effect_noise((400, 300), 60).convert("RGB").save(buf, "JPEG", quality=90)
    path.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])


def make_pdf(path: Path, pages: int, password: str | None = None) -> None:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(200, 200)
    if password is not None:
        writer.encrypt(password)
    with path.open("wb") as fh:
        writer.write(fh)


def evidence(kind: str, path: Path, media: str, caption: str, when: datetime | None = None) -> PacketEvidence:
    return PacketEvidence(
        kind=kind,
        blob_path=path,
        media_type=media,
        original_name=path.name,
        caption=caption,
        captured_at=when,
        sha256=(path.name.encode().hex() * 8)[:64],
    )


def content_with(
    items: tuple[PacketEvidence, ...], *, description: str = "", buyer: str = "张三"
) -> PacketContent:
    return PacketContent(
        title="拼多多 维权申诉材料",
        order_no=ORDER_NO,
        cover_fields=(
            ("平台", "拼多多"),
            ("售后类型", "漏发少件"),
            ("买家", buyer),
            ("快递单号", "SF1234567890"),
        ),
        description=description or f"买家称少发一件。{HOSTILE} 仓库称重与发货重量一致。\n第二段。",
        evidence=items,
        generated_at=datetime(2024, 1, 2, 9, 0),
    )


@dataclasses.dataclass
class Built:
    content: PacketContent
    result: PacketResult
    reader: PdfReader
    text: str
    progress: list[tuple[int, int, str]]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("evidence")
    paths = {
        "oriented": d / "IMG_0006.jpg",
        "png": d / "screenshot.png",
        "corrupt": d / "broken.jpg",
        "encrypted": d / "locked.pdf",
        "pdf": d / "waybill.pdf",
    }
    make_oriented_jpeg(paths["oriented"])
    make_png(paths["png"])
    make_corrupt_jpeg(paths["corrupt"])
    make_pdf(paths["encrypted"], 1, password="secret")
    make_pdf(paths["pdf"], 2)
    return paths


@pytest.fixture(scope="module")
def main_content(files: dict[str, Path]) -> PacketContent:
    return content_with(
        (
            evidence(
                "仓库称重图", files["oriented"], "image/jpeg", "称重 1.25kg", datetime(2024, 1, 1, 10, 30)
            ),
            evidence("买家照片", files["png"], "image/png", "买家收到的包裹"),
            evidence("买家照片", files["corrupt"], "image/jpeg", "损坏的照片"),
            evidence("物流凭证", files["encrypted"], "application/pdf", "加密的面单"),
            evidence("物流凭证", files["pdf"], "application/pdf", "物流轨迹"),
        )
    )


@pytest.fixture(scope="module")
def built(main_content: PacketContent, tmp_path_factory: pytest.TempPathFactory) -> Built:
    out = tmp_path_factory.mktemp("out") / "packet.pdf"
    calls: list[tuple[int, int, str]] = []
    result = build_packet(main_content, out, progress=lambda d, t, m: calls.append((d, t, m)))
    reader = PdfReader(out)
    text = "\n".join(page.extract_text() for page in reader.pages)
    return Built(main_content, result, reader, text, calls)


def squash(text: str) -> str:
    return "".join(text.split())


def image_xobjects(reader: PdfReader) -> Iterator[Any]:
    for page in reader.pages:
        xobjects = resources(page).get("/XObject")
        if xobjects is None:
            continue
        for ref in xobjects.get_object().values():
            obj = ref.get_object()
            if obj.get("/Subtype") == "/Image":
                yield obj


def pil(img: Any) -> Image.Image:
    """The decoded PIL image of a pypdf ImageFile."""
    assert img.image is not None
    return cast(Image.Image, img.image)


def resources(page: Any) -> Any:
    return page["/Resources"].get_object()


def render_page(pdf: Path, page: int, out_dir: Path, dpi: int = 50) -> Path:
    """Render one page with poppler to a PNG (handy to look at while debugging layout)."""
    prefix = out_dir / f"page{page}"
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            str(dpi),
            "-png",
            "-f",
            str(page),
            "-l",
            str(page),
            "-singlefile",
            str(pdf),
            str(prefix),
        ],
        check=True,
        capture_output=True,
    )
    return prefix.with_suffix(".png")


# --- the packet ---------------------------------------------------------------------------------


def test_text_is_extractable_chinese(built: Built) -> None:
    assert "漏发少件" in built.text
    assert ORDER_NO in built.text
    assert "称重 1.25kg" in built.text
    assert "拍摄时间：2024-01-01 10:30" in built.text
    assert "拍摄时间：未知" in built.text
    assert "IMG_0006.jpg" in built.text
    assert "SHA-256：" + main_sha(built, "IMG_0006.jpg")[:12] in built.text


def main_sha(built: Built, name: str) -> str:
    return next(ev.sha256 for ev in built.content.evidence if ev.original_name == name)


def test_every_page_has_header_and_total(built: Built) -> None:
    total = len(built.reader.pages)
    assert built.result.page_count == total
    for number, page in enumerate(built.reader.pages, start=1):
        page_text = page.extract_text()
        assert f"第 {number} 页 / 共 {total} 页" in page_text
        assert ORDER_NO in page_text


def test_result_matches_file(built: Built) -> None:
    import hashlib

    data = built.result.path.read_bytes()
    assert built.result.byte_size == len(data)
    assert built.result.sha256 == hashlib.sha256(data).hexdigest()
    assert not built.result.path.with_name(built.result.path.name + ".partial").exists()


def test_fonts_are_embedded_truetype(built: Built) -> None:
    truetype = []
    for page in built.reader.pages:
        for ref in resources(page)["/Font"].values():
            font = ref.get_object()
            if font.get("/Subtype") == "/TrueType":
                truetype.append(font)
                assert "/FontFile2" in font["/FontDescriptor"].get_object()
    assert truetype, "no embedded TrueType font: Chinese would depend on the reader's fonts"


def test_no_image_carries_exif_gps_or_text(built: Built) -> None:
    images = [img for page in built.reader.pages for img in page.images]
    assert len(images) == 2  # the oriented JPEG and the PNG; corrupt/encrypted ones are placeholders
    for img in images:
        assert GPS_IFD not in pil(img).getexif()
        assert b"Exif" not in img.data
        assert b"<x:xmpmeta" not in img.data
        assert PHONE.encode() not in img.data
    for obj in image_xobjects(built.reader):
        raw = obj.get_data()
        assert obj["/Filter"] == ["/DCTDecode"]  # re-encoded JPEG, no ASCII85 wrapping
        assert b"Exif" not in raw and PHONE.encode() not in raw


def test_oriented_photo_is_upright_portrait(built: Built) -> None:
    images = [pil(img).convert("RGB") for page in built.reader.pages for img in page.images]
    portrait = [im for im in images if im.width < im.height]
    assert len(portrait) == 1
    im = portrait[0]
    # Orientation 6 turns the stored top band to the right-hand side.
    right = im.getpixel((im.width - 5, im.height // 2))
    left = im.getpixel((5, im.height // 2))
    assert isinstance(right, tuple) and isinstance(left, tuple)
    assert right[0] > 150 and right[1] < 90, right
    assert min(left) > 200, left


def test_markup_in_user_text_is_literal(built: Built) -> None:
    assert squash(HOSTILE) in squash(built.text)
    assert len([img for page in built.reader.pages for img in page.images]) == 2


def test_unusable_evidence_becomes_placeholder(built: Built) -> None:
    assert "无法显示此图片：图片文件已损坏或不完整" in squash(built.text)
    assert "文件已加密" in built.text
    assert squash("PDF 凭证：waybill.pdf（2 页）") in squash(built.text)
    joined = "\n".join(built.result.warnings)
    assert "broken.jpg" in joined and "locked.pdf" in joined
    assert "waybill.pdf" not in joined


def test_outline_has_sections_on_their_pages(built: Built) -> None:
    reader = built.reader
    entries: list[tuple[str, int]] = []

    def walk(items: list[Any]) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                page = reader.get_destination_page_number(item)
                assert page is not None
                entries.append((str(item.title), page))

    walk(reader.outline)
    titles = [t for t, _ in entries]
    assert titles[:3] == ["基本信息", "问题描述", "凭证材料（共 5 项）"]
    assert titles[3:] == [
        "仓库称重图（1 项）",
        "买家照片（2 项）",
        "物流凭证（2 项）",
        "PDF 凭证原文",
        "附录：凭证原件清单",
    ]
    for title, page in entries:
        assert squash(title) in squash(reader.pages[page].extract_text()), title


def test_metadata_is_generic(built: Built) -> None:
    meta = built.reader.metadata
    assert meta is not None
    assert meta.title == "售后申诉材料"
    assert meta.author == "售后申诉工作台"
    values = " ".join(str(v) for v in meta.values())
    for private in ("张三", ORDER_NO, "SF1234567890"):
        assert private not in values


def test_progress_per_item(built: Built) -> None:
    assert [(d, t) for d, t, _ in built.progress] == [(i, 5) for i in range(1, 6)]


def test_same_input_gives_identical_bytes(main_content: PacketContent, built: Built, tmp_path: Path) -> None:
    again = build_packet(main_content, tmp_path / "other-name.pdf")
    assert again.path.read_bytes() == built.result.path.read_bytes()
    assert again.sha256 == built.result.sha256


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_first_page_renders(built: Built, tmp_path: Path) -> None:
    png = render_page(built.result.path, 1, tmp_path)
    with Image.open(png) as im:
        assert im.width < im.height  # A4 portrait
        gray = im.convert("L")
        # Dark pixels exist (text), and the page is not dark overall.
        lo, hi = cast(tuple[int, int], gray.getextrema())
        assert lo < 80 and hi > 240


# --- fonts --------------------------------------------------------------------------------------


def test_rare_character_uses_fallback_or_warns(files: dict[str, Path], tmp_path: Path) -> None:
    fonts = resolve_fonts(BUNDLED_FONT)
    assert fonts.primary_path == BUNDLED_FONT
    content = content_with((), buyer=f"王{RARE}")
    result = build_packet(content, tmp_path / "rare.pdf", fonts=fonts)
    text = "\n".join(p.extract_text() for p in PdfReader(result.path).pages)
    if fonts.fallback_name is not None and not coverage_gaps(RARE, fonts):
        assert f"王{RARE}" in text
        assert not any("无法显示" in w for w in result.warnings)
    else:
        assert any(RARE in w for w in result.warnings)
        assert f"王{PLACEHOLDER}" in text


def test_missing_glyph_without_fallback_warns(tmp_path: Path) -> None:
    bundled_only = dataclasses.replace(
        resolve_fonts(BUNDLED_FONT), fallback_name=None, fallback_path=None, extra=()
    )
    assert coverage_gaps(f"王{RARE} 😀\n", bundled_only) == {RARE, "😀"}
    result = build_packet(content_with((), buyer=f"王{RARE}"), tmp_path / "gap.pdf", fonts=bundled_only)
    warning = next(w for w in result.warnings if w.startswith("以下字符当前字体无法显示"))
    assert RARE in warning
    text = "\n".join(p.extract_text() for p in PdfReader(result.path).pages)
    assert f"王{PLACEHOLDER}" in text


def test_fallback_font_is_zenhei_when_installed() -> None:
    fonts = resolve_fonts(BUNDLED_FONT)
    zenhei = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
    if not zenhei.is_file():
        pytest.skip("wqy-zenhei not installed")
    assert fonts.fallback_path == zenhei
    assert fonts.fallback_name is not None
    assert markup_text(f"王{RARE}", fonts) == f'王<font name="{fonts.fallback_name}">{RARE}</font>'


def test_markup_text_escapes_and_marks() -> None:
    fonts = resolve_fonts(BUNDLED_FONT)
    assert markup_text('<img src="/etc/hostname"/> & x', fonts) == '&lt;img src="/etc/hostname"/&gt; &amp; x'
    assert markup_text("一\r\n二", fonts) == "一<br/>二"
    assert markup_text("一\n二", fonts, newlines=False) == "一 二"
    assert markup_text("a\x00b\u200dc\tz", fonts) == "abc z"
    assert markup_text("好𓀀", fonts) == f"好{PLACEHOLDER}"  # a hieroglyph: in no font of the chain
    assert coverage_gaps("  \t\n\u200d中文", fonts) == set()


def test_registration_is_idempotent_and_threadsafe() -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        sets = list(pool.map(lambda _: resolve_fonts(), range(8)))
    assert len({s.primary_name for s in sets}) == 1
    assert sets[0] == resolve_fonts()


def test_unusable_user_font_is_skipped_with_warning(tmp_path: Path) -> None:
    junk = tmp_path / "fake.ttf"
    junk.write_bytes(b"not a font at all" * 50)
    fonts = resolve_fonts(junk)
    assert fonts.primary_path != junk
    assert any("fake.ttf" in w for w in fonts.warnings)
    latin = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if latin.is_file():  # a real TrueType font without Chinese is refused too
        assert resolve_fonts(latin).primary_path != latin


def test_cid_last_resort_packet_still_builds(tmp_path: Path) -> None:
    from desk.pdf.fonts import CID_FALLBACK, NO_EMBEDDABLE_FONT_WARNING, _register_cid

    cid = FontSet(primary_name=_register_cid(), primary_path=None, warnings=(NO_EMBEDDABLE_FONT_WARNING,))
    assert cid.primary_name == CID_FALLBACK and not cid.embedded
    result = build_packet(content_with(()), tmp_path / "cid.pdf", fonts=cid)
    assert NO_EMBEDDABLE_FONT_WARNING in result.warnings


# --- images -------------------------------------------------------------------------------------


def decoded(jpeg: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(jpeg))
    assert im.format == "JPEG" and im.mode == "RGB"
    assert not im.getexif() and "icc_profile" not in im.info and b"Exif" not in jpeg
    return im


def test_prepare_image_fits_box_and_caps_dpi(tmp_path: Path) -> None:
    src = tmp_path / "big.jpg"
    Image.new("RGB", (4000, 3000), "blue").save(src)
    prepared = prepare_image(src, "image/jpeg", 400, 300, dpi=150)
    assert prepared.width_pt == pytest.approx(400) and prepared.height_pt == pytest.approx(300)
    assert (prepared.pixel_width, prepared.pixel_height) == (833, 625)  # 150 dpi, 4:3 kept
    assert decoded(prepared.jpeg).size == (833, 625)


def test_prepare_image_small_image_not_enlarged(files: dict[str, Path]) -> None:
    prepared = prepare_image(files["oriented"], "image/jpeg", 480, 300)
    assert (prepared.pixel_width, prepared.pixel_height) == (120, 160)
    assert (prepared.width_pt, prepared.height_pt) == (120, 160)


@pytest.mark.parametrize("mode", ["CMYK", "P", "RGBA", "LA", "I;16", "L", "1"])
def test_prepare_image_modes(mode: str, tmp_path: Path) -> None:
    src = tmp_path / ("m.jpg" if mode == "CMYK" else "m.png")
    if mode == "I;16":
        im = Image.new("I;16", (64, 32), 40000)
    elif mode in ("RGBA", "LA"):
        im = Image.new(mode, (64, 32))  # fully transparent: must come out white, not black
    else:
        im = Image.new(mode, (64, 32))
    im.save(src)
    out = decoded(prepare_image(src, "image/png", 100, 100).jpeg)
    pixel = out.getpixel((10, 10))
    assert isinstance(pixel, tuple)
    if mode in ("RGBA", "LA"):
        assert min(pixel) > 245
    if mode == "I;16":
        assert 140 < pixel[0] < 175  # 40000/65535 of full scale, not clipped to white


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@pytest.mark.parametrize(
    ("name", "payload", "media", "reason"),
    [
        ("text.jpg", b"hello, not an image", "image/jpeg", "无法识别"),
        (
            "bomb.png",
            b"\x89PNG\r\n\x1a\n"
            + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0))
            + _png_chunk(b"IEND", b""),
            "image/png",
            "像素过多",
        ),
        ("doc.pdf", b"%PDF-1.4", "application/pdf", "不是图片"),
    ],
)
def test_prepare_image_refuses(name: str, payload: bytes, media: str, reason: str, tmp_path: Path) -> None:
    src = tmp_path / name
    src.write_bytes(payload)
    with pytest.raises(ImageUnusable, match=reason):
        prepare_image(src, media, 100, 100)


def test_prepare_image_missing_and_truncated(files: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(ImageUnusable, match="找不到"):
        prepare_image(tmp_path / "gone.jpg", "image/jpeg", 100, 100)
    with pytest.raises(ImageUnusable, match="损坏"):
        prepare_image(files["corrupt"], "image/jpeg", 100, 100)


def test_prepare_image_heic_loses_gps(tmp_path: Path) -> None:
    try:
        import pillow_heif

        pillow_heif.register_heif_opener()
        src = tmp_path / "iphone.heic"
        exif = Image.Exif()
        gps = exif.get_ifd(GPS_IFD)
        gps[1] = "N"
        gps[2] = (31.0, 12.0, 30.5)
        Image.new("RGB", (64, 48), "red").save(src, exif=exif.tobytes())
    except Exception as exc:  # no HEVC encoder in this build
        pytest.skip(f"cannot write HEIC here: {exc}")
    with Image.open(src) as original:
        assert GPS_IFD in original.getexif()
    prepared = prepare_image(src, "image/heic", 100, 100)
    assert decoded(prepared.jpeg).size == (64, 48)


def test_truncated_pdf_evidence_becomes_placeholder(files: dict[str, Path], tmp_path: Path) -> None:
    data = files["pdf"].read_bytes()
    broken = tmp_path / "cut.pdf"
    broken.write_bytes(data[: len(data) // 2])
    result = build_packet(
        content_with((evidence("物流凭证", broken, "application/pdf", "被截断的面单"),)), tmp_path / "t.pdf"
    )
    text = squash("\n".join(p.extract_text() for p in PdfReader(result.path).pages))
    assert "PDF凭证：cut.pdf，无法读取：文件已损坏或不是有效的PDF" in text
    assert any("cut.pdf" in w for w in result.warnings)


def test_group_heading_stays_with_its_first_item(files: dict[str, Path], tmp_path: Path) -> None:
    items = (
        evidence("仓库称重图", files["oriented"], "image/jpeg", "第一张"),
        evidence("买家照片", files["png"], "image/png", "第二张"),
    )
    # Vary the text above so the headings land at every height of the page, bottom included.
    for lines in range(0, 60, 3):
        content = content_with(items, description="描述文字。" * 8 + "\n" + "一行说明\n" * lines)
        out = build_packet(content, tmp_path / f"k{lines}.pdf")
        pages = [squash(p.extract_text()) for p in PdfReader(out.path).pages]
        for heading, caption in (
            ("仓库称重图（1项）", "凭证1：第一张"),
            ("买家照片（1项）", "凭证2：第二张"),
        ):
            where = [i for i, text in enumerate(pages) if heading in text]
            assert where, (lines, heading)
            assert caption in pages[where[0]], (lines, heading)


# --- atomic write, cancel, failure --------------------------------------------------------------


def test_cancel_removes_partial_and_keeps_old_file(main_content: PacketContent, tmp_path: Path) -> None:
    out = tmp_path / "packet.pdf"
    out.write_bytes(b"previous packet")
    calls: list[int] = []

    def cancel() -> bool:
        return len(calls) >= 2

    with pytest.raises(PacketFailed, match="已取消"):
        build_packet(main_content, out, progress=lambda d, t, m: calls.append(d), cancel=cancel)
    assert calls == [1, 2]
    assert out.read_bytes() == b"previous packet"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["packet.pdf"]


def test_cancel_during_layout(tmp_path: Path, files: dict[str, Path]) -> None:
    calls = 0

    def cancel() -> bool:
        nonlocal calls
        calls += 1
        return calls > 3  # past the per-item checks, inside ReportLab's layout

    out = tmp_path / "late.pdf"
    content = content_with((evidence("其他", files["png"], "image/png", "x"),))
    with pytest.raises(PacketFailed, match="已取消"):
        build_packet(content, out, cancel=cancel)
    assert list(tmp_path.iterdir()) == []


def test_target_is_a_folder(tmp_path: Path) -> None:
    (tmp_path / "taken.pdf").mkdir()
    with pytest.raises(PacketFailed, match="已有同名文件夹"):
        build_packet(content_with(()), tmp_path / "taken.pdf")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken.pdf"]


def test_missing_folder_fails_plainly(main_content: PacketContent, tmp_path: Path) -> None:
    with pytest.raises(PacketFailed, match="保存位置不存在"):
        build_packet(main_content, tmp_path / "no-such-dir" / "packet.pdf")


def test_layout_error_fails_plainly_without_partial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import desk.pdf.packet as packet

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("internal detail")

    monkeypatch.setattr(packet._PacketDoc, "build", boom)
    with pytest.raises(PacketFailed, match="生成申诉材料失败：排版时出现内部错误") as info:
        build_packet(content_with(()), tmp_path / "x.pdf")
    assert "internal detail" not in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_pdf_package_does_not_import_qt() -> None:
    code = (
        "import sys, desk.pdf.packet, desk.pdf.fonts, desk.pdf.images; "
        "bad = [m for m in sys.modules if m.startswith(('PySide6', 'ui'))]; "
        "assert not bad, bad"
    )
    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root)


def test_changed_image_changes_bytes(files: dict[str, Path], tmp_path: Path) -> None:
    # Guards the determinism test against passing trivially (e.g. images silently dropped).
    other = tmp_path / "other.png"
    Image.new("RGB", (200, 100), (30, 60, 160)).save(other)
    a = build_packet(content_with((evidence("其他", files["png"], "image/png", "x"),)), tmp_path / "a.pdf")
    b = build_packet(content_with((evidence("其他", other, "image/png", "x"),)), tmp_path / "b.pdf")
    assert a.sha256 != b.sha256
    ia = pil(PdfReader(a.path).pages[0].images[0]).convert("RGB")
    ib = pil(PdfReader(b.path).pages[0].images[0]).convert("RGB")
    assert ImageChops.difference(ia, ib).getbbox() is not None


def test_oriented_photo_renders_upright_on_its_page(built: Built, tmp_path: Path) -> None:
    """What a reviewer sees (poppler's rendering, not the embedded stream): the EXIF-6 photo is portrait,
    its stored top band on the right-hand side as the phone held it."""
    page_no = next(
        i
        for i, page in enumerate(built.reader.pages, start=1)
        if any(pil(img).height > pil(img).width for img in page.images)
    )
    png = render_page(built.result.path, page_no, tmp_path, dpi=100)
    with Image.open(png) as im:
        rgb = im.convert("RGB")
    red = [
        (x, y)
        for y in range(0, rgb.height, 2)
        for x in range(0, rgb.width, 2)
        if (p := rgb.getpixel((x, y))) and p[0] > 170 and p[1] < 80 and p[2] < 80  # type: ignore[index]
    ]
    assert red, "the photo's red band is not on the rendered page"
    xs, ys = [x for x, _ in red], [y for _, y in red]
    band_w, band_h = max(xs) - min(xs), max(ys) - min(ys)
    assert band_h > 3 * band_w, (band_w, band_h)  # a vertical band: the photo was turned, not stretched
    # The band is the right edge of the picture: just left of it the photo is white.
    left_of_band = rgb.getpixel((min(xs) - 6, (min(ys) + max(ys)) // 2))
    assert isinstance(left_of_band, tuple) and min(left_of_band) > 200, left_of_band
