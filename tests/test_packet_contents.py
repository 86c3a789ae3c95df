"""Issue 7: what a packet built from a real case prints — key facts, weights, timeline, manifest,
merged PDF vouchers — and that phone numbers are masked in every layer of the file."""

from __future__ import annotations

import hashlib
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader
from reportlab.pdfgen.canvas import Canvas

from desk.domain import CaseDraft, CaseStatus

PHONE = "13812345678"
ORDER_NO = "261120-583920174650321"
TRACKING = "YT7512049386021"


def _voucher(path: Path, text: str, pages: int = 2) -> None:
    c = Canvas(str(path), pagesize=(300, 200), invariant=1)
    for n in range(pages):
        c.drawString(20, 100, f"{text}-{n + 1}")
        c.showPage()
    c.save()


def _all_text(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def _outline_titles(items: list[Any]) -> list[str]:
    out: list[str] = []
    for item in items:
        out += _outline_titles(item) if isinstance(item, list) else [str(item.title)]
    return out


@pytest.fixture
def packet(desk: Any, tmp_path: Path) -> tuple[Any, PdfReader, Path, dict[str, str]]:
    draft = CaseDraft(
        order_no=ORDER_NO,
        tracking_no=TRACKING,
        courier="圆通速递",
        buyer_nick=f"买家{PHONE}",
        order_amount=Decimal("89.70"),
        refund_amount=Decimal("29.90"),
        description=f"买家电话 {PHONE} 称少发一件。",
        appeal_type="维权申诉 · 少件申诉",
    )
    case, _ = desk.cases.create(draft)
    desk.cases.add_note(case.id, f"已致电 {PHONE} 沟通")  # internal: never printed
    # A business event the platform reads, with the buyer's phone in the shop's rewording of it.
    desk.cases.update(case.id, status=CaseStatus.NEGOTIATING)
    talk = next(e for e in desk.packets.platform_story(case.id) if e.text == "商家与买家协商处理方案")
    desk.packets.set_platform_entry(case.id, talk.key, text=f"已致电 {PHONE} 沟通处理方案")
    photo = tmp_path / f"聊天{PHONE}.png"
    Image.new("RGB", (300, 900), (200, 220, 240)).save(photo)
    voucher = tmp_path / "物流凭证.pdf"
    _voucher(voucher, "VOUCHERPAGE")
    report = desk.evidence.import_files(case.id, [photo, voucher])
    assert len(report.added) == 2
    out = tmp_path / "packet.pdf"
    desk.packets.build(case.id, out)
    hashes = {e.original_name: e.sha256 for e in report.added}
    return case, PdfReader(out), out, hashes


def test_key_facts_amounts_and_appeal_type(packet: tuple[Any, PdfReader, Path, dict[str, str]]) -> None:
    _, reader, _, _ = packet
    text = _all_text(reader).replace(" ", "")
    assert "关键事实" in text
    assert "订单金额" in text and "¥89.70" in text
    assert "退款金额" in text and "¥29.90" in text
    assert "售后登记时间" in text
    assert "维权申诉·少件申诉" in text


def test_timeline_is_printed_and_masked(packet: tuple[Any, PdfReader, Path, dict[str, str]]) -> None:
    _, reader, _, _ = packet
    text = _all_text(reader).replace(" ", "")
    assert "处理经过" in text
    assert "已致电138****5678沟通处理方案" in text  # the platform's entry, masked
    assert "已致电138****5678沟通\n" not in text and "新建售后" not in text  # the internal record is not


def test_manifest_lists_full_hashes_sizes_and_names(
    packet: tuple[Any, PdfReader, Path, dict[str, str]],
) -> None:
    _, reader, _, hashes = packet
    last = "".join(reader.pages[-1].extract_text().split())
    assert "附录：凭证原件清单" in last
    for name, sha in hashes.items():
        assert sha in last, name
    assert "物流凭证.pdf" in last
    assert "导入" in last and "KB" in last  # the PNG and the voucher are a few KB each


def test_pdf_voucher_pages_are_merged_in(packet: tuple[Any, PdfReader, Path, dict[str, str]]) -> None:
    _, reader, _, _ = packet
    pages = [page.extract_text() for page in reader.pages]
    hits = [i for i, t in enumerate(pages) if "VOUCHERPAGE-" in t]
    assert len(hits) == 2 and hits[1] == hits[0] + 1
    assert "VOUCHERPAGE-1" in pages[hits[0]] and "VOUCHERPAGE-2" in pages[hits[1]]
    total = len(reader.pages)
    for i in hits:  # the packet's own header and page numbering stay on merged pages
        assert f"共 {total} 页" in pages[i]
        assert ORDER_NO in pages[i]


def test_phone_masked_in_every_layer_ids_intact(packet: tuple[Any, PdfReader, Path, dict[str, str]]) -> None:
    _, reader, path, _ = packet
    text = _all_text(reader)
    titles = " ".join(_outline_titles(reader.outline))
    meta = " ".join(str(v) for v in (reader.metadata or {}).values())
    raw = path.read_bytes()
    for layer, content in (("text", text), ("bookmarks", titles), ("metadata", meta)):
        assert PHONE not in content, layer
    assert PHONE.encode() not in raw
    assert "138****5678" in text
    assert ORDER_NO in text and TRACKING in text  # order and tracking numbers stay readable


def test_weight_table_from_demo_case(desk: Any, tmp_path: Path) -> None:
    from desk_demo.cases import fill_demo

    ids = fill_demo(desk)
    case_id = next(i for i in ids if desk.weights.packet_table(i))
    rows = desk.weights.packet_table(case_id)
    out = tmp_path / "w.pdf"
    desk.packets.build(case_id, out)
    text = "".join(_all_text(PdfReader(out)).split())
    assert "称重对比" in text
    for row in rows:
        for cell in row:
            assert "".join(cell.split()) in text, cell


def test_same_case_same_bytes(desk: Any, tmp_path: Path) -> None:
    from datetime import UTC, datetime

    case, _ = desk.cases.create(CaseDraft(order_no=ORDER_NO, description="少件"))
    voucher = tmp_path / "v.pdf"
    _voucher(voucher, "V", pages=1)
    desk.evidence.import_files(case.id, [voucher])
    when = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    a = desk.packets.content(case.id, generated_at=when)
    from desk.pdf.packet import build_packet

    r1 = build_packet(a, tmp_path / "1.pdf")
    r2 = build_packet(a, tmp_path / "2.pdf")
    assert r1.sha256 == r2.sha256 == hashlib.sha256((tmp_path / "1.pdf").read_bytes()).hexdigest()


def test_tall_screenshots_print_one_at_a_time_at_a_legible_width(tmp_path: Path) -> None:
    from datetime import datetime

    from desk.pdf.content import PacketContent, PacketEvidence
    from desk.pdf.packet import build_packet

    items = []
    for n in range(6):
        path = tmp_path / f"chat{n}.png"
        Image.new("RGB", (540, 1200), (200, 220 - n * 10, 240)).save(path)
        items.append(
            PacketEvidence(
                kind="聊天截图",
                blob_path=path,
                media_type="image/png",
                original_name=path.name,
                caption=f"截图{n + 1}",
                captured_at=None,
                sha256=f"{n:064x}",
            )
        )
    content = PacketContent(
        title="拼多多 维权申诉材料",
        order_no=ORDER_NO,
        cover_fields=(),
        description="少件",
        evidence=tuple(items),
        generated_at=datetime(2026, 1, 1),
    )
    build_packet(content, tmp_path / "p.pdf")
    reader = PdfReader(tmp_path / "p.pdf")
    pages = ["".join(page.extract_text().split()) for page in reader.pages]
    body = pages[:-1]  # the last page is the manifest
    where = {n: next(i for i, t in enumerate(body) if f"凭证{n}：截图{n}" in t) for n in range(1, 7)}
    # Three to a row printed a phone screenshot's text well under a millimetre high; each one now has the
    # page's legible width (desk.pdf.pictures.LEGIBLE_W), in order, its caption above it.
    assert sorted(where.values()) == list(where.values())
    from desk.pdf.pictures import LEGIBLE_W

    widths = set()
    for page in reader.pages:
        page.extract_text(
            visitor_operand_before=lambda op, args, cm, tm: (
                widths.add(round(cm[0], 1)) if op == b"Do" else None
            )
        )
    assert widths == {round(LEGIBLE_W, 1)}
    # 540 × 1200 px at 437 pt wide is 971 pt tall, more than a page: every one is continued (续).
    assert sum("续凭证" in t for t in body) == 6


def test_kind_sets_appeal_type_and_unknown_kind_is_refused(desk: Any) -> None:
    from desk.errors import ValidationFailed

    case, _ = desk.cases.create(CaseDraft(order_no=ORDER_NO, appeal_type="维权申诉 · 货款申诉"))
    cover = dict(desk.packets.content(case.id, kind="freight").cover_fields)
    assert cover["申诉类型"] == "维权申诉 · 运费申诉"
    assert (
        dict(desk.packets.content(case.id, kind="运费申诉").cover_fields)["申诉类型"] == "维权申诉 · 运费申诉"
    )
    assert dict(desk.packets.content(case.id).cover_fields)["申诉类型"] == "维权申诉 · 货款申诉"
    with pytest.raises(ValidationFailed, match="申诉类型“乱填”不是拼多多的申诉类型"):
        desk.packets.content(case.id, kind="乱填")


# -- PDF vouchers that show a phone number ---------------------------------------------------------


def _phone_voucher(path: Path) -> None:
    """Page 1 shows the buyer's phone next to the tracking number; page 2 has no phone."""
    c = Canvas(str(path), pagesize=(400, 300), invariant=1)
    c.drawString(20, 200, f"Receiver Zhang Tel {PHONE}")
    c.drawString(20, 150, f"Waybill {TRACKING}")
    c.showPage()
    c.drawString(20, 150, "VOUCHERPAGE-2 signed")
    c.showPage()
    c.save()


def test_voucher_phone_number_is_not_extractable_order_number_is(desk: Any, tmp_path: Path) -> None:
    from desk.privacy import mask_phones

    case, _ = desk.cases.create(CaseDraft(order_no=ORDER_NO, description="物流凭证见附件"))
    voucher = tmp_path / "面单.pdf"
    _phone_voucher(voucher)
    assert PHONE in PdfReader(voucher).pages[0].extract_text()  # the source does carry it
    desk.evidence.import_files(case.id, [voucher])
    out = tmp_path / "packet.pdf"
    result = desk.packets.build(case.id, out)

    reader = PdfReader(out)
    pages = [page.extract_text() for page in reader.pages]
    text = "\n".join(pages)
    assert PHONE not in text and mask_phones(text) == text  # no phone number in any form
    assert PHONE.encode() not in out.read_bytes()
    # The phone page is a picture now, labelled so; the page without a phone stays text.
    drawn = next(i for i, t in enumerate(pages) if "已转为图片" in t)
    assert len(reader.pages[drawn].images) == 1
    assert TRACKING not in pages[drawn]  # the voucher's own text went into the picture
    assert ORDER_NO in pages[drawn]  # the packet's header stays readable
    assert any("VOUCHERPAGE-2" in t for t in pages)
    assert not any("面单.pdf" in w for w in result.warnings)  # drawn fine, nothing to warn about


def test_voucher_phone_in_an_annotation_also_makes_a_picture(desk: Any, tmp_path: Path) -> None:
    from pypdf import PdfWriter
    from pypdf.annotations import Text

    plain = tmp_path / "plain.pdf"
    _voucher(plain, "NOTEPAGE", pages=1)
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.add_annotation(page_number=0, annotation=Text(rect=(10, 10, 60, 60), text=f"买家电话 {PHONE}"))
    voucher = tmp_path / "批注.pdf"
    with voucher.open("wb") as fh:
        writer.write(fh)
    case, _ = desk.cases.create(CaseDraft(order_no=ORDER_NO))
    desk.evidence.import_files(case.id, [voucher])
    out = tmp_path / "packet.pdf"
    desk.packets.build(case.id, out)
    assert PHONE.encode() not in out.read_bytes()
    assert "已转为图片" in "".join(page.extract_text() for page in PdfReader(out).pages)


def test_drawn_voucher_page_blacks_out_the_middle_digits(tmp_path: Path) -> None:
    from desk.pdf.vouchers import drawn_page, phone_pages

    voucher = tmp_path / "v.pdf"
    _phone_voucher(voucher)
    found = phone_pages(voucher)
    assert list(found) == [0]
    boxes = found[0]
    assert len(boxes) == 4  # 1234 of 138 1234 5678
    dpi = 144
    drawn = drawn_page(voucher, 0, boxes, dpi)
    with Image.open(io.BytesIO(drawn.jpeg)) as im:
        im = im.convert("L")
        assert im.size == (800, 600)
        scale = dpi / 72
        for left, bottom, right, top in boxes:
            x, y = (left + right) / 2 * scale, (300 - (bottom + top) / 2) * scale
            assert im.getpixel((round(x), round(y))) < 40
        # "138" before them is still there: dark glyph pixels on white, not one black box.
        first = boxes[0]
        strip = im.crop(
            (
                round((first[0] - 20) * scale),
                round((300 - first[3]) * scale),
                round(first[0] * scale) - 4,
                round((300 - first[1]) * scale),
            )
        )
        lo, hi = strip.getextrema()
        assert lo < 100 and hi > 200


def test_after_sales_request_time_from_the_import_is_a_key_fact(desk: Any, tmp_path: Path) -> None:
    import csv

    export = tmp_path / "售后导出.csv"
    from tests.test_orders_import import PDD_AFTER_SALES as header  # the real 售后导出 columns

    row = [
        "9102847561203",
        ORDER_NO,
        TRACKING,
        "",
        "待商家处理",
        "退款",
        "少件",
        "已发货",
        "89.70",
        "29.90",
        "2026-11-24 14:27:38",
        "",
        "",
    ]
    with export.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([header, row])
    report = desk.orders.import_file(export)
    assert report.imported == 1
    out = tmp_path / "packet.pdf"
    desk.packets.build(report.case_ids[0], out)
    text = "".join(_all_text(PdfReader(out)).split())
    assert "售后申请时间2026-11-2414:27" in text
    assert "售后登记时间" in text


def test_long_numbers_are_never_broken_across_lines(tmp_path: Path) -> None:
    from datetime import datetime

    from desk.pdf.content import PacketContent, PacketEvidence
    from desk.pdf.packet import build_packet

    # Captions of screenshots three to a row are narrow (about 150 pt). Each pushes the numbers a
    # little further along the line, so some reach the margin: they must move down whole, not split.
    items = []
    for n in range(9):
        path = tmp_path / f"chat{n}.png"
        Image.new("RGB", (540, 1200), (200, 220, 240)).save(path)
        items.append(
            PacketEvidence(
                kind="聊天截图",
                blob_path=path,
                media_type="image/png",
                original_name=f"chat{n}.png",
                caption="买" * (n * 2) + f"订单{ORDER_NO}运单{TRACKING}",
                captured_at=None,
                sha256=f"{n:064x}",
            )
        )
    content = PacketContent(
        title="拼多多 售后维权申诉材料",
        order_no=ORDER_NO,
        cover_fields=(),
        description="少件",
        evidence=tuple(items),
        generated_at=datetime(2026, 1, 1),
    )
    out = tmp_path / "p.pdf"
    build_packet(content, out)
    pages = PdfReader(out).pages[:-1]  # the last page is the manifest
    body = "\n".join(page.extract_text() for page in pages)
    assert body.count(TRACKING) == len(items)
    # Once in each caption, once in each page header, once under the title.
    assert body.count(ORDER_NO) == len(items) + len(pages) + 1


# -- kinds from the platform profile -------------------------------------------------------------


def test_packet_kinds_come_from_the_platform_profile(desk: Any, tmp_path: Path) -> None:
    """拼多多 offers its appeal types (极速退款申诉, 订单赔偿申诉 …), 淘宝 its own; one never gets the other's."""
    from desk.domain import CaseType, Platform
    from desk.errors import ValidationFailed

    pdd, _ = desk.cases.create(
        CaseDraft(platform=Platform.PDD, order_no="261120-583920174650321", case_type=CaseType.UNWANTED)
    )
    labels = [label for _key, label in desk.packets.kinds(pdd.id)]
    for wanted in (
        "维权申诉 · 货款申诉",
        "维权申诉 · 运费申诉",
        "维权申诉 · 纠纷退款率申诉",
        "订单赔偿申诉 · 赔付单申诉",
    ):
        assert wanted in labels
    assert any(label.startswith("极速退款申诉") for label in labels)

    out = desk.packets.build(pdd.id, tmp_path / "freight.pdf", kind="freight").path
    assert "维权申诉 · 运费申诉" in _all_text(PdfReader(out))
    out = desk.packets.build(pdd.id, tmp_path / "fast.pdf", kind="极速退款申诉 · 已发货").path
    assert "极速退款申诉 · 已发货" in _all_text(PdfReader(out))
    with pytest.raises(ValidationFailed, match="有几种"):  # 极速退款申诉 alone: 未发货 or 已发货?
        desk.packets.build(pdd.id, tmp_path / "x.pdf", kind="极速退款申诉")

    taobao, _ = desk.cases.create(
        CaseDraft(platform=Platform.TAOBAO, order_no="3918475620100012345", case_type=CaseType.QUALITY)
    )
    tb_labels = [label for _key, label in desk.packets.kinds(taobao.id)]
    assert "退款纠纷举证" in tb_labels and not any("维权申诉" in label for label in tb_labels)
    out = desk.packets.build(taobao.id, tmp_path / "tb.pdf", kind="退款纠纷举证").path
    assert "退款纠纷举证" in _all_text(PdfReader(out))
    with pytest.raises(ValidationFailed, match=r"不是淘宝/天猫的申诉类型.*退款纠纷举证"):
        desk.packets.build(taobao.id, tmp_path / "y.pdf", kind="货款申诉")
    assert not (tmp_path / "y.pdf").exists()
    # The generic kind keeps the case's own appeal type, on every platform.
    assert desk.packets.kinds(taobao.id)[0][0] == "generic"


def test_cli_packet_kind_from_the_profile(tmp_path: Path) -> None:
    from tests.test_cli import run

    profile = tmp_path / "p"
    run(profile, "demo")
    out = run(profile, "packet", "1", "--kind", "订单赔偿申诉 · 赔付单申诉", "-o", str(tmp_path / "a.pdf"))
    assert out.returncode == 0, out.stderr
    assert "订单赔偿申诉 · 赔付单申诉" in _all_text(PdfReader(tmp_path / "a.pdf"))
    bad = run(profile, "packet", "1", "--kind", "退款纠纷举证", "-o", str(tmp_path / "b.pdf"), check=False)
    assert bad.returncode != 0 and "不是拼多多的申诉类型" in bad.stderr and "极速退款申诉" in bad.stderr
