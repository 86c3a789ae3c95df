"""Issue 7: the upload kit — numbered clean JPEGs within the platform's limits, the trimmed 申诉说明,
the ZIP — and the pre-flight that says what does not fit and what to change."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import zipfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from reportlab.pdfgen.canvas import Canvas

from desk.domain import CaseDraft, CaseId, CaseType, EvidenceKind, Mark, MarkShape, Platform
from desk.errors import PacketFailed
from desk.upload.kit import UploadKitFailed, build_upload_kit
from desk.upload.ladder import MIN_SIDE, QUALITIES, encode, fit_jpeg, scale_steps
from desk.upload.text import trim_to_limit

REPO = Path(__file__).resolve().parents[1]
PHONE = "13812345678"
MASKED_NAME = "138＊＊＊＊5678"  # * is not allowed in Windows file names
ORDER_NO = "261120-583920174650321"
TRACKING = "YT7512049386021"
GPS_IFD = 0x8825
XMP_MARK = b"http://ns.adobe.com/xap/1.0/"


# -- helpers ---------------------------------------------------------------------------------------


def noisy_photo(path: Path, seed: int, size: tuple[int, int] = (4000, 3000)) -> Path:
    """A 12-MP photo that does not compress small (noise over a gradient), with GPS, XMP, ICC and a phone."""
    rnd = random.Random(seed)
    noise = Image.frombytes("RGB", size, rnd.randbytes(size[0] * size[1] * 3))
    base = Image.linear_gradient("L").resize(size).convert("RGB")
    exif = Image.Exif()
    exif[0x010E] = f"买家电话 {PHONE}"  # ImageDescription
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2], gps[3], gps[4] = "N", (31.0, 13.0, 50.0), "E", (121.0, 28.0, 20.0)
    Image.blend(base, noise, 0.5).save(
        path,
        "JPEG",
        quality=92,
        exif=exif.tobytes(),
        xmp=f"<x:xmpmeta>GPSLatitude 31.23 {PHONE}</x:xmpmeta>".encode(),
        icc_profile=b"\0" * 128 + f"ICC owner {PHONE}".encode(),
    )
    return path


def segments(data: bytes) -> list[int]:
    """Marker codes of a JPEG's header segments, up to the start of the picture data."""
    assert data[:2] == b"\xff\xd8", "not a JPEG"
    out, i = [], 2
    while i < len(data):
        assert data[i] == 0xFF
        marker = data[i + 1]
        if marker == 0xDA:  # start of scan: the rest is picture data
            return out
        out.append(marker)
        i += 2 + int.from_bytes(data[i + 2 : i + 4], "big")
    return out


def assert_clean_jpeg(path: Path) -> None:
    data = path.read_bytes()
    markers = segments(data)
    # APP1 (EXIF, XMP), APP2 (ICC), APP13 (IPTC) and COM (comments) carry metadata; none may be there.
    assert not {0xE1, 0xE2, 0xED, 0xFE} & set(markers), (path.name, [hex(m) for m in markers])
    assert b"Exif" not in data and XMP_MARK not in data and b"ICC_PROFILE" not in data
    assert PHONE.encode() not in data
    with Image.open(path) as im:
        assert im.format == "JPEG"
        assert dict(im.getexif()) == {}
        assert "icc_profile" not in im.info and "xmp" not in im.info


def make_case(desk: Any, **kw: Any) -> Any:
    draft = CaseDraft(
        platform=kw.pop("platform", Platform.PDD),
        order_no=ORDER_NO,
        tracking_no=TRACKING,
        courier="圆通速递",
        case_type=kw.pop("case_type", CaseType.MISSING_ITEM),
        description=kw.pop("description", f"买家称少发一件。快递单号 {TRACKING}，买家电话 {PHONE}。"),
        **kw,
    )
    case, _ = desk.cases.create(draft)
    return case


def jpgs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix == ".jpg")


def read_text_file(path: Path) -> str:
    raw = path.read_bytes()
    assert raw.startswith("\ufeff".encode()), "申诉说明.txt needs a BOM for Windows Notepad"
    text = raw[3:].decode("utf-8")
    assert "\n" not in text.replace("\r\n", ""), "line ends must be CRLF"
    return text.replace("\r\n", "\n")


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def set_limits(desk: Any, key: str = "pdd", **values: int) -> None:
    for name, value in values.items():
        desk.platforms.set_setting(key, name, value=value, verified=True, source="商家后台申诉页面")


