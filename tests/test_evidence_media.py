"""Evidence at full depth through the services: every format, odd files, metadata, marks, export, undo."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import threading
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import av
import pypdf
import pytest
from PIL import Image, ImageDraw
from reportlab.pdfgen import canvas

from desk.domain import CaseDraft, CaseType, EvidenceKind, Mark, MarkShape
from desk.errors import NotFound, ValidationFailed
from desk.store import fetch, media

REPO = Path(__file__).resolve().parents[1]
RED = (220, 20, 20)


# -- sample makers -----------------------------------------------------------------------------------


def new_case(desk: Any, order_no: str = "240101-123456789012345") -> Any:
    case, _ = desk.cases.create(CaseDraft(order_no=order_no, case_type=CaseType.MISSING_ITEM))
    return case


def banded(size: tuple[int, int] = (160, 120)) -> Image.Image:
    """An upright picture: white with a red band along its top edge."""
    im = Image.new("RGB", size, (255, 255, 255))
    ImageDraw.Draw(im).rectangle((0, 0, size[0] - 1, size[1] // 6), fill=RED)
    return im


# The stored pixels for each EXIF orientation, so that applying the orientation gives `banded()`.
_STORE = {
    1: lambda im: im,
    2: lambda im: im.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
    3: lambda im: im.transpose(Image.Transpose.ROTATE_180),
    4: lambda im: im.transpose(Image.Transpose.FLIP_TOP_BOTTOM),
    5: lambda im: im.transpose(Image.Transpose.TRANSPOSE),
    6: lambda im: im.transpose(Image.Transpose.ROTATE_90),
    7: lambda im: im.transpose(Image.Transpose.TRANSVERSE),
    8: lambda im: im.transpose(Image.Transpose.ROTATE_270),
}


def oriented_jpeg(path: Path, orientation: int, *, gps: bool = False, phone: str = "") -> Path:
    exif = Image.Exif()
    exif[0x0112] = orientation
    if phone:
        exif[0x010E] = f"买家电话 {phone}"  # ImageDescription
    if gps:
        exif[0x8825] = {1: "N", 2: (31.0, 13.0, 50.0), 3: "E", 4: (121.0, 28.0, 20.0)}
    exif.get_ifd(0x8769)[36867] = "2024:05:01 10:20:30"
    exif.get_ifd(0x8769)[36881] = "+08:00"
    _STORE[orientation](banded()).save(path, "JPEG", quality=92, exif=exif.tobytes())
    return path


def mp4(
    path: Path, *, frames: int = 20, faststart: bool = False, codec: str = "libx264", rate: int = 10
) -> Path:
    options = {"movflags": "faststart"} if faststart else {}
    fmt = {".mov": "mov", ".webm": "webm", ".mkv": "matroska"}.get(path.suffix, "mp4")
    with av.open(str(path), "w", format=fmt, options=options) as out:
        if fmt == "mp4":
            out.metadata["location"] = "+31.2304+121.4737/"
        stream = out.add_stream(codec, rate=rate)
        stream.width, stream.height = 320, 240
        stream.pix_fmt = "yuv420p"
        for i in range(frames):
            im = Image.new("RGB", (320, 240), (20, 20 + i * 10 % 200, 200))
            ImageDraw.Draw(im).rectangle((0, 0, 319, 39), fill=RED)
            for packet in stream.encode(av.VideoFrame.from_image(im)):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def pdf_bytes(pages: int = 2) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for n in range(pages):
        c.setFillColorRGB(0, 0, 0)
        c.rect(50, 500, 400, 250, fill=1)
        c.drawString(60, 450, f"page {n + 1}")
        c.showPage()
    c.save()
    return buf.getvalue()


def encrypted_pdf(user: str) -> bytes:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf_bytes())))
    writer.encrypt(user_password=user, owner_password="owner-secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# The store's own folders: in the profile, or the shared evidence folder in shared-database mode.
def blob_files(desk: Any) -> set[str]:
    return {p.name for p in desk.evidence._store.root.glob("??/??/*")}


def tmp_files(desk: Any) -> list[Path]:
    return list(desk.evidence._store.tmp.iterdir())


def thumb(desk: Any, evidence: Any) -> Image.Image:
    return Image.open(desk.evidence.thumbnail_for(evidence)).convert("RGB")


def near(pixel: tuple[int, ...], color: tuple[int, int, int], tolerance: int = 45) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], color, strict=True))


# -- every format ------------------------------------------------------------------------------------


def test_every_format_imports(desk: Any, tmp_path: Path, corpus: Path) -> None:
    import pillow_heif

    pillow_heif.register_heif_opener()
    src = tmp_path / "src"
    src.mkdir()
    banded().save(src / "a.jpg", "JPEG")
    banded().save(src / "b.png", "PNG")
    banded().save(src / "c.webp", "WEBP")
    banded().save(src / "d.bmp", "BMP")
    banded().save(src / "e.heic", "HEIF")
    banded().save(src / "f.avif", "AVIF")
    frames = [banded(), Image.new("RGB", (160, 120), (0, 0, 255))]
    frames[0].save(src / "g.gif", "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    pages = [
        banded().convert("RGB"),
        Image.new("RGB", (160, 120), "blue"),
        Image.new("RGB", (160, 120), "green"),
    ]
    pages[0].save(src / "h.tiff", "TIFF", save_all=True, append_images=pages[1:])
    (src / "i.mpo").write_bytes((corpus / "sugarshack.mpo").read_bytes())
    (src / "物流凭证.pdf").write_bytes(pdf_bytes(3))
    mp4(src / "k.mp4")
    mp4(src / "l.mov")
    mp4(src / "m.webm", codec="libvpx-vp9")
    case = new_case(desk)

    report = desk.evidence.import_files(case.id, [src], folders=True)

    assert report.rejected == ()
    got = {e.original_name: e for e in desk.evidence.list(case.id)}
    assert {n: e.media_type for n, e in got.items()} == {
        "a.jpg": "image/jpeg",
        "b.png": "image/png",
        "c.webp": "image/webp",
        "d.bmp": "image/bmp",
        "e.heic": "image/heic",
        "f.avif": "image/avif",
        "g.gif": "image/gif",
        "h.tiff": "image/tiff",
        "i.mpo": "image/jpeg",
        "k.mp4": "video/mp4",
        "l.mov": "video/quicktime",
        "m.webm": "video/webm",
        "物流凭证.pdf": "application/pdf",
    }
    assert got["g.gif"].animated and not got["a.jpg"].animated
    assert got["h.tiff"].page_count == 3
    assert got["物流凭证.pdf"].page_count == 3
    assert got["物流凭证.pdf"].kind == EvidenceKind.LOGISTICS_VOUCHER
    for name in ("k.mp4", "l.mov", "m.webm"):
        assert got[name].duration_ms == pytest.approx(2000, abs=150), name
        assert (got[name].width, got[name].height) == (320, 240)
    for name, item in got.items():
        picture = thumb(desk, item)
        if item.is_pdf:
            # The first page itself (a big black block on white), not a placeholder.
            colours = {
                picture.getpixel((x, y))
                for x in range(0, picture.width, 8)
                for y in range(0, picture.height, 8)
            }
            assert any(sum(c) < 60 for c in colours) and any(sum(c) > 700 for c in colours)
        elif item.is_video:
            assert near(picture.getpixel((picture.width // 2, 5)), RED), name  # the red band of frame 1
        elif name in ("i.mpo",):
            continue
        else:
            assert near(picture.getpixel((picture.width // 2, 3)), RED), name
    # Originals are stored byte for byte.
    for name, item in got.items():
        assert desk.evidence.blob_path(item.id).read_bytes() == (src / name).read_bytes()


def test_thumbnails_honour_every_exif_orientation(desk: Any, tmp_path: Path) -> None:
    case = new_case(desk)
    paths = [oriented_jpeg(tmp_path / f"exif_orientation_{n}.jpg", n) for n in range(1, 9)]
    report = desk.evidence.import_files(case.id, paths)
    assert len(report.added) == 8
    for item in report.added:
        assert (item.width, item.height) == (160, 120), item.original_name  # as shown, not as stored
        picture = thumb(desk, item)
        assert picture.size == (160, 120)
        assert near(picture.getpixel((80, 5)), RED), item.original_name
        assert near(picture.getpixel((80, 100)), (255, 255, 255)), item.original_name


def test_captured_time_from_exif_never_the_file_time(desk: Any, tmp_path: Path) -> None:
    case = new_case(desk)
    photo = oriented_jpeg(tmp_path / "photo.jpg", 1)
    plain = tmp_path / "plain.png"
    banded().save(plain)
    os.utime(plain, (1_700_000_000, 1_700_000_000))
    report = desk.evidence.import_files(case.id, [photo, plain])
    by_name = {e.original_name: e for e in report.added}
    assert by_name["photo.jpg"].captured_at == datetime(2024, 5, 1, 2, 20, 30, tzinfo=UTC)
    assert by_name["photo.jpg"].captured_source == "metadata"
    # A modification time says when the file was copied, not when the picture was taken.
    assert by_name["plain.png"].captured_at is None and by_name["plain.png"].captured_source == ""


# -- bad and odd files -------------------------------------------------------------------------------


@pytest.mark.parametrize("faststart", [False, True], ids=["index-at-end", "index-first"])
def test_truncated_video_is_refused_and_leaves_nothing(desk: Any, tmp_path: Path, faststart: bool) -> None:
    case = new_case(desk)
    whole = mp4(tmp_path / "whole.mp4", frames=40, faststart=faststart).read_bytes()
    cut = tmp_path / "录像-截断.mp4"
    cut.write_bytes(whole[: len(whole) * 2 // 3])
    report = desk.evidence.import_files(case.id, [cut])
    assert [r.name for r in report.rejected] == ["录像-截断.mp4"]
    assert "不完整" in report.rejected[0].reason or "损坏" in report.rejected[0].reason
    assert desk.evidence.list(case.id) == [] and blob_files(desk) == set() and tmp_files(desk) == []


def test_pdf_policy_password_and_damage(desk: Any, tmp_path: Path) -> None:
    case = new_case(desk)
    owner_only = tmp_path / "运费凭证-权限密码.pdf"
    owner_only.write_bytes(encrypted_pdf(""))
    locked = tmp_path / "运费凭证-打开密码.pdf"
    locked.write_bytes(encrypted_pdf("1234"))
    broken = tmp_path / "物流凭证-坏.pdf"
    broken.write_bytes(pdf_bytes()[:300])
    report = desk.evidence.import_files(case.id, [owner_only, locked, broken])
    assert [e.original_name for e in report.added] == [owner_only.name]
    assert report.added[0].page_count == 2
    reasons = {r.name: r.reason for r in report.rejected}
    assert "密码" in reasons[locked.name]
    assert "损坏" in reasons[broken.name]
    assert tmp_files(desk) == []


def test_odd_names_255_bytes_and_nfc_nfd_pairs(desk: Any, tmp_path: Path) -> None:
    case = new_case(desk)
    long_name = "长" * 83 + "ab.jpg"
    assert len(long_name.encode()) == 255
    long_path = tmp_path / long_name
    banded().save(long_path, "JPEG")
    nfc = unicodedata.normalize("NFC", "复称-é.png")
    nfd = unicodedata.normalize("NFD", "复称-é.png")
    assert nfc != nfd
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    banded().save(tmp_path / "a" / nfc, "PNG")
    (tmp_path / "b" / nfd).write_bytes((tmp_path / "a" / nfc).read_bytes())
    emoji = tmp_path / "买家照片😀破损"  # no extension
    Image.new("RGB", (20, 20), (0, 128, 0)).save(emoji, "PNG")
    report = desk.evidence.import_files(
        case.id, [long_path, tmp_path / "a" / nfc, tmp_path / "b" / nfd, emoji]
    )
    assert sorted(e.original_name for e in report.added) == sorted([long_name, nfc, emoji.name])
    # The same content under its NFD name is a duplicate: reported, not stored twice.
    assert report.duplicates == (nfd,)
    names = [e.original_name for e in desk.evidence.list(case.id)]
    assert nfc in names and nfd not in names
    assert len(blob_files(desk)) == 3


def test_fifo_sparse_giant_and_vanished(desk: Any, tmp_path: Path) -> None:
    case = new_case(desk)
    giant = tmp_path / "giant.mp4"
    with giant.open("wb") as fh:
        fh.write(b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2")
        fh.truncate(2 * 1024**3)
    report = desk.evidence.import_files(case.id, [giant, tmp_path / "gone.jpg"])
    reasons = [r.reason for r in report.rejected]
    assert "太大" in reasons[0] and "1024 MB" in reasons[0]
    assert "不存在" in reasons[1]
    assert tmp_files(desk) == []


def test_unsupported_types_are_named(desk: Any, tmp_path: Path) -> None:
    case = new_case(desk)
    files = {
        "song.m4a": b"\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00M4A isom" + b"\x00" * 64,
        "playlist.mp4": b"#EXTM3U\n#EXT-X-VERSION:3\nfile:///etc/passwd\n",
        "design.psd": b"8BPS\x00\x01" + b"\x00" * 64,
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    report = desk.evidence.import_files(case.id, [tmp_path / n for n in files])
    reasons = {r.name: r.reason for r in report.rejected}
    assert "音频" in reasons["song.m4a"]
    assert "播放列表" in reasons["playlist.mp4"]
    assert "Photoshop" in reasons["design.psd"]


def test_folder_import_skips_side_files(desk: Any, tmp_path: Path) -> None:
    case = new_case(desk)
    folder = tmp_path / "手机导出"
    (folder / "sub").mkdir(parents=True)
    banded().save(folder / "IMG_0001.JPG", "JPEG")
    (folder / "IMG_0001.AAE").write_text("<plist/>")
    (folder / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (folder / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0")
    banded((80, 60)).save(folder / "sub" / "聊天截图.png", "PNG")
    report = desk.evidence.import_files(case.id, [folder], folders=True)
    assert sorted(e.original_name for e in report.added) == ["IMG_0001.JPG", "聊天截图.png"]
    assert report.rejected == ()
    # Without folders=True a folder is refused, as before.
    refused = desk.evidence.import_files(case.id, [folder])
    assert "文件夹" in refused.rejected[0].reason


# -- batches: parallel work, one writer, nothing half-written -----------------------------------------


def _photos(tmp_path: Path, n: int) -> list[Path]:
    paths = []
    for i in range(n):
        p = tmp_path / f"photo-{i:03d}.jpg"
        Image.new("RGB", (96, 72), (i * 5 % 256, 40, 200 - i % 100)).save(p, "JPEG")
        paths.append(p)
    return paths


def test_cancel_mid_batch_leaves_no_partial_rows_or_blobs(desk: Any, tmp_path: Path) -> None:
    case = new_case(desk)
    paths = _photos(tmp_path, 40)
    calls = {"n": 0}

    def cancel() -> bool:
        calls["n"] += 1
        return calls["n"] > 23

    report = desk.evidence.import_files(case.id, paths, cancel=cancel)
    assert report.cancelled and len(report.added) == 23
    rows = desk.evidence.list(case.id)
    assert {e.sha256 for e in rows} == {e.sha256 for e in report.added}
    # Every row has its original, and no original lacks a row.
    assert blob_files(desk) == {e.sha256 for e in rows}
    assert tmp_files(desk) == []


def test_one_bad_row_does_not_sink_its_batch(
    desk: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = new_case(desk)
    paths = _photos(tmp_path, 6)
    real = desk.evidence._importer._insert

    def picky(case_id: Any, items: Any, kind: Any, suggest: Any) -> Any:
        if any(p.name == "photo-003.jpg" for p in items):
            raise OSError(28, "No space left on device")
        return real(case_id, items, kind, suggest)

    monkeypatch.setattr(desk.evidence._importer, "_insert", picky)
    report = desk.evidence.import_files(case.id, paths)
    assert len(report.added) == 5
    assert [(r.name, r.reason) for r in report.rejected] == [("photo-003.jpg", "磁盘空间已满，未能保存")]
    assert blob_files(desk) == {e.sha256 for e in desk.evidence.list(case.id)}
    # Positions follow the import order, without a gap.
    assert [e.position for e in desk.evidence.list(case.id)] == list(range(5))


def test_duplicates_within_a_batch_and_across_cases(desk: Any, tmp_path: Path) -> None:
    a, b = new_case(desk), new_case(desk, "240102-123456789012345")
    src = _photos(tmp_path, 3)
    copy = tmp_path / "再次-photo-000.jpg"
    copy.write_bytes(src[0].read_bytes())
    first = desk.evidence.import_files(a.id, [*src, copy])
    assert len(first.added) == 3 and first.duplicates == (copy.name,)
    again = desk.evidence.import_files(a.id, src)
    assert again.added == () and len(again.duplicates) == 3
    other = desk.evidence.import_files(b.id, [copy])
    assert len(other.added) == 1
    assert len(blob_files(desk)) == 3  # one blob per content, shared by both cases


# -- metadata the operator sets -----------------------------------------------------------------------


def test_kind_guess_is_confirmed_by_the_operator(desk: Any) -> None:
    case = new_case(desk)
    data = io.BytesIO()
    banded().save(data, "PNG")
    pasted = desk.evidence.import_bytes(case.id, data.getvalue(), "粘贴的截图.png", suggest=EvidenceKind.CHAT)
    (item,) = pasted.added
    assert item.kind == EvidenceKind.CHAT and not item.kind_confirmed
    desk.evidence.update(item.id, confirm_kind=True)
    assert desk.evidence.get(item.id).kind_confirmed
    chosen = desk.evidence.import_bytes(case.id, pdf_bytes(), "x.pdf", kind=EvidenceKind.FREIGHT_VOUCHER)
    assert chosen.added[0].kind_confirmed


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("店铺在售商品截图.png", EvidenceKind.STORE_LISTING),
        ("商品列表.jpg", EvidenceKind.STORE_LISTING),
        ("发货商品面单合照.jpg", EvidenceKind.GOODS_WITH_LABEL),
        ("快递内网重量.png", EvidenceKind.COURIER_WEIGHT),
        ("IMG_0001.jpg", EvidenceKind.OTHER),
    ],
)
def test_kind_is_guessed_from_the_file_name(desk: Any, name: str, kind: EvidenceKind) -> None:
    """The guide's proof that the shop does not sell the pictured item gets its own kind at import."""
    case = new_case(desk)
    data = io.BytesIO()
    banded().save(data, "PNG")
    (item,) = desk.evidence.import_bytes(case.id, data.getvalue(), name).added
    assert item.kind == kind and not item.kind_confirmed


