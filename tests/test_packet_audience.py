"""Two audiences: nothing internal reaches the platform, in any layer of any output.

A sentinel is planted wherever the operator or the desk keeps internal material — the notes, a timeline
note, field edits of the notes, a wizard walk, an earlier packet generation — and every layer of the PDF
(page text, metadata, bookmarks), of the upload kit (申诉说明, file names, the ZIP's names, the text its
pictures are drawn from) is searched for it.
"""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from dataclasses import asdict
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from desk.audience import platform_story
from desk.domain import CaseDraft, CaseStatus, CaseType, EvidenceKind, Resolution

SENTINEL = "内部甲乙SENTINEL"


def _png() -> bytes:
    from io import BytesIO

    from PIL import Image

    buf = BytesIO()
    Image.new("RGB", (400, 300), (200, 210, 220)).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def planted(desk: Any) -> Any:
    case, _ = desk.cases.create(
        CaseDraft(
            order_no="261120-583920174650321",
            case_type=CaseType.MISSING_ITEM,
            refund_amount=Decimal("29.90"),
            description="买家称少发一件，仓库称重与快递揽收重量一致，发货无误。",
            notes=f"{SENTINEL} 买家是老客户，别对平台说",
        )
    )
    desk.cases.add_note(case.id, f"{SENTINEL}：先拖一天")
    desk.cases.update(case.id, notes=f"{SENTINEL} 第二版备注")
    desk.cases.update(case.id, status=CaseStatus.NEGOTIATING, resolution=Resolution.RESHIP)
    desk.evidence.import_bytes(case.id, _png(), "仓库称重.png", kind=EvidenceKind.WAREHOUSE_WEIGHT)
    desk.wizard.run_answers(case.id, [0])
    first = desk.packets.build(case.id, desk.profile.root / "first.pdf")
    assert first.packet.page_count >= 1
    return case


def _pdf_layers(path: Path) -> str:
    reader = PdfReader(path)
    parts = [page.extract_text() or "" for page in reader.pages]
    parts += [str(v) for v in (reader.metadata or {}).values()]

    def walk(items: list[Any]) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                parts.append(str(item.title))

    walk(reader.outline)
    if shutil.which("pdftotext"):
        parts.append(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout)
    return "\n".join(parts)


def test_the_story_is_made_of_business_events_only(desk: Any, planted: Any) -> None:
    story = desk.packets.platform_story(planted.id)
    texts = [e.text for e in story]
    assert "商家与买家协商处理方案" in texts and "处理方案：补发" in texts
    assert not [t for t in texts if SENTINEL in t or "处理流程" in t or "备注" in t or "生成申诉材料" in t]


def test_no_internal_material_in_any_layer_of_the_pdf(desk: Any, planted: Any, tmp_path: Path) -> None:
    out = tmp_path / "packet.pdf"
    desk.packets.build(planted.id, out)
    text = _pdf_layers(out)
    assert "仓库称重" in text  # the searched layers are real: the evidence is there
    assert SENTINEL not in text and "SENTINEL" not in text.replace(" ", "")
    for internal in ("修改备注", "处理流程", "生成申诉材料", "first.pdf"):
        assert internal not in text, internal


def test_no_internal_material_in_the_upload_kit(desk: Any, planted: Any, tmp_path: Path) -> None:
    kit = desk.packets.upload_input(planted.id, "goods")
    # Every string the kit's pictures and text are drawn from.
    drawn = repr(asdict(kit.content)) + kit.appeal_text
    assert SENTINEL not in drawn and "处理流程" not in drawn
    result = desk.packets.build_upload_kit(
        planted.id, "goods", tmp_path / "kit", zip_path=tmp_path / "kit.zip"
    )
    assert result is not None
    names = [p.name for p in (tmp_path / "kit").rglob("*")]
    texts = [p.read_text("utf-8") for p in (tmp_path / "kit").rglob("*.txt")]
    with zipfile.ZipFile(tmp_path / "kit.zip") as z:
        names += z.namelist()
        texts += [z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".txt")]
    assert texts and names
    assert not [x for x in names + texts if "SENTINEL" in x or "内部甲乙" in x]


def test_the_operator_hides_or_rewords_an_entry_without_touching_the_record(
    desk: Any, planted: Any, tmp_path: Path
) -> None:
    story = desk.packets.platform_story(planted.id)
    reship = next(e for e in story if e.text == "处理方案：补发")
    talk = next(e for e in story if e.text == "商家与买家协商处理方案")
    before = [(e.kind, e.old, e.new) for e in desk.cases.timeline(planted.id)]
    desk.packets.set_platform_entry(planted.id, talk.key, hidden=True)
    desk.packets.set_platform_entry(planted.id, reship.key, text="商家已安排补发，买家同意")
    out = tmp_path / "p.pdf"
    desk.packets.build(planted.id, out)
    text = "".join(_pdf_layers(out).split())
    assert "商家已安排补发，买家同意" in text and "商家与买家协商处理方案" not in text
    again = {e.key: e for e in desk.packets.platform_story(planted.id)}
    assert again[talk.key].hidden and again[reship.key].edited
    # The record is as it was (plus the packet's own entry).
    after = [(e.kind, e.old, e.new) for e in desk.cases.timeline(planted.id)]
    assert after[: len(before)] == before
    desk.packets.set_platform_entry(planted.id, reship.key, text="")
    assert {e.key: e for e in desk.packets.platform_story(planted.id)}[reship.key].text == "处理方案：补发"


def test_the_story_uses_the_real_times_of_the_platform(desk: Any) -> None:
    from desk.domain import PlatformFacts

    case, _ = desk.cases.create(CaseDraft(after_sales_type="仅退款", after_sales_reason="少件"))
    applied = datetime(2026, 11, 24, 6, 27, tzinfo=UTC)
    desk.cases.sync_platform(case.id, PlatformFacts(applied_at=applied, return_tracking_no="SF100"))
    story = platform_story(desk.cases.get(case.id), desk.cases.timeline(case.id))
    first = story[0]
    assert (first.at, first.text) == (applied, "买家申请售后（仅退款，少件）")
    assert story[-1].text == "买家退货，退货运单号 SF100"