# -- limits, metadata, ZIP -------------------------------------------------------------------------


def test_many_large_photos_fit_the_limits_clean_and_zip_equals_folder(desk: Any, tmp_path: Path) -> None:
    case = make_case(desk)
    photos = [noisy_photo(tmp_path / f"称重{n}.jpg", n) for n in range(8)]
    added = desk.evidence.import_files(case.id, photos, kind=EvidenceKind.WAREHOUSE_WEIGHT).added
    assert len(added) == 8 and all(e.byte_size > 5 * 1024 * 1024 for e in added)
    set_limits(desk, image_count=9, image_kb=900)

    check = desk.packets.preflight(case.id, "goods")
    assert check.ok and check.image_count == 9
    assert check.row("image_count").value == "9 / 9 张" and check.row("image_count").state == "ok"
    assert check.row("image_size").state == "warn" and "8 张需压缩" in check.row("image_size").detail

    out, archive = tmp_path / "kit", tmp_path / "kit.zip"
    result = desk.packets.build_upload_kit(case.id, "goods", out, zip_path=archive)
    files = jpgs(out)
    assert [p.name for p in files] == [f.name for f in result.files]
    assert len(files) == 9  # the cover and all eight photos: nothing dropped
    assert files[0].name == "01-封面与说明.jpg"
    assert [p.name[:3] for p in files] == [f"{n:02d}-" for n in range(1, 10)]
    assert all(p.name.startswith(f"{n:02d}-仓库称重图-称重") for n, p in enumerate(files[1:], start=2))
    for path in files:
        assert path.stat().st_size <= 900 * 1024, path.name
        assert_clean_jpeg(path)
    for path in files[1:]:
        with Image.open(path) as im:
            assert min(im.size) >= MIN_SIDE and im.size[0] > im.size[1]  # shrunk, still a landscape photo
    assert all(f.scaled and f.quality == QUALITIES[-1] for f in result.files[1:])
    assert any("已缩小像素" in n for n in result.notes)

    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
        assert names == [p.name for p in files] + ["申诉说明.txt"]
        for name in names:
            assert zf.read(name) == (out / name).read_bytes(), name
    assert sorted(p.name for p in out.iterdir()) == sorted(names)
    assert leftovers(tmp_path) == sorted(["kit", "kit.zip", "profile", *[p.name for p in photos]])


def test_ladder_lowers_quality_before_pixels() -> None:
    rnd = random.Random(7)
    size = (2400, 1800)
    noise = Image.frombytes("RGB", size, rnd.randbytes(size[0] * size[1] * 3))
    im = Image.blend(Image.linear_gradient("L").resize(size).convert("RGB"), noise, 0.4)
    by_quality = {q: len(encode(im, q)) for q in QUALITIES}

    # A limit between quality 85 and 75: full pixels at quality 75, after trying 92 and 85 in that order.
    limit = (by_quality[85] + by_quality[75]) // 2
    fitted = fit_jpeg(im, limit)
    assert [(s.quality, s.width) for s in fitted.steps] == [(92, 2400), (85, 2400), (75, 2400)]
    assert fitted.chosen is not None and fitted.chosen.quality == 75 and not fitted.scaled
    assert fitted.jpeg is not None and len(fitted.jpeg) <= limit

    # A limit below quality 55 at full size: every quality first, then fewer pixels at quality 55.
    limit = by_quality[55] // 2
    fitted = fit_jpeg(im, limit)
    assert [s.quality for s in fitted.steps[:5]] == list(QUALITIES)
    assert all((s.width, s.height) == size for s in fitted.steps[:5])
    assert all(s.quality == 55 and s.width < size[0] for s in fitted.steps[5:])
    assert (
        fitted.chosen is not None and fitted.scaled and fitted.jpeg is not None and len(fitted.jpeg) <= limit
    )
    # The rung chosen is the biggest that fits, as walking every rung from the top would find.
    rungs = scale_steps(*size)
    walk = next(
        (w, h) for w, h in rungs if len(encode(im.resize((w, h), Image.Resampling.LANCZOS), 55)) <= limit
    )
    assert (fitted.chosen.width, fitted.chosen.height) == walk
    assert min(walk) >= MIN_SIDE