def test_weight_rotation_and_marks_are_validated(desk: Any) -> None:
    case = new_case(desk)
    data = io.BytesIO()
    banded().save(data, "JPEG")
    (item,) = desk.evidence.import_bytes(case.id, data.getvalue(), "称重.jpg").added
    desk.evidence.update(item.id, weight_grams=1250)
    assert desk.evidence.get(item.id).weight_grams == 1250
    with pytest.raises(ValidationFailed):
        desk.evidence.update(item.id, weight_grams=0)
    desk.evidence.update(item.id, weight_grams=None)
    assert desk.evidence.get(item.id).weight_grams is None
    desk.evidence.rotate(item.id, 1)
    desk.evidence.rotate(item.id, 2)
    assert desk.evidence.get(item.id).rotation == 270
    desk.evidence.set_marks(item.id, [Mark(MarkShape.REDACT, -1, 0.2, 2.0, float("nan"))])
    (mark,) = desk.evidence.get(item.id).marks
    assert (mark.x0, mark.x1, mark.y1) == (0.0, 1.0, 0.0)  # clamped into the picture
    said = [e.words().line() for e in desk.cases.timeline(case.id)]
    assert "修改证据重量：称重.jpg：（空） → 1250 克" in said
    assert "修改证据标注：称重.jpg：无 → 遮挡 1 处" in said


