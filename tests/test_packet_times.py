"""True times: 拍摄时间 comes from the picture's own metadata or is stated by the shop (and says so); a
file's modification time is never presented as when a picture was taken."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader

from desk.domain import CaseDraft, EvidenceKind
from desk.errors import ValidationFailed


def _text(path: Path) -> str:
    return "".join("".join(p.extract_text() or "" for p in PdfReader(path).pages).split())


def _jpeg(taken: str | None) -> bytes:
    img = Image.new("RGB", (320, 240), (120, 140, 160))
    buf = BytesIO()
    if taken is None:
        img.save(buf, "JPEG")
    else:
        exif = Image.Exif()
        exif.get_ifd(0x8769)[0x9003] = taken  # DateTimeOriginal
        img.save(buf, "JPEG", exif=exif.tobytes())
    return buf.getvalue()


def test_no_metadata_means_unknown_not_the_file_time(desk: Any, tmp_path: Path) -> None:
    case, _ = desk.cases.create(CaseDraft(order_no="261120-1"))
    photo = tmp_path / "仓库称重.jpg"
    photo.write_bytes(_jpeg(None))
    late = datetime(2026, 12, 1, 9, 0, tzinfo=UTC).timestamp()  # after the complaint: must not show
    os.utime(photo, (late, late))
    (item,) = desk.evidence.import_files(case.id, [photo], kind=EvidenceKind.WAREHOUSE_WEIGHT).added
    assert item.captured_at is None and item.captured_source == ""
    out = tmp_path / "p.pdf"
    desk.packets.build(case.id, out)
    text = _text(out)
    assert "拍摄时间未知" in text and "2026-12-0109:00" not in text
    assert "导入" in text


def test_metadata_time_is_shown_and_a_stated_time_says_so(desk: Any, tmp_path: Path) -> None:
    case, _ = desk.cases.create(CaseDraft(order_no="261120-2"))
    (with_exif,) = desk.evidence.import_bytes(case.id, _jpeg("2026:11:19 08:15:00"), "称重.jpg").added
    assert with_exif.captured_source == "metadata" and with_exif.captured_at is not None
    (shot,) = desk.evidence.import_bytes(case.id, _jpeg(None), "聊天.jpg", kind=EvidenceKind.CHAT).added
    stated = datetime(2026, 11, 20, 13, 5, tzinfo=UTC)
    desk.evidence.update(shot.id, stated_time=stated)
    assert desk.evidence.get(shot.id).captured_source == "stated"
    with pytest.raises(ValidationFailed, match="自带拍摄时间"):
        desk.evidence.update(with_exif.id, stated_time=stated)
    out = tmp_path / "p.pdf"
    desk.packets.build(case.id, out)
    text = _text(out)
    assert "2026-11-1908:15" in text
    assert "拍摄时间（商家标注）：2026-11-2013:05" in text
    said = [e.words().line() for e in desk.cases.timeline(case.id)]
    assert any(line.startswith("修改标注的拍摄时间：聊天.jpg：（空） → ") for line in said)