def test_a_picture_that_cannot_fit_fails_by_name_and_writes_nothing(desk: Any, tmp_path: Path) -> None:
    case = make_case(desk)
    small = tmp_path / "复称.jpg"
    Image.new("RGB", (800, 600), (90, 160, 210)).save(small, quality=90)
    desk.evidence.import_files(case.id, [small], kind=EvidenceKind.REWEIGH)
    desk.evidence.import_files(
        case.id, [noisy_photo(tmp_path / "称重.jpg", 3, (2000, 1500))], kind=EvidenceKind.WAREHOUSE_WEIGHT
    )
    set_limits(desk, image_kb=60)
    parent = tmp_path / "out"
    parent.mkdir()
    with pytest.raises(UploadKitFailed) as caught:
        desk.packets.build_upload_kit(case.id, "goods", parent / "kit", zip_path=parent / "kit.zip")
    message = caught.value.message
    assert "“02-仓库称重图-称重.jpg”" in message and "超过拼多多单张上限 60 KB" in message
    assert "请裁剪这张图片" in message
    assert "复称" not in message  # the picture that fits is not blamed
    assert leftovers(parent) == []  # no folder, no ZIP, no .partial, no staging folder


def test_too_many_pictures_is_a_hard_failure_saying_what_to_change(desk: Any, tmp_path: Path) -> None:
    case = make_case(desk)
    shots = []
    for n in range(4):
        shots.append(tmp_path / f"聊天{n}.png")
        Image.new("RGB", (300, 600), (200, 220, 240 - n)).save(shots[-1])
    desk.evidence.import_files(case.id, shots, kind=EvidenceKind.CHAT)
    set_limits(desk, image_count=3)
    check = desk.packets.preflight(case.id, "goods")
    assert not check.ok and check.image_count == 5  # every picture still counted: nothing dropped
    assert check.row("image_count").state == "bad" and check.row("image_count").value == "5 / 3 张"
    sentence = check.failures[0]
    assert "图片共 5 张（1 张汇总页、4 张证据），超过拼多多申诉上限 3 张" in sentence
    assert "请在证据栏移除不必要的证据，或合并聊天截图" in sentence
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(UploadKitFailed) as caught:
        desk.packets.build_upload_kit(case.id, "goods", out / "kit")
    assert sentence in caught.value.message
    assert leftovers(out) == []


def test_cancel_leaves_nothing(desk: Any, tmp_path: Path) -> None:
    case = make_case(desk)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(PacketFailed, match="已取消"):
        desk.packets.build_upload_kit(case.id, "goods", out / "kit", cancel=lambda: True)
    assert leftovers(out) == []


def test_an_existing_folder_with_files_is_never_overwritten(desk: Any, tmp_path: Path) -> None:
    case = make_case(desk)
    out = tmp_path / "kit"
    out.mkdir()
    (out / "mine.txt").write_text("keep")
    with pytest.raises(UploadKitFailed, match="已存在且不是空的"):
        desk.packets.build_upload_kit(case.id, "goods", out)
    assert leftovers(out) == ["mine.txt"]


# -- marks, orientation, masking ---------------------------------------------------------------------


def test_redaction_is_black_in_the_exported_picture(desk: Any, tmp_path: Path) -> None:
    case = make_case(desk)
    # Stored sideways (1200 wide) with EXIF orientation 6: upright it is 900 wide and 1200 tall.
    photo = tmp_path / "面单合照.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.new("RGB", (1200, 900), (240, 200, 60)).save(photo, quality=95, exif=exif.tobytes())
    (ev,) = desk.evidence.import_files(case.id, [photo], kind=EvidenceKind.GOODS_WITH_LABEL).added
    redact = Mark(MarkShape.REDACT, 0.1, 0.1, 0.5, 0.3)
    desk.evidence.set_marks(ev.id, [redact, Mark(MarkShape.BOX, 0.6, 0.6, 0.9, 0.9)])
    result = desk.packets.build_upload_kit(case.id, "goods", tmp_path / "kit")
    path = tmp_path / "kit" / result.files[1].name
    with Image.open(path) as im:
        assert im.size == (900, 1200)  # upright
        px = im.convert("RGB")
        inside = [px.getpixel((x, y)) for x in range(100, 440, 20) for y in range(130, 350, 20)]
        assert all(max(p) < 40 for p in inside), "the black box must cover the number in the upload too"
        r, g, b = px.getpixel((700, 200))
        assert r > 200 and g > 160 and b < 110  # the rest of the picture is untouched
        r, g, b = px.getpixel((round(0.6 * 900), 900))  # the red box's left edge
        assert r > 180 and g < 80
    assert_clean_jpeg(path)