# -- marks leave the desk with every copy -------------------------------------------------------------


REDACTION = Mark(MarkShape.REDACT, 0.25, 0.40, 0.75, 0.70)


def _assert_black_under(im: Image.Image, mark: Mark) -> None:
    w, h = im.size
    for fx in (0.3, 0.5, 0.7):
        for fy in (0.45, 0.55, 0.65):
            x = mark.x0 * w + (mark.x1 - mark.x0) * w * (fx - 0.25) / 0.5
            y = mark.y0 * h + (mark.y1 - mark.y0) * h * (fy - 0.40) / 0.30
            assert max(im.getpixel((int(x), int(y)))[:3]) <= 20, (x, y)


def test_redaction_survives_export_and_original_is_untouched(desk: Any, tmp_path: Path) -> None:
    case = new_case(desk)
    src = oriented_jpeg(tmp_path / "聊天截图.jpg", 6, gps=True, phone="13812345678")
    (item,) = desk.evidence.import_files(case.id, [src]).added
    before = hashlib.sha256(desk.evidence.blob_path(item.id).read_bytes()).hexdigest()
    desk.evidence.set_marks(item.id, [REDACTION, Mark(MarkShape.TEXT, 0.1, 0.8, 0.1, 0.8, "138 打码")])
    out = desk.evidence.export_copy(item.id, tmp_path / "导出")
    assert out.name == "聊天截图.jpg"
    exported = Image.open(out)
    assert exported.size == (160, 120)
    _assert_black_under(exported.convert("RGB"), REDACTION)
    assert near(exported.convert("RGB").getpixel((80, 3)), RED)  # upright
    assert not exported.getexif()  # no EXIF at all: no GPS, no phone number
    assert b"13812345678" not in out.read_bytes()
    assert hashlib.sha256(desk.evidence.blob_path(item.id).read_bytes()).hexdigest() == before == item.sha256
    # A second export never overwrites the first.
    assert desk.evidence.export_copy(item.id, tmp_path / "导出").name == "聊天截图-2.jpg"
    # Rotation is applied too (a quarter turn clockwise: the band ends up on the right).
    desk.evidence.update(item.id, rotation=90)
    turned = Image.open(desk.evidence.export_copy(item.id, tmp_path / "转")).convert("RGB")
    assert turned.size == (120, 160)
    assert near(turned.getpixel((115, 80)), RED)


