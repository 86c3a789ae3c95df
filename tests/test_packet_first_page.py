"""Appeal packets you can send without reading them first: page 1 carries the claim and the evidence that
decides it, for each appeal of the guide; every page is legible at 100 % print (tall screenshots sliced at
a legible width, 续 on each continuation), photos pair up, and no page of a section but its last is left
less than half full. Checked on the pages as poppler renders them and on the PDF's structure."""

from __future__ import annotations

import io
import itertools
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFont, ImageStat
from pypdf import PdfReader

from desk.domain import EvidenceKind, Mark, MarkShape
from desk.pdf.content import PacketContent, PacketEvidence
from desk.pdf.packet import MARGIN_BOTTOM, MARGIN_TOP, PAGE_H, build_packet
from desk.pdf.pictures import LEGIBLE_W

# One demo profile, made once, for the packets of the five appeals: on PostgreSQL one schema for the module.
pytestmark = [
    pytest.mark.database_per_module,
    pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed"),
]

MM = 72 / 25.4
WHEN = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
FONT = Path(__file__).resolve().parents[1] / "resources" / "fonts" / "wqy-microhei.ttc"


# -- reading a packet the way a reviewer (and a printer) gets it ------------------------------------------


def squash(text: str) -> str:
    return "".join(text.split())


def page_text(pdf: Path, page: int) -> str:
    """poppler's text of one page (1-based), without spaces."""
    out = subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return squash(out.stdout)


def render(pdf: Path, page: int, dpi: int, out_dir: Path) -> Image.Image:
    prefix = out_dir / f"{pdf.stem}-{page}-{dpi}"
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
    with Image.open(prefix.with_suffix(".png")) as im:
        return im.convert("RGB")


@dataclass(frozen=True)
class Placed:
    """An image XObject drawn on a page: its name and where (points, from the page's bottom left)."""

    name: str
    x: float
    y: float
    w: float
    h: float


def _xobjects(reader: PdfReader, index: int) -> Any:
    resources: Any = reader.pages[index]["/Resources"]
    return resources.get_object().get("/XObject", {})


def placements(reader: PdfReader, index: int) -> list[Placed]:
    """Every image drawn on page `index` (0-based), read from the content stream's transformation."""
    page = reader.pages[index]
    xobjects = _xobjects(reader, index)
    images = {name for name, ref in xobjects.items() if ref.get_object().get("/Subtype") == "/Image"}
    found: list[Placed] = []

    def visit(op: bytes, args: list[Any], cm: list[float], tm: list[float]) -> None:
        if op == b"Do" and args and args[0] in images:
            found.append(Placed(str(args[0]), cm[4], cm[5], cm[0], cm[3]))

    page.extract_text(visitor_operand_before=visit)
    return found


def page_images(reader: PdfReader, index: int) -> dict[str, Image.Image]:
    """The decoded images page `index` draws, by XObject name."""
    xobjects = _xobjects(reader, index)
    out = {}
    for name, ref in xobjects.items():
        obj = ref.get_object()
        if obj.get("/Subtype") == "/Image":
            out[str(name)] = Image.open(io.BytesIO(obj.get_data())).convert("RGB")
    return out


def like(a: Image.Image, b: Image.Image) -> float:
    """How far two pictures are apart (mean absolute difference of 48×48 versions, 0–255)."""
    size = (48, 48)
    diff = ImageChops.difference(a.resize(size), b.resize(size))
    return sum(ImageStat.Stat(diff).mean) / 3


def original(desk: Any, evidence_id: int) -> Image.Image:
    from PIL import ImageOps

    with Image.open(desk.evidence.blob_path(evidence_id)) as im:
        return ImageOps.exif_transpose(im).convert("RGB")


def ink_bottom(page: Image.Image) -> float:
    """How far down the body frame (0 = its top, 1 = its bottom) the page's lowest ink is."""
    gray = page.convert("L")
    w, h = gray.size
    top = round(MARGIN_TOP / PAGE_H * h) + 2  # below the running header's rule
    bottom = round((PAGE_H - MARGIN_BOTTOM) / PAGE_H * h)  # above the page number
    lowest = top
    for y in range(top, bottom):
        row = gray.crop((0, y, w, y + 1))
        if cast(tuple[int, int], row.getextrema())[0] < 200:
            lowest = y
    return (lowest - top) / (bottom - top)


# -- the five appeals of the guide, from the demo ------------------------------------------------------------