def test_phone_numbers_masked_in_names_titles_and_text_but_order_and_tracking_stay(
    desk: Any, tmp_path: Path
) -> None:
    case = make_case(desk, description=f"订单 {ORDER_NO} 买家（电话 {PHONE}）称少发。快递单号 {TRACKING}。")
    chat = tmp_path / f"聊天{PHONE}.png"
    Image.new("RGB", (300, 500), (220, 230, 240)).save(chat)
    (ev,) = desk.evidence.import_files(case.id, [chat], kind=EvidenceKind.CHAT).added
    desk.evidence.update(ev.id, caption=f"买家 {PHONE[:3]}-{PHONE[3:7]}-{PHONE[7:]} 承认收到")
    other = tmp_path / f"称重{PHONE}.jpg"
    Image.new("RGB", (640, 480), (50, 90, 200)).save(other)
    desk.evidence.import_files(case.id, [other], kind=EvidenceKind.WAREHOUSE_WEIGHT)

    check = desk.packets.preflight(case.id, "goods")
    shown = json.dumps(check.as_json(), ensure_ascii=False)
    assert PHONE not in shown and "1234-5678" not in shown
    result = desk.packets.build_upload_kit(case.id, "goods", tmp_path / "kit")
    names = [p.name for p in (tmp_path / "kit").iterdir()]
    assert "03-聊天截图-买家 138＊＊＊＊5678 承认收到.jpg" in names
    assert f"02-仓库称重图-称重{MASKED_NAME}.jpg" in names
    assert not any(PHONE in n or "1234" in n for n in names)
    text = read_text_file(tmp_path / "kit" / "申诉说明.txt")
    assert "138****5678" in text and PHONE not in text
    assert ORDER_NO in text and TRACKING in text
    assert PHONE not in result.summary() and all(PHONE not in f.title for f in result.files)


def test_windows_safe_short_names() -> None:
    from desk.upload.preflight import MAX_NAME, file_name

    name = file_name(3, 2, "聊天截图", 'a:b*c?"d<e>f|g/h\\i' + "很长的说明" * 30)
    assert len(name) <= MAX_NAME and name.endswith(".jpg") and name.startswith("03-聊天截图-")
    assert not set(name) & set('\\/:*?"<>|')


# -- 申诉说明 --------------------------------------------------------------------------------------


def test_trim_prefers_a_sentence_end() -> None:
    text = "第一句话说明情况。第二句话给出称重结论，重量一致！第三句话很长很长很长很长很长。"
    t = trim_to_limit(text, 30)
    assert t.kept == "第一句话说明情况。第二句话给出称重结论，重量一致！"
    assert t.cut == "第三句话很长很长很长很长很长。" and t.boundary == "sentence"
    assert trim_to_limit(text, 200).cut == ""
    # No sentence end late enough: a clause end, closed as a sentence.
    long = "买家称少发" + "，核对称重" * 10
    t = trim_to_limit(long, 22)
    assert len(t.kept) <= 22 and t.kept.endswith("。") and t.boundary == "clause"


def test_text_over_the_limit_is_cut_at_a_sentence_with_a_note(desk: Any, tmp_path: Path) -> None:
    sentences = [
        f"订单 {ORDER_NO} 的买家反馈少发一件。",
        "经复称同款三件，打包重量与仓库称重一致。",
        "快递揽收重量也与发货重量一致，未发现少件。",
        "恳请平台核实并支持商家。",
    ]
    case = make_case(desk, description="".join(sentences))
    set_limits(desk, text_chars=70)
    check = desk.packets.preflight(case.id, "goods")
    row = check.row("text")
    assert row.state == "warn" and row.value == f"{len(''.join(sentences))} / 70 字"
    result = desk.packets.build_upload_kit(case.id, "goods", tmp_path / "kit")
    text = read_text_file(tmp_path / "kit" / "申诉说明.txt")
    assert text == "".join(sentences[:2]) and len(text) <= 70
    note = next(n for n in result.notes if "截断" in n)
    assert "超过拼多多上限 70 字" in note and sentences[2] in note and sentences[3] in note


# -- evidence kinds: video frames, PDF vouchers, missing evidence --------------------------------------


