"""Pictures from an outside hostile-input run: colour-key transparency, the file mode of exported copies,
decoder chatter on stderr, and pictures too long for a single JPEG."""

from __future__ import annotations

import io
import os
import random
import struct
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pypdf
import pytest
from PIL import Image, TiffImagePlugin

from desk.domain import CaseDraft, CaseType, EvidenceKind, Platform
from desk.store import media, render

REPO = Path(__file__).resolve().parents[1]
KEY_RGB = (0, 200, 0)  # the colour a tRNS chunk declares transparent
RED = (220, 20, 20)


def new_case(desk: Any) -> Any:
    case, _ = desk.cases.create(
        CaseDraft(
            platform=Platform.PDD,
            order_no="261120-583920174650321",
            # Ready for the platform once a chat screenshot is there (申诉前检查): the CLI tests below
            # are about what decoders print, not about the check.
            case_type=CaseType.QUALITY,
            appeal_type="goods",
            refund_amount=Decimal("29.90"),
            description="买家称商品有裂痕，聊天中承认是自己摔落所致。",
        )
    )
    return case


def near(pixel: Any, colour: tuple[int, int, int], tolerance: int = 40) -> bool:
    return all(abs(int(a) - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


def keyed_png(path: Path, mode: str) -> Path:
    """200x100: the left half in the colour the tRNS chunk makes transparent, the right half red."""
    if mode == "RGB":
        im = Image.new("RGB", (200, 100), RED)
        im.paste(KEY_RGB, (0, 0, 100, 100))
        im.save(path, "PNG", transparency=KEY_RGB)
    elif mode == "L":
        im = Image.new("L", (200, 100), 60)
        im.paste(0, (0, 0, 100, 100))
        im.save(path, "PNG", transparency=0)
    else:
        im = Image.new("P", (200, 100), 1)
        im.putpalette([*KEY_RGB, *RED] + [0, 0, 0] * 254)
        im.paste(0, (0, 0, 100, 100))
        im.save(path, "PNG", transparency=0)
    with Image.open(path) as check:
        assert check.mode == mode and "transparency" in check.info
    return path


# -- tRNS colour key -----------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["RGB", "L", "P"])
def test_colour_key_transparency_is_white_everywhere(desk: Any, tmp_path: Path, mode: str) -> None:
    """A PNG whose transparency is a tRNS colour key shows white where it is see-through, as in a browser:
    in the thumbnail, the exported copy, the packet PDF and the upload kit."""
    case = new_case(desk)
    src = keyed_png(tmp_path / f"截图-{mode}.png", mode)
    (item,) = desk.evidence.import_files(case.id, [src], kind=EvidenceKind.CHAT).added

    rendered = render.render(src, "image/png")
    assert near(rendered.getpixel((20, 50)), (255, 255, 255), 0)
    assert media.to_rgb(Image.open(src)).convert("RGB").getpixel((20, 50)) == (255, 255, 255)

    exported = Image.open(desk.evidence.export_copy(item.id, tmp_path / "导出")).convert("RGB")
    assert exported.getpixel((20, 50)) == (255, 255, 255)
    assert not near(exported.getpixel((180, 50)), (255, 255, 255), 10)  # the opaque half keeps its colour

    packet = desk.packets.build(case.id, tmp_path / "packet.pdf")
    # Once each: page 1 shows the packet's first picture again, from the same embedded image.
    (picture,) = {i.name: i.image for p in pypdf.PdfReader(packet.path).pages for i in p.images}.values()
    picture = picture.convert("RGB")
    assert near(picture.getpixel((picture.width // 10, picture.height // 2)), (255, 255, 255), 8)

    kit = desk.packets.build_upload_kit(case.id, "goods", tmp_path / "kit")
    shot = Image.open(kit.folder / kit.files[-1].name).convert("RGB")
    assert near(shot.getpixel((shot.width // 10, shot.height // 2)), (255, 255, 255), 8)


# -- exported copies are ordinary files ----------------------------------------------------------------


@pytest.fixture
def umask() -> Iterator[Any]:
    before = os.umask(0o022)
    os.umask(before)

    def set_mask(value: int) -> None:
        os.umask(value)

    yield set_mask
    os.umask(before)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
@pytest.mark.parametrize("mask", [0o022, 0o027, 0o002])
def test_exported_copy_gets_the_users_normal_file_mode(
    desk: Any, tmp_path: Path, umask: Any, mask: int
) -> None:
    case = new_case(desk)
    photo = tmp_path / "称重.jpg"
    Image.new("RGB", (64, 48), RED).save(photo)
    screenshot = keyed_png(tmp_path / "截图.png", "RGB")
    from reportlab.pdfgen.canvas import Canvas

    voucher = tmp_path / "凭证.pdf"
    canvas = Canvas(str(voucher))
    canvas.drawString(72, 720, "voucher")
    canvas.save()
    items = desk.evidence.import_files(case.id, [photo, screenshot, voucher]).added
    assert len(items) == 3
    umask(mask)
    for item in items:
        out = desk.evidence.export_copy(item.id, tmp_path / "导出")
        assert out.stat().st_mode & 0o777 == 0o666 & ~mask, (out.name, oct(out.stat().st_mode))
    assert not [p for p in (tmp_path / "导出").iterdir() if p.name.startswith(".")]


# -- decoder chatter ---------------------------------------------------------------------------------


def odd_tiff(path: Path, *, damaged: bool) -> Path:
    """A deflate TIFF (decoded by libtiff) with a private tag of a type libtiff does not know.

    libtiff warns about the tag from C; with `damaged`, the compressed strip is garbage as well, so
    libtiff also reports decoding errors. Both used to go straight to the terminal.
    """
    rnd = random.Random(7)
    im = Image.frombytes("RGB", (64, 64), rnd.randbytes(64 * 64 * 3))
    info = TiffImagePlugin.ImageFileDirectory_v2()
    info[65000] = "private"
    info.tagtype[65000] = 2
    buf = io.BytesIO()
    im.save(buf, "TIFF", compression="tiff_adobe_deflate", tiffinfo=info)
    data = bytearray(buf.getvalue())
    with Image.open(io.BytesIO(bytes(data))) as t:
        offset, length = t.tag_v2[273][0], t.tag_v2[279][0]
    ifd = struct.unpack_from("<I", data, 4)[0]
    for k in range(struct.unpack_from("<H", data, ifd)[0]):
        entry = ifd + 2 + 12 * k
        if struct.unpack_from("<H", data, entry)[0] == 65000:
            struct.pack_into("<H", data, entry + 2, 99)  # no such TIFF field type
    if damaged:
        data[offset + 2 : offset + length] = b"\x55" * (length - 2)
    path.write_bytes(bytes(data))
    return path


def run_cli(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONWARNINGS": "default"}
    env.pop("DESK_HOME", None)
    return subprocess.run(
        [sys.executable, "-m", "desk", "--profile", str(profile), *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=300,
    )


def test_decoder_messages_go_to_the_log_not_the_terminal(tmp_path: Path) -> None:
    from desk.app import open_desk

    profile = tmp_path / "profile"
    d = open_desk(profile)
    try:
        case_id = str(new_case(d).id)
    finally:
        d.close()
    bad = odd_tiff(tmp_path / "bad.tif", damaged=True)
    odd = odd_tiff(tmp_path / "odd.tif", damaged=False)

    proc = run_cli(profile, "evidence", "add", case_id, str(bad))
    assert proc.returncode == 1
    # Only the desk's own sentence: no "TIFFFetchNormalTag: …" or "ZIPDecode: …" lines from libtiff.
    assert proc.stderr.strip().splitlines() == [
        "未导入：bad.tif——图片数据已损坏，无法解码（OSError: decoder error -2）"
    ], proc.stderr

    # A file that decodes despite its odd tag is taken, and every later decode is quiet as well.
    proc = run_cli(profile, "evidence", "add", case_id, str(odd), "--kind", "聊天截图")
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    proc = run_cli(profile, "packet", case_id, "-o", str(tmp_path / "p.pdf"))
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    proc = run_cli(profile, "upload-kit", case_id, "--kind", "goods", "-o", str(tmp_path / "kit"))
    assert proc.returncode == 0, proc.stderr
    # The kit's own notes (missing evidence) may be there; nothing from a decoder.
    assert "TIFF" not in proc.stderr and "Warning" not in proc.stderr
    assert all(not line.isascii() for line in proc.stderr.splitlines()), proc.stderr

    log = (profile / "logs" / "desk.log").read_text(encoding="utf-8")
    assert "libtiff" in log and "TIFFFetchNormalTag" in log and "ZIPDecode" in log


def test_pillow_warnings_in_a_packet_build_go_to_the_log(
    desk: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str], caplog: Any
) -> None:
    """A photo above Pillow's own pixel warning (our limits are checked from the header at import) used to
    print a DecompressionBombWarning when the packet decoded it."""
    import logging
    import warnings

    case = new_case(desk)
    photo = tmp_path / "大图.jpg"
    Image.new("RGB", (200, 100), RED).save(photo)
    desk.evidence.import_files(case.id, [photo])
    monkeypatch.setattr(warnings, "showwarning", warnings.showwarning)  # restored after the test
    media.quiet_decoders()  # as at import; pytest's own warning capture replaced it for the test
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 15_000)  # warns above this, refuses above twice
    warnings.simplefilter("always")
    caplog.set_level(logging.INFO, logger="desk.store.media")
    desk.packets.build(case.id, tmp_path / "packet.pdf")
    _, err = capfd.readouterr()
    assert err == ""
    assert any("DecompressionBombWarning" in r.getMessage() for r in caplog.records)


# -- pictures longer than a JPEG may be ------------------------------------------------------------


def strip_png(path: Path, size: tuple[int, int]) -> Path:
    """A picture along a gradient (dark at the start of its long side, light at the end)."""
    ramp = Image.linear_gradient("L").resize((1, 256)).rotate(90, expand=True)  # 256x1, dark to light
    ramp = ramp.resize((max(size), 1), Image.Resampling.BILINEAR)
    im = (
        ramp
        if size[0] >= size[1]
        else ramp.transpose(Image.Transpose.ROTATE_270).transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    )
    im.resize(size).convert("RGB").save(path, "PNG")
    return path


@pytest.mark.parametrize("size", [(65535, 1), (1, 65535), (65520, 60)])
def test_a_picture_longer_than_a_jpeg_is_cut_into_numbered_pieces(
    desk: Any, tmp_path: Path, size: tuple[int, int]
) -> None:
    case = new_case(desk)
    src = strip_png(tmp_path / "长图.png", size)
    (item,) = desk.evidence.import_files(case.id, [src], kind=EvidenceKind.CHAT).added
    assert (item.width, item.height) == size  # accepted at import

    check = desk.packets.preflight(case.id, "goods")
    assert check.ok, check.failures
    pieces = [e for e in check.entries if e.evidence is not None]
    assert [(e.piece, e.pieces) for e in pieces] == [(1, 2), (2, 2)]
    assert [e.file_name for e in pieces] == ["02-聊天截图-长图-第1段.jpg", "03-聊天截图-长图-第2段.jpg"]
    assert any("切成 2 张" in n and "65500" in n and "长图.png" in n for n in check.notes), check.notes
    assert check.row("image_count").value == "3 / 9 张"

    kit = desk.packets.build_upload_kit(case.id, "goods", tmp_path / "kit")
    assert [f.name for f in kit.files][1:] == [e.file_name for e in pieces]
    long_side = max(size)
    shots = [Image.open(kit.folder / f.name) for f in kit.files[1:]]
    for shot in shots:
        assert shot.format == "JPEG" and max(shot.size) <= 65_500 and min(shot.size) == min(size)
    lengths = [max(s.size) for s in shots]
    assert 0 < sum(lengths) - long_side <= 64  # all of it, the pieces overlapping a little
    # In order: the first piece starts dark, the second ends light.
    first, second = (s.convert("L") for s in shots)
    assert first.getpixel((0, 0)) < 30 and second.getpixel((second.width - 1, second.height - 1)) > 225

    packet = desk.packets.build(case.id, tmp_path / "packet.pdf")
    assert not [w for w in packet.warnings if "长图" in w]
    assert len({i.name for p in pypdf.PdfReader(packet.path).pages for i in p.images}) == 1


def test_cli_kit_of_a_long_picture_prints_nothing_from_the_encoder(tmp_path: Path) -> None:
    from desk.app import open_desk

    profile = tmp_path / "profile"
    d = open_desk(profile)
    try:
        case = new_case(d)
        d.evidence.import_files(
            case.id, [strip_png(tmp_path / "长图.png", (65535, 1))], kind=EvidenceKind.CHAT
        )
    finally:
        d.close()
    proc = run_cli(profile, "preflight", str(case.id), "--kind", "goods")
    assert "切成 2 张" in proc.stdout, proc.stdout
    proc = run_cli(profile, "upload-kit", str(case.id), "--kind", "goods", "-o", str(tmp_path / "kit"))
    assert proc.returncode == 0, proc.stderr
    assert "02-聊天截图-长图-第1段.jpg" in proc.stdout and "03-聊天截图-长图-第2段.jpg" in proc.stdout
    # libjpeg's own "Maximum supported image dimension is 65500 pixels" used to appear here.
    assert all(not line.isascii() for line in proc.stderr.splitlines()), proc.stderr


def test_an_encoder_failure_is_reported_as_one_not_as_a_disk_write(
    desk: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desk.upload import kit as kit_module
    from desk.upload.kit import UploadKitFailed

    case = new_case(desk)
    photo = tmp_path / "称重.png"
    Image.new("RGB", (300, 200), RED).save(photo)
    desk.evidence.import_files(case.id, [photo], kind=EvidenceKind.WAREHOUSE_WEIGHT)
    real = kit_module.fit_jpeg

    def failing(picture: Image.Image, limit: int) -> Any:
        if picture.size == (300, 200):
            raise OSError("encoder error -2")  # what Pillow raises when libjpeg gives up
        return real(picture, limit)

    monkeypatch.setattr(kit_module, "fit_jpeg", failing)
    with pytest.raises(UploadKitFailed) as failed:
        desk.packets.build_upload_kit(case.id, "goods", tmp_path / "kit")
    message = str(failed.value)
    assert "02-仓库称重图-称重.jpg" in message and "无法压缩为 JPEG" in message, message
    assert "无法保存" not in message and "写入" not in message and "磁盘" not in message
    assert not (tmp_path / "kit").exists()


def test_a_cover_too_long_for_one_picture_is_cut_between_lines(
    desk: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desk.upload import kit as kit_module
    from desk.upload import preflight as preflight_module

    # At the real limit: 10,000 short lines (the 20,000 characters a description may have) are about
    # 420,000 pixels of cover, 1.7 GB as one picture and far beyond what a JPEG may hold.
    case = new_case(desk)
    desk.cases.update(case.id, description="好\n" * 10_000)
    check = desk.packets.preflight(case.id, "goods")
    covers = [e for e in check.entries if e.source == "cover"]
    assert len(covers) == 7 and [e.piece for e in covers] == list(range(1, 8))
    assert any("封面与说明" in n and "切成 7 张" in n for n in check.notes), check.notes

    # The pieces themselves, at a small limit so the test stays quick.
    desk.cases.update(case.id, description="\n".join(f"第{n}行：买家称少发一件。" for n in range(1, 121)))
    monkeypatch.setattr(preflight_module, "SLICE_MAX", 2500)
    monkeypatch.setattr(kit_module, "SLICE_MAX", 2500)
    result = desk.packets.build_upload_kit(case.id, "goods", tmp_path / "kit")
    covers = [f for f in result.files if "封面与说明" in f.name]
    assert len(covers) >= 3 and covers[0].name == "01-封面与说明-第1段.jpg"
    assert all(f.height <= 2500 for f in covers)
    # The 申诉说明.txt is trimmed; the note points to where the whole text is: all the cover's pieces.
    assert any(f"完整内容仍在 {covers[0].name} 至 {covers[-1].name} 里" in n for n in result.notes), (
        result.notes
    )


def test_a_packet_failing_while_reading_or_encoding_does_not_blame_the_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import UTC, datetime

    from desk.errors import PacketFailed
    from desk.pdf import packet as packet_module
    from desk.pdf.content import PacketContent

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OSError("encoder error -2")  # as Pillow reports a picture libjpeg refused

    monkeypatch.setattr(packet_module, "_render", broken)
    content = PacketContent(
        title="售后申诉材料",
        order_no="1",
        cover_fields=(),
        description="",
        evidence=(),
        generated_at=datetime(2026, 1, 2, tzinfo=UTC),
    )
    with pytest.raises(PacketFailed) as failed:
        packet_module.build_packet(content, tmp_path / "p.pdf")
    assert "无法保存" not in failed.value.message and "生成申诉材料失败" in failed.value.message
    assert list(tmp_path.iterdir()) == []


def test_an_exported_copy_at_jpegs_own_size_limit_is_still_a_jpeg(capfd: pytest.CaptureFixture[str]) -> None:
    """JPEG files may be 65,535 pixels long, libjpeg writes at most 65,500: the copy loses 35 pixels of
    length instead of failing with a C library line on the terminal."""
    wide = Image.new("RGB", (65_535, 2), RED)
    data = render.encode_clean(wide, "JPEG")
    with Image.open(io.BytesIO(data)) as copy:
        assert copy.format == "JPEG" and copy.size == (65_500, 2)
    assert capfd.readouterr().err == ""