@dataclass(frozen=True)
class Built:
    case: Any
    pdf: Path
    reader: PdfReader
    first: str  # page 1's text, without spaces


KINDS = {
    # name: (case type, appeal kind of the case)
    "missing": ("MISSING_ITEM", "goods"),
    "freight": ("UNWANTED", "freight"),
    "malicious": ("MALICIOUS", "goods"),
    "quality": ("QUALITY", "goods"),
    "generic": ("UNWANTED", ""),
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from desk.app import open_desk
    from desk_demo.cases import fill_demo

    root = tmp_path_factory.mktemp("first-page")
    desk = open_desk(root / "profile")
    fill_demo(desk)
    yield desk
    desk.close()


@pytest.fixture(scope="module")
def packets(demo: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Built]:
    out = tmp_path_factory.mktemp("packets")
    cases = [demo.cases.get(i) for i in demo.cases.list_ids()]
    built = {}
    for name, (case_type, appeal) in KINDS.items():
        case = next(
            c for c in cases if c.case_type.name == case_type and c.appeal_type == appeal and c.order_no
        )
        pdf = out / f"{name}.pdf"
        demo.packets.build(case.id, pdf, generated_at=WHEN)
        built[name] = Built(case, pdf, PdfReader(pdf), page_text(pdf, 1))
    return built


def evidence_of(demo: Any, case: Any, kind: EvidenceKind) -> Any:
    return next(e for e in demo.evidence.list(case.id) if e.kind == kind)


@pytest.mark.parametrize("name", list(KINDS))
def test_page_one_states_the_claim_with_the_numbers_that_decide_it(
    packets: dict[str, Built], name: str
) -> None:
    built = packets[name]
    case, first = built.case, built.first
    assert "申诉要点" in first and "关键证据" in first
    assert case.order_no in first and case.after_sales_no in first
    assert first.index("申诉要点") < first.index("关键证据")
    appeal = {"goods": "维权申诉·货款申诉", "freight": "维权申诉·运费申诉", "": "提交申诉材料"}[
        case.appeal_type
    ]
    assert appeal in first
    if case.appeal_type == "goods":
        assert f"申请追回已退款¥{case.refund_amount:.2f}" in first
        assert f"退款金额¥{case.refund_amount:.2f}" in first  # the numbers beside the pictures, too
    # The bookmarks open on page 1 with the claim and its evidence.
    reader = built.reader
    outline = {
        str(item.title): reader.get_destination_page_number(item)
        for item in reader.outline
        if not isinstance(item, list)
    }
    assert outline["申诉要点"] == 0 and outline["关键证据"] == 0


def test_missing_item_shows_both_weighings_side_by_side_and_the_weight_worked_out(
    demo: Any, packets: dict[str, Built], tmp_path: Path
) -> None:
    built = packets["missing"]
    first = built.first
    # items × unit weight + packaging = expected, tolerance, actual weights, differences, conclusion
    for words in (
        "重量计算",
        "3件×380g=1,140g",
        "包装110g",
        "应有重量1,140g+110g=1,250g",
        "允许误差±58g",
        "仓库称重1,250g，差0g（在误差内）",
        "快递揽收重量1,260g，差+10g（在误差内）",
        "结论重量相符：未发现少件",
        "发货时包裹重量与订单商品的应有重量相符，并未少发",
    ):
        assert words in first, words
    # Two pictures on page 1, side by side: the warehouse scale and the courier's intranet weight.
    placed = placements(built.reader, 0)
    assert len(placed) == 2
    left, right = sorted(placed, key=lambda p: p.x)
    assert left.x + left.w <= right.x  # next to each other, not overlapping
    assert abs((left.y + left.h / 2) - (right.y + right.h / 2)) < 20  # on the same band of the page
    images = page_images(built.reader, 0)
    warehouse = original(demo, evidence_of(demo, built.case, EvidenceKind.WAREHOUSE_WEIGHT).id)
    courier = original(demo, evidence_of(demo, built.case, EvidenceKind.COURIER_WEIGHT).id)
    assert like(images[left.name], warehouse) < 12
    assert like(images[right.name], courier) < 12
    # As printed: the two pictures fill both halves of the same band of page 1.
    page = render(built.pdf, 1, 50, tmp_path)
    band_y = round((PAGE_H - (left.y + left.h / 2)) / PAGE_H * page.height)
    row = page.crop((0, band_y, page.width, band_y + 1)).convert("L")
    dark = [x for x in range(page.width) if cast(int, row.getpixel((x, 0))) < 200]
    assert dark and min(dark) < page.width * 0.3 and max(dark) > page.width * 0.7


def test_freight_appeal_shows_the_voucher_the_amount_and_the_return_waybill(
    demo: Any, packets: dict[str, Built]
) -> None:
    built = packets["freight"]
    assert "运费金额¥12.00" in built.first
    assert f"退货运单号{built.case.return_tracking_no}" in built.first
    assert "退货运费¥12.00由商家垫付" in built.first
    (placed,) = placements(built.reader, 0)
    voucher = original(demo, evidence_of(demo, built.case, EvidenceKind.FREIGHT_VOUCHER).id)
    assert like(page_images(built.reader, 0)[placed.name], voucher) < 12
    assert placed.w > 400  # across the page


def test_malicious_wrong_item_shows_the_goods_with_label_and_the_store_listing(
    demo: Any, packets: dict[str, Built]
) -> None:
    built = packets["malicious"]
    assert "买家照片中的商品本店并未销售" in built.first
    assert "店铺在售商品：搜索“蓝色塑料水杯”无结果" in built.first
    placed = sorted(placements(built.reader, 0), key=lambda p: p.x)
    assert len(placed) == 2 and placed[0].x + placed[0].w <= placed[1].x
    images = page_images(built.reader, 0)
    goods = original(demo, evidence_of(demo, built.case, EvidenceKind.GOODS_WITH_LABEL).id)
    listing = original(demo, evidence_of(demo, built.case, EvidenceKind.STORE_LISTING).id)
    assert like(images[placed[0].name], goods) < 12
    assert like(images[placed[1].name], listing) < 12


def test_quality_appeal_shows_the_chat_admission_enlarged(demo: Any, packets: dict[str, Built]) -> None:
    built = packets["quality"]
    assert "买家在聊天中承认商品损坏是其本人原因造成" in built.first
    assert "放大区域" in built.first
    chat = evidence_of(demo, built.case, EvidenceKind.CHAT)
    (detail,) = [m for m in chat.marks if m.shape == MarkShape.DETAIL]
    whole = original(demo, chat.id)
    region = whole.crop(
        (
            round(detail.x0 * whole.width),
            round(detail.y0 * whole.height),
            round(detail.x1 * whole.width),
            round(detail.y1 * whole.height),
        )
    )
    (placed,) = placements(built.reader, 0)
    shown = page_images(built.reader, 0)[placed.name]
    assert like(shown, region) < 12  # the admission, not the whole chat
    assert like(shown, whole) > like(shown, region) + 5
    # Enlarged: the region prints wider than the whole chat would at its legible width.
    assert placed.w / LEGIBLE_W > (detail.x1 - detail.x0) * 1.1


def test_generic_packet_shows_its_first_picture(demo: Any, packets: dict[str, Built]) -> None:
    built = packets["generic"]
    assert "提交申诉材料" in built.first
    content = demo.packets.content(built.case.id)
    assert content.first_page.pictures == (0,)
    (placed,) = placements(built.reader, 0)
    first = content.evidence[0]
    with Image.open(first.blob_path) as im:
        assert like(page_images(built.reader, 0)[placed.name], im.convert("RGB")) < 12


@pytest.mark.parametrize("name", list(KINDS))
def test_no_page_of_a_section_but_its_last_is_less_than_half_full(
    packets: dict[str, Built], name: str, tmp_path: Path
) -> None:
    built = packets[name]
    sections = section_pages(built.pdf, len(built.reader.pages))
    for pages in sections:
        for page in pages[:-1]:
            assert ink_bottom(render(built.pdf, page, 30, tmp_path)) >= 0.5, (name, page)


def test_a_mixed_packet_uses_its_pages_well(tmp_path: Path) -> None:
    """Photos of both shapes, lone photos between kinds, tall screenshots, an enlargement and a PDF voucher:
    every page of each section but its last is at least half full."""
    from reportlab.pdfgen.canvas import Canvas

    items = []
    for n, (size, kind) in enumerate(
        [
            ((800, 600), "仓库称重图"),
            ((1280, 800), "快递内网重量图"),
            ((600, 800), "买家照片"),
            ((800, 600), "买家照片"),
            ((800, 600), "买家照片"),
            ((1080, 2300), "聊天截图"),
            ((900, 700), "聊天截图"),
            ((1080, 3100), "聊天截图"),
            ((800, 600), "发货商品与面单合照"),
        ]
    ):
        path = tmp_path / f"e{n}.png"
        Image.new("RGB", size, (60 + 20 * n, 120, 200 - 15 * n)).save(path)
        marks = (Mark(MarkShape.DETAIL, 0.1, 0.1, 0.6, 0.3),) if n == 6 else ()
        items.append(_evidence(path, kind, f"第 {n + 1} 项", marks))
    voucher = tmp_path / "物流凭证.pdf"
    c = Canvas(str(voucher), pagesize=(300, 400))
    for page in range(2):
        c.drawString(20, 200, f"VOUCHER-{page + 1}")
        c.showPage()
    c.save()
    items.append(
        PacketEvidence(
            kind="物流凭证",
            blob_path=voucher,
            media_type="application/pdf",
            original_name=voucher.name,
            caption="物流轨迹",
            captured_at=None,
            sha256="f" * 64,
        )
    )
    result = build_packet(_content(tuple(items)), tmp_path / "mixed.pdf")
    sections = section_pages(result.path, result.page_count)
    assert len(sections) == 3  # the packet, the voucher's pages, the appendix
    for pages in sections:
        for page in pages[:-1]:
            assert ink_bottom(render(result.path, page, 30, tmp_path)) >= 0.5, page


def section_pages(pdf: Path, total: int) -> list[list[int]]:
    """Page numbers per section: a section starts with the packet, the PDF vouchers, or the appendix."""
    sections: list[list[int]] = []
    for page in range(1, total + 1):
        text = page_text(pdf, page)
        if page == 1 or "PDF凭证原文" in text or "附录：凭证原件清单" in text:
            sections.append([])
        sections[-1].append(page)
    return sections


# -- legible at 100 % print ----------------------------------------------------------------------------------


def _evidence(path: Path, kind: str, caption: str, marks: tuple[Mark, ...] = ()) -> PacketEvidence:
    return PacketEvidence(
        kind=kind,
        blob_path=path,
        media_type="image/png",
        original_name=path.name,
        caption=caption,
        captured_at=None,
        sha256=(path.name.encode().hex() * 20)[:64],
        marks=marks,
    )


def _content(items: tuple[PacketEvidence, ...]) -> PacketContent:
    return PacketContent(
        title="拼多多 维权申诉材料",
        order_no="261120-583920174650321",
        cover_fields=(("平台", "拼多多"),),
        description="买家称少发一件。",
        evidence=items,
        generated_at=datetime(2026, 1, 1),
    )


def tall_screenshot(path: Path, height: int = 6000) -> Path:
    """A 1080-px-wide phone screenshot, light blue, with a line of 14-px text every 40 px."""
    im = Image.new("RGB", (1080, height), (220, 235, 255))
    draw = ImageDraw.Draw(im)
    font = ImageFont.truetype(str(FONT), 14)
    for y in range(0, height, 40):
        draw.text((40, y + 12), f"第 {y // 40 + 1} 行：14 像素高的聊天文字", font=font, fill=(20, 20, 20))
    im.save(path)
    return path


def _blue_box(page: Image.Image) -> tuple[int, int, int, int] | None:
    """Where the screenshot's window is on a rendered page (its blue, text aside)."""
    r, _g, b = page.split()
    mask = Image.eval(ImageChops.subtract(b, r), lambda v: 255 if v > 3 else 0)
    return mask.getbbox()


def test_the_legible_width_is_worked_out_from_14_px_text_at_2_mm() -> None:
    # A 1080-px screenshot's 14-px text prints 2 mm high when the picture is 1080 / 14 × 2 mm wide.
    assert pytest.approx(1080 / 14 * 2 * MM) == LEGIBLE_W
    assert 154 * MM < LEGIBLE_W < 155 * MM
    assert 14 * LEGIBLE_W / 1080 >= 2 * MM - 1e-9


def test_a_tall_screenshot_is_cut_into_legible_slices_marked_continued(tmp_path: Path) -> None:
    shot = tall_screenshot(tmp_path / "长聊天.png")
    result = build_packet(_content((_evidence(shot, "聊天截图", "很长的聊天记录"),)), tmp_path / "tall.pdf")
    reader = PdfReader(result.path)
    pages = []
    for number in range(1, result.page_count + 1):
        box = _blue_box(render(result.path, number, 72, tmp_path))
        if box is not None:
            pages.append((number, box))
    # 6000 px at the legible width is about 2430 pt: more than three pages of slices.
    assert len(pages) >= 4
    assert [n for n, _ in pages] == list(range(pages[0][0], pages[-1][0] + 1))  # one after another
    for number, (x0, _y0, x1, _y1) in pages:
        assert x1 - x0 >= LEGIBLE_W - 2, number  # 72 dpi: a pixel is a point
        text = page_text(result.path, number)
        if number == pages[0][0]:
            assert "凭证1：很长的聊天记录" in text and "接上页" not in text
        else:
            assert "续凭证1（接上页" in text, number
        if number != pages[-1][0]:
            assert "凭证1下页续" in text, number
    # The slices overlap: each one starts a little above where the one before ended. Where a window is
    # on the screenshot: the picture's top edge (from the PDF) less the window's edges (as rendered).
    spans = []
    for number, (_x0, y0, _x1, y1) in pages:
        (placed,) = placements(reader, number - 1)
        picture_top = PAGE_H - (placed.y + placed.h)  # points below the page's top edge
        spans.append((y0 - picture_top, y1 - picture_top))
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert 6 * MM < end - start < 10 * MM, spans  # about 8 mm of the screenshot printed twice
    assert spans[0][0] == pytest.approx(0, abs=2) and spans[-1][1] == pytest.approx(
        6000 * LEGIBLE_W / 1080, abs=2
    )
    # One picture embedded, every slice a window onto it: slicing costs no bytes.
    names = {p.name for i in range(len(reader.pages)) for p in placements(reader, i)}
    assert len(names) == 1


def test_photos_pair_up_two_to_a_row(tmp_path: Path) -> None:
    colours = [(200, 40, 40), (40, 160, 40), (40, 40, 200), (220, 160, 30), (150, 60, 170)]
    items = []
    for n, colour in enumerate(colours):
        path = tmp_path / f"photo{n}.png"
        Image.new("RGB", (800, 600) if n != 2 else (600, 800), colour).save(path)  # one portrait photo
        items.append(_evidence(path, "买家照片", f"照片{n + 1}"))
    result = build_packet(_content(tuple(items)), tmp_path / "pairs.pdf")
    reader = PdfReader(result.path)
    drawn = [(i, p) for i in range(len(reader.pages)) for p in placements(reader, i)]
    assert len(drawn) == 5
    (p1, a), (p2, b), (p3, c), (p4, d), (_, e) = drawn
    assert p1 == p2 and a.x + a.w <= b.x and abs(a.y + a.h - (b.y + b.h)) < 1  # a row: tops aligned
    assert p3 == p4 and c.x + c.w <= d.x and abs(c.y + c.h - (d.y + d.h)) < 1
    assert c.h > c.w  # the portrait photo keeps its shape in its half of the row
    assert e.x < (b.x + b.w) / 2 < e.x + e.w  # the odd one out has the row to itself, centred
    assert result.page_count <= 3  # five photos and the appendix: two rows a page, not one photo


def test_a_marked_region_prints_enlarged_under_the_picture_and_outlined_on_it(tmp_path: Path) -> None:
    path = tmp_path / "chat.png"
    im = Image.new("RGB", (1000, 800), (235, 235, 235))
    ImageDraw.Draw(im).rectangle((600, 500, 799, 599), fill=(200, 30, 30))  # the part that matters
    im.save(path)
    mark = Mark(MarkShape.DETAIL, 0.6, 0.625, 0.8, 0.75)
    result = build_packet(_content((_evidence(path, "聊天截图", "买家承认", (mark,)),)), tmp_path / "d.pdf")
    reader = PdfReader(result.path)
    drawn = [(i, p) for i in range(len(reader.pages)) for p in placements(reader, i)]
    assert len(drawn) == 2
    (whole_page, whole), (detail_page, detail) = drawn
    assert detail_page > whole_page or detail.y + detail.h <= whole.y  # under the picture
    assert detail.w > 2 * whole.w * 0.2  # enlarged: wider than the region in the whole picture, twice over
    images = {name: img for i in range(len(reader.pages)) for name, img in page_images(reader, i).items()}
    red = images[detail.name].getpixel((images[detail.name].width // 2, images[detail.name].height // 2))
    assert cast(tuple[int, ...], red)[0] > 170  # the region itself: red through and through
    # The region is outlined on the whole picture, thinly, never painted over it.
    text = "".join(page_text(result.path, n) for n in range(1, result.page_count + 1))
    assert "凭证1·放大区域（原图中蓝色虚线框处）" in text
    stored = images[whole.name]
    inside = cast(tuple[int, ...], stored.getpixel((round(0.7 * stored.width), round(0.7 * stored.height))))
    assert inside[0] > 170 and inside[1] < 80  # the embedded picture carries no frame of its own


def test_exports_never_draw_a_detail_region() -> None:
    from desk.store.render import draw_marks

    im = Image.new("RGB", (200, 100), (240, 240, 240))
    out = draw_marks(im.copy(), [Mark(MarkShape.DETAIL, 0.1, 0.1, 0.9, 0.9)])
    assert ImageChops.difference(out, im).getbbox() is None


def test_the_region_is_cut_from_the_marked_picture_and_turned_with_it(tmp_path: Path) -> None:
    from desk.pdf.images import prepare_image
    from desk.pdf.pictures import printed_region

    path = tmp_path / "p.png"
    im = Image.new("RGB", (400, 200), (255, 255, 255))
    ImageDraw.Draw(im).rectangle((300, 0, 399, 99), fill=(0, 0, 255))
    im.save(path)
    redaction = Mark(MarkShape.REDACT, 0.75, 0.0, 0.875, 0.5)  # the left half of the blue square
    region = (0.75, 0.0, 1.0, 0.5)
    out = prepare_image(path, "image/png", 200, 200, marks=(redaction,), crop=region)
    got = Image.open(io.BytesIO(out.jpeg)).convert("RGB")
    assert (out.width_pt, out.height_pt) == pytest.approx((200, 200))  # enlarged to fill the box
    assert max(cast(tuple[int, ...], got.getpixel((got.width // 4, got.height // 2)))) < 30  # redacted
    assert cast(tuple[int, ...], got.getpixel((got.width * 3 // 4, got.height // 2)))[2] > 200  # blue
    turned = prepare_image(path, "image/png", 200, 200, crop=region, rotation=90)
    assert turned.width_pt == pytest.approx(200)
    # Where the region sits on the picture as printed (turned a quarter clockwise).
    assert printed_region(region, 90) == pytest.approx((0.5, 0.75, 1.0, 1.0))
    assert printed_region(region, 180) == pytest.approx((0.0, 0.5, 0.25, 1.0))
    assert printed_region(region, 270) == pytest.approx((0.0, 0.0, 0.5, 0.25))


# -- the viewer's 放大区域 tool --------------------------------------------------------------------------------


def test_the_viewer_marks_a_region_to_enlarge(qtbot: Any) -> None:
    from ui.evidence.viewer import SHAPES, TOOLS, Canvas
    from ui.qt import QImage, QPointF, Qt

    assert TOOLS["detail"][:2] == ("放大区域", "D") and SHAPES["detail"] == MarkShape.DETAIL
    canvas = Canvas()
    qtbot.addWidget(canvas)
    canvas.resize(500, 400)
    canvas.show()
    qtbot.waitExposed(canvas)
    image = QImage(400, 300, QImage.Format.Format_RGB32)
    image.fill(0xFFFFFF)
    canvas.set_picture(image, (400, 300), 0, [], editable=True)
    canvas.tool = "detail"
    saved: list[list[Mark]] = []
    canvas.marks_changed.connect(saved.append)
    transform = canvas.transform()
    start = transform.map(QPointF(100, 75)).toPoint()
    end = transform.map(QPointF(300, 225)).toPoint()
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(canvas, pos=end)
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=end)
    assert saved and saved[-1][-1].shape == MarkShape.DETAIL
    mark = saved[-1][-1]
    assert (mark.x0, mark.y0, mark.x1, mark.y1) == pytest.approx((0.25, 0.25, 0.75, 0.75), abs=0.02)
    # On screen it is a dashed blue frame; the picture under it is not painted over.
    shot = canvas.grab().toImage()
    centre = transform.map(QPointF(200, 150)).toPoint()
    assert shot.pixelColor(centre).lightness() > 240
    edge = transform.map(QPointF(100, 150)).toPoint()
    colours = [shot.pixelColor(edge.x() + dx, edge.y() + dy) for dx in (-1, 0, 1) for dy in range(-6, 7)]
    assert any(c.blue() > 150 and c.red() < 120 for c in colours)