def _mp4(path: Path) -> Path:
    import av

    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        for i in range(20):
            frame = av.VideoFrame.from_image(Image.new("RGB", (320, 240), (20, 10 * i, 200)))
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def test_video_key_frames_and_first_pdf_page_become_pictures(desk: Any, tmp_path: Path) -> None:
    case = make_case(desk)
    (video,) = desk.evidence.import_files(
        case.id, [_mp4(tmp_path / "开箱.mp4")], kind=EvidenceKind.BUYER_PHOTO
    ).added
    desk.evidence.set_key_frames(video.id, [0, 1000])
    voucher = tmp_path / "物流凭证.pdf"
    c = Canvas(str(voucher), pagesize=(300, 200), invariant=1)
    for n in range(3):
        c.drawString(20, 100, f"VOUCHER {n + 1}")
        c.showPage()
    c.save()
    desk.evidence.import_files(case.id, [voucher], kind=EvidenceKind.LOGISTICS_VOUCHER)
    result = desk.packets.build_upload_kit(case.id, "goods", tmp_path / "kit")
    names = [f.name for f in result.files]
    assert names == [
        "01-封面与说明.jpg",
        "02-买家照片-开箱-画面00分00.0秒.jpg",
        "03-买家照片-开箱-画面00分01.0秒.jpg",
        "04-物流凭证-第1页.jpg",
    ]
    with Image.open(tmp_path / "kit" / names[3]) as im:
        assert max(im.size) == 2000 and im.size[0] > im.size[1]
    assert any("共 3 页" in n and "只放第 1 页" in n for n in result.notes)
    for name in names:
        assert_clean_jpeg(tmp_path / "kit" / name)


def test_missing_required_evidence_is_shown_not_hidden(desk: Any, tmp_path: Path) -> None:
    case = make_case(desk, case_type=CaseType.MISSING_ITEM)
    check = desk.packets.preflight(case.id, "goods")
    assert check.missing == ("仓库称重图", "快递内网重量图")
    row = check.row("evidence")
    assert row.state == "bad" and row.value == "仓库称重图、快递内网重量图"
    assert check.ok  # the operator may still export; the meter and the notes say what is missing
    assert any(n.startswith("缺少必需证据：仓库称重图、快递内网重量图") for n in check.notes)
    photo = tmp_path / "称重.jpg"
    Image.new("RGB", (640, 480), (10, 120, 60)).save(photo)
    desk.evidence.import_files(case.id, [photo], kind=EvidenceKind.WAREHOUSE_WEIGHT)
    assert desk.packets.preflight(case.id, "goods").missing == ("快递内网重量图",)


def test_unverified_limits_are_marked_and_defaults_used(desk: Any) -> None:
    case = make_case(desk)
    check = desk.packets.preflight(case.id, "goods")
    assert check.budget.image_count.value == 9 and not check.budget.image_count.verified
    assert "上限是未核实的默认值" in check.row("image_count").detail
    set_limits(desk, image_count=6)
    check = desk.packets.preflight(case.id, "goods")
    assert check.row("image_count").value == "1 / 6 张" and "未核实" not in check.row("image_count").detail


def test_same_input_same_bytes(desk: Any, tmp_path: Path) -> None:
    case = make_case(desk)
    photo = tmp_path / "称重.jpg"
    Image.new("RGB", (640, 480), (10, 120, 60)).save(photo)
    desk.evidence.import_files(case.id, [photo], kind=EvidenceKind.WAREHOUSE_WEIGHT)
    kit = desk.packets.upload_input(case.id, "goods")
    kit = replace(kit, content=replace(kit.content, generated_at=datetime(2026, 11, 20, 8, 0, tzinfo=UTC)))
    a = build_upload_kit(kit, folder=tmp_path / "a", zip_path=tmp_path / "a.zip")
    b = build_upload_kit(kit, folder=tmp_path / "b", zip_path=tmp_path / "b.zip")
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    assert [f.byte_size for f in a.files] == [f.byte_size for f in b.files]


# -- command line --------------------------------------------------------------------------------