def test_png_export_drops_text_chunks(desk: Any, tmp_path: Path) -> None:
    from PIL.PngImagePlugin import PngInfo

    case = new_case(desk)
    info = PngInfo()
    info.add_text("Comment", "买家电话 13812345678")
    src = tmp_path / "截图.png"
    banded().save(src, "PNG", pnginfo=info)
    (item,) = desk.evidence.import_files(case.id, [src]).added
    desk.evidence.set_marks(item.id, [REDACTION])
    out = desk.evidence.export_copy(item.id, tmp_path / "out")
    assert out.suffix == ".png"
    data = out.read_bytes()
    assert b"tEXt" not in data and b"iTXt" not in data and b"13812345678" not in data
    _assert_black_under(Image.open(out).convert("RGB"), REDACTION)


def _pdf_images(path: Path) -> list[Image.Image]:
    reader = pypdf.PdfReader(path)
    # Each embedded picture once: page 1 shows the packet's first picture again, from the same image.
    once = {img.name: img.image for page in reader.pages for img in page.images}
    return [im.convert("RGB") for im in once.values()]


def test_packet_applies_redaction_rotation_and_video_key_frames(desk: Any, tmp_path: Path) -> None:
    case = new_case(desk)
    photo = oriented_jpeg(tmp_path / "聊天截图.jpg", 1, gps=True)
    clip = mp4(tmp_path / "开箱视频.mp4", frames=30)
    report = desk.evidence.import_files(case.id, [photo, clip])
    by_name = {e.original_name: e for e in report.added}
    desk.evidence.set_marks(by_name["聊天截图.jpg"].id, [REDACTION])
    desk.evidence.update(by_name["聊天截图.jpg"].id, rotation=180)
    desk.evidence.set_key_frames(by_name["开箱视频.mp4"].id, [500, 2500, 99_999])
    assert desk.evidence.get(by_name["开箱视频.mp4"].id).key_frames == (500, 2500, 2999)
    result = desk.packets.build(case.id, tmp_path / "packet.pdf")
    images = _pdf_images(result.path)
    assert len(images) == 1 + 3  # the photo, and the video as its three key frames
    photo_img = next(im for im in images if im.width < im.height * 1.5 and im.width != 320)
    # Turned 180°: the red band is at the bottom; the redaction (turned with it) is black.
    assert near(photo_img.getpixel((photo_img.width // 2, photo_img.height - 3)), RED)
    turned = Mark(MarkShape.REDACT, 1 - REDACTION.x1, 1 - REDACTION.y1, 1 - REDACTION.x0, 1 - REDACTION.y0)
    _assert_black_under(photo_img, turned)
    frames = [im for im in images if im is not photo_img]
    assert all(near(im.getpixel((im.width // 2, 5)), RED) for im in frames)
    text = "".join(page.extract_text() for page in pypdf.PdfReader(result.path).pages)
    assert "视频画面 00:00.5" in text and "00:02.5" in text


def test_video_export_drops_container_metadata(desk: Any, tmp_path: Path) -> None:
    case = new_case(desk)
    clip = mp4(tmp_path / "录像.mp4")
    with av.open(str(clip)) as c:
        assert "location" in c.metadata  # the sample really carries a GPS position
    (item,) = desk.evidence.import_files(case.id, [clip]).added
    out = desk.evidence.export_copy(item.id, tmp_path / "out")
    with av.open(str(out)) as c:
        assert "location" not in c.metadata
        assert c.streams.video[0].frames == 20
    assert b"+31.2304" not in out.read_bytes()


# -- removal and undo ---------------------------------------------------------------------------------


def test_remove_many_then_restore_brings_everything_back(desk: Any, tmp_path: Path) -> None:
    case = new_case(desk)
    paths = _photos(tmp_path, 3)
    added = desk.evidence.import_files(case.id, paths).added
    middle = added[1]
    desk.evidence.update(middle.id, caption="买家承认", kind=EvidenceKind.CHAT)
    desk.evidence.set_marks(middle.id, [REDACTION])
    keep = desk.evidence.get(middle.id)
    _changes, removed = desk.evidence.remove_many([middle.id])
    assert [e.id for e in desk.evidence.list(case.id)] == [added[0].id, added[2].id]
    assert middle.sha256 in blob_files(desk)  # kept for undo
    desk.evidence.restore(removed)
    items = desk.evidence.list(case.id)
    assert [e.original_name for e in items] == [p.name for p in paths]  # back in its place
    again = items[1]
    assert (again.caption, again.kind, again.marks, again.kind_confirmed) == (
        keep.caption,
        keep.kind,
        keep.marks,
        keep.kind_confirmed,
    )
    # The original stays while an undo step can bring the item back, and goes with the last such step.
    _changes, removed = desk.evidence.remove_many([again.id])
    desk.evidence.purge([e.sha256 for e in removed])
    assert middle.sha256 in blob_files(desk)
    from desk.services.undo import UndoService

    UndoService.for_desk(desk).clear()
    assert middle.sha256 not in blob_files(desk)
    with pytest.raises(NotFound):
        desk.evidence.restore(removed)


def test_move_many_reorders(desk: Any, tmp_path: Path) -> None:
    case = new_case(desk)
    added = desk.evidence.import_files(case.id, _photos(tmp_path, 4)).added
    desk.evidence.move_many([added[3].id, added[2].id], 0)
    assert [e.id for e in desk.evidence.list(case.id)] == [added[3].id, added[2].id, added[0].id, added[1].id]


# -- links dragged from a browser ---------------------------------------------------------------------


@pytest.fixture
def web_server(tmp_path: Path) -> Iterator[str]:
    png = io.BytesIO()
    banded().save(png, "PNG")
    body = png.getvalue()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.startswith("/img/"):
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            else:
                self.send_error(404)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_fetch_links_and_data_urls(web_server: str) -> None:
    data, name = fetch.fetch(f"{web_server}/img/%E5%95%86%E5%93%81%E5%9B%BE.png")
    assert name == "商品图.png" and data.startswith(b"\x89PNG")
    with pytest.raises(fetch.FetchFailed, match="404"):
        fetch.fetch(f"{web_server}/missing.png")
    with pytest.raises(fetch.FetchFailed, match="太大"):
        fetch.fetch(f"{web_server}/img/a.png", max_bytes=10)
    with pytest.raises(fetch.FetchFailed, match="http"):
        fetch.fetch("file:///etc/passwd")
    inline, inline_name = fetch.fetch(
        "data:image/png;base64," + __import__("base64").b64encode(data).decode()
    )
    assert inline == data and inline_name.endswith(".png")


# -- the command line ---------------------------------------------------------------------------------


def _cli(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desk", "--profile", str(profile), *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=180,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def test_cli_adds_every_format_and_lists_json(tmp_path: Path) -> None:
    from desk.app import open_desk

    profile = tmp_path / "p"
    d = open_desk(profile)
    case = new_case(d)
    d.close()
    folder = tmp_path / "证据"
    folder.mkdir()
    banded().save(folder / "称重.jpg", "JPEG")
    (folder / "物流凭证.pdf").write_bytes(pdf_bytes())
    mp4(folder / "开箱.mp4")
    bad = tmp_path / "坏文件.jpg"
    bad.write_text("not a picture")
    added = _cli(profile, "evidence", "add", str(case.id), str(folder), str(bad))
    assert added.returncode == 0, added.stderr
    assert "导入 3 个" in added.stdout and "拒绝 1 个" in added.stdout
    assert "坏文件.jpg" in added.stderr
    listed = _cli(profile, "evidence", "list", str(case.id), "--json")
    items = json.loads(listed.stdout)
    by_name = {i["original_name"]: i for i in items}
    assert by_name["开箱.mp4"]["media_type"] == "video/mp4" and by_name["开箱.mp4"]["duration_ms"] > 0
    assert by_name["物流凭证.pdf"]["page_count"] == 2
    assert by_name["称重.jpg"]["kind"] == "仓库称重图" and by_name["称重.jpg"]["kind_confirmed"] is False
    assert {"marks", "key_frames", "weight_grams", "rotation"} <= set(by_name["称重.jpg"])


def test_sniffing_never_trusts_the_name() -> None:
    assert media.sniff(b"\x00\x00\x00\x1cftypqt  \x00\x00\x02\x00qt  ") == "video/quicktime"
    assert media.sniff(b"\x00\x00\x00\x1cftypheic\x00\x00\x00\x00mif1heic") == "image/heic"
    assert (
        media.sniff(b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm") == "video/webm"
    )
    assert media.sniff(b"RIFF\x00\x00\x00\x00AVI LIST") == "video/x-msvideo"
    assert media.sniff(b"\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00") is None
    assert media.sniff(b"#EXTM3U\n") is None


@pytest.mark.parametrize("fmt", ["WEBP", "HEIF", "PNG", "TIFF"])
def test_exported_copy_of_any_picture_format_carries_no_gps(desk: Any, tmp_path: Path, fmt: str) -> None:
    """Phones send HEIC, chat apps WebP, PCs PNG/TIFF: each can carry the buyer's GPS position and text."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    exif = Image.Exif()
    exif[0x010E] = "买家电话 13812345678"
    exif[0x8825] = {1: "N", 2: (31.0, 13.0, 50.0), 3: "E", 4: (121.0, 28.0, 20.0)}
    src = tmp_path / f"买家照片.{fmt.lower()}"
    banded().save(src, fmt, exif=exif.tobytes())
    with Image.open(src) as check:
        assert check.getexif().get_ifd(0x8825), "the sample really carries a GPS position"
    case = new_case(desk)
    (item,) = desk.evidence.import_files(case.id, [src]).added
    out = desk.evidence.export_copy(item.id, tmp_path / "导出")
    with Image.open(out) as exported:
        assert not exported.getexif() and "exif" not in exported.info and "xmp" not in exported.info
    data = out.read_bytes()
    assert b"13812345678" not in data and b"Exif\x00\x00" not in data
    assert src.read_bytes() != data and hashlib.sha256(src.read_bytes()).hexdigest() == item.sha256