def run_cli(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("DESK_HOME", None)
    return subprocess.run(
        [sys.executable, "-m", "desk", "--profile", str(profile), *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=300,
    )


def test_cli_preflight_json_and_upload_kit(tmp_path: Path) -> None:
    from desk.app import open_desk

    profile = tmp_path / "profile"
    desk = open_desk(profile)
    try:
        case = make_case(desk)
        photo = tmp_path / "称重.jpg"
        Image.new("RGB", (640, 480), (10, 120, 60)).save(photo)
        desk.evidence.import_files(case.id, [photo], kind=EvidenceKind.WAREHOUSE_WEIGHT)
        case_id = str(case.id)
    finally:
        desk.close()

    proc = run_cli(profile, "preflight", case_id, "--kind", "goods", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["ok"] is True and data["platform"] == "拼多多"
    assert data["images"] == {
        "count": 2,
        "limit": {"value": 9, "unit": "张", "verified": False, "source": data["images"]["limit"]["source"]},
    }
    assert data["evidence"]["missing"] == ["快递内网重量图"]
    assert [f["name"] for f in data["files"]] == ["01-封面与说明.jpg", "02-仓库称重图-称重.jpg"]
    assert "138****5678" in data["text"]["kept"] and PHONE not in proc.stdout

    # Not ready for the platform (申诉前检查): refused with the list, nothing written.
    proc = run_cli(profile, "upload-kit", case_id, "--kind", "goods", "-o", str(tmp_path / "kit"), "--zip")
    assert proc.returncode == 2
    assert "✗ 缺少必需证据：快递内网重量图" in proc.stderr and "要写明退款金额" in proc.stderr
    assert not (tmp_path / "kit").exists()
    desk = open_desk(profile)
    try:
        courier = tmp_path / "揽收.jpg"
        Image.new("RGB", (640, 480), (60, 60, 160)).save(courier)
        desk.evidence.import_files(CaseId(int(case_id)), [courier], kind=EvidenceKind.COURIER_WEIGHT)
        desk.cases.update(CaseId(int(case_id)), refund_amount="29.90")
    finally:
        desk.close()
    proc = run_cli(profile, "upload-kit", case_id, "--kind", "goods", "-o", str(tmp_path / "kit"), "--zip")
    assert proc.returncode == 0, proc.stderr
    assert "已生成上传材料包" in proc.stdout and "02-仓库称重图-称重.jpg" in proc.stdout
    assert (tmp_path / "kit.zip").is_file() and len(jpgs(tmp_path / "kit")) == 3

    proc = run_cli(profile, "preflight", case_id, "--kind", "goods")
    assert proc.returncode == 0 and "图片张数：3 / 9 张" in proc.stdout

    # A hard failure: exit 1, the sentence on stderr, nothing written.
    desk = open_desk(profile)
    try:
        set_limits(desk, image_count=1)
    finally:
        desk.close()
    proc = run_cli(profile, "upload-kit", case_id, "--kind", "goods", "-o", str(tmp_path / "kit2"))
    assert proc.returncode == 2 and "✗ 图片张数" in proc.stderr  # the readiness check names the limit
    assert not (tmp_path / "kit2").exists()
    proc = run_cli(profile, "preflight", case_id, "--kind", "goods", "--json")
    assert proc.returncode == 1 and json.loads(proc.stdout)["failures"]


def test_cover_holds_the_whole_text_even_when_the_txt_is_trimmed(desk: Any, tmp_path: Path) -> None:
    case = make_case(desk, description="买家称少发一件。" * 120)
    set_limits(desk, text_chars=100)
    result = desk.packets.build_upload_kit(case.id, "goods", tmp_path / "kit")
    assert len(read_text_file(tmp_path / "kit" / "申诉说明.txt")) <= 100
    with Image.open(tmp_path / "kit" / result.files[0].name) as im:
        assert im.width == 1240 and im.height > 1754  # grew to hold all 960 characters
        gray = im.convert("L")
        # Text runs down to just above the footer: nothing of the description was left off the page.
        low, _ = gray.crop((90, im.height - 330, 1150, im.height - 150)).getextrema()
        assert low < 80
    short = make_case(desk, description="买家称少发一件。")
    result = desk.packets.build_upload_kit(short.id, "goods", tmp_path / "kit2")
    with Image.open(tmp_path / "kit2" / result.files[0].name) as im:
        assert im.size == (1240, 1754)


@pytest.mark.parametrize(
    "brk", ["\r", "\r\n", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029", "\x1b[31m", "\x00"]
)
def test_a_description_with_any_line_break_or_control_makes_a_kit(
    desk: Any, tmp_path: Path, brk: str
) -> None:
    # FreeType's layout refused these characters and the whole kit failed as an unreadable voucher.
    case = make_case(desk, description=f"买家称少发一件{brk}第二行 0")
    result = desk.packets.build_upload_kit(case.id, "goods", tmp_path / "kit")
    text = (tmp_path / "kit" / "申诉说明.txt").read_text(encoding="utf-8")
    assert "第二行" in text and "\x1b" not in text and "\x00" not in text
    assert result is not None and list((tmp_path / "kit").glob("*.jpg"))
