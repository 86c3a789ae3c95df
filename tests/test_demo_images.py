"""Tests for the synthetic demo evidence pictures in desk_demo.images."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageOps, ImageStat

from desk_demo import images as di
from desk_demo.images import buyer, common, courier, voucher

EXIF_IFD = 0x8769
DATETIME_ORIGINAL = 0x9003
ORIENTATION = 0x0112
MAKE, MODEL = 0x010F, 0x0110

CHAT = [
    ("buyer", "你好，我收到的快递只有1件，我买的是3件"),
    ("shop", "亲，您好！这边帮您核实一下，请稍等～"),
    ("buyer", "[图片]"),
    ("shop", "亲，仓库出库称重 1.250kg，快递揽收重量也是 1.250kg，麻烦提供一下外包装照片，我们马上核实。"),
]

# name -> (factory, format, (min_w, max_w), (min_h, max_h))
CASES: dict[str, tuple[Callable[[], bytes], str, tuple[int, int], tuple[int, int]]] = {
    "scale": (lambda: di.scale_display_photo(1250), "JPEG", (1600, 1600), (1200, 1200)),
    "courier": (
        lambda: di.courier_system_screenshot("DD0308020365143", "示例速运", "1.250"),
        "PNG",
        (1280, 1280),
        (800, 800),
    ),
    "chat": (lambda: di.chat_screenshot(CHAT), "PNG", (1080, 1080), (1000, 2400)),
    "goods": (
        lambda: di.goods_with_label_photo("加厚不锈钢保温杯 500ml", "DD0308020365143"),
        "JPEG",
        (1600, 1600),
        (1200, 1200),
    ),
    "buyer": (lambda: di.buyer_photo("只收到1件，少发了2件"), "JPEG", (1600, 1600), (1200, 1200)),
    "voucher": (lambda: di.freight_voucher("DD0308020365143", "12.50"), "PNG", (1200, 1200), (880, 880)),
}
JPEG_CASES = [name for name, case in CASES.items() if case[1] == "JPEG"]


def _open(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


@pytest.mark.parametrize("name", list(CASES))
def test_returns_encoded_image_of_expected_format_and_size(name: str) -> None:
    make, fmt, (min_w, max_w), (min_h, max_h) = CASES[name]
    data = make()
    assert isinstance(data, bytes)
    img = _open(data)
    assert img.format == fmt
    assert min_w <= img.width <= max_w
    assert min_h <= img.height <= max_h
    assert img.mode == "RGB"


@pytest.mark.parametrize("name", list(CASES))
def test_same_arguments_give_same_bytes(name: str) -> None:
    make = CASES[name][0]
    assert make() == make()


def test_seed_changes_the_picture() -> None:
    assert di.scale_display_photo(1250, seed=1) != di.scale_display_photo(1250, seed=2)
    assert di.buyer_photo("少发", seed=1) != di.buyer_photo("少发", seed=2)
    assert di.chat_screenshot(CHAT, seed=1) != di.chat_screenshot(CHAT, seed=2)


@pytest.mark.parametrize("name", JPEG_CASES)
def test_jpegs_carry_capture_time_and_demo_camera(name: str) -> None:
    exif = _open(CASES[name][0]()).getexif()
    stamp = exif.get_ifd(EXIF_IFD).get(DATETIME_ORIGINAL)
    assert isinstance(stamp, str)
    datetime.strptime(stamp, "%Y:%m:%d %H:%M:%S")  # parses
    assert exif.get(MAKE) == "DeskDemo"
    assert exif.get(MODEL)


def test_scale_photo_exif_make_model_and_explicit_time() -> None:
    when = datetime(2026, 11, 20, 14, 32, 7)
    exif = _open(di.scale_display_photo(980, taken_at=when)).getexif()
    assert exif.get(MAKE) == "DeskDemo"
    assert exif.get(MODEL) == "Scale Cam"
    assert exif.get_ifd(EXIF_IFD)[DATETIME_ORIGINAL] == "2026:11:20 14:32:07"
    assert exif.get(ORIENTATION) == 1


def test_scale_photo_rejects_impossible_weights() -> None:
    with pytest.raises(ValueError):
        di.scale_display_photo(-1)
    with pytest.raises(ValueError):
        di.scale_display_photo(1_000_000)


def test_scale_photo_shows_the_weight() -> None:
    # different readings change only the LCD, not the scene around it
    a = _open(di.scale_display_photo(1250)).convert("L")
    b = _open(di.scale_display_photo(8888)).convert("L")
    bbox = ImageChops.difference(a, b).point(lambda v: 255 if v > 40 else 0).getbbox()
    assert bbox is not None
    x0, y0, x1, y1 = bbox
    assert x0 > 1000 and x1 - x0 < 500 and y1 - y0 < 300


def test_buyer_photo_portrait_is_stored_landscape_with_orientation_6() -> None:
    img = _open(di.buyer_photo("收到的商品表面有划痕", portrait=True, seed=3))
    assert img.size == (1600, 1200)
    assert img.getexif().get(ORIENTATION) == 6
    upright = ImageOps.exif_transpose(img)
    assert upright is not None
    assert upright.size == (1200, 1600)
    # turning by the EXIF flag restores the drawn scene (JPEG loss aside)
    scene, _ = buyer._buyer_scene("收到的商品表面有划痕", True, 3)
    diff = ImageStat.Stat(ImageChops.difference(upright.convert("RGB"), scene)).mean
    assert max(diff) < 8


def test_buyer_photo_landscape_has_orientation_1() -> None:
    img = _open(di.buyer_photo("少发了", portrait=False))
    assert img.size == (1600, 1200)
    assert img.getexif().get(ORIENTATION) == 1


def test_buyer_photo_explicit_time() -> None:
    when = datetime(2026, 11, 22, 19, 5, 0)
    exif = _open(di.buyer_photo("少发了", taken_at=when)).getexif()
    assert exif.get_ifd(EXIF_IFD)[DATETIME_ORIGINAL] == "2026:11:22 19:05:00"
    assert exif.get(MODEL) == "Buyer Phone"


def test_chat_height_fits_content_and_is_capped() -> None:
    short = _open(di.chat_screenshot([("buyer", "在吗")]))
    assert short.size == (1080, di.CHAT_MIN_HEIGHT)
    medium = _open(di.chat_screenshot(CHAT * 2))
    assert di.CHAT_MIN_HEIGHT < medium.height <= di.CHAT_MAX_HEIGHT
    long = _open(di.chat_screenshot(CHAT * 20))  # scrolled to the newest messages
    assert long.size == (1080, di.CHAT_MAX_HEIGHT)
    huge = _open(di.chat_screenshot([("buyer", "很长的一段话" * 400)]))
    assert huge.size == (1080, di.CHAT_MAX_HEIGHT)


def test_chat_accepts_explicit_time_rows_and_rejects_unknown_sides() -> None:
    _open(di.chat_screenshot([("time", "昨天 20:15"), ("buyer", "在吗"), ("shop", "在的亲")]))
    with pytest.raises(ValueError):
        di.chat_screenshot([("seller", "hi")])


def test_courier_screenshot_with_custom_events() -> None:
    events = [
        ("2026-11-20 10:01:00", "【浙江义乌北苑网点】快件已揽收"),
        ("2026-11-20 12:30:00", "没有网点的一行"),
    ] * 12
    img = _open(di.courier_system_screenshot("SF1234567890", "示例速运", "2.4", events=events))
    assert img.size == (1280, 800)


def test_scan_weights_round_billing_up_and_stay_close() -> None:
    import random

    collected, billed, up, down = courier._scan_weights("1.250", random.Random(1))
    assert (collected, billed) == ("1.250", "1.3")
    assert abs(Decimal(up) - Decimal("1.25")) <= Decimal("0.02")
    assert abs(Decimal(down) - Decimal("1.25")) <= Decimal("0.02")
    assert courier._scan_weights("约1公斤", random.Random(1)) == ("约1公斤",) * 4


def test_freight_voucher_rejects_bad_amounts() -> None:
    for bad in ("abc", "-1", "NaN"):
        with pytest.raises(ValueError):
            di.freight_voucher("DD1", bad)


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("0", "零元整"),
        ("0.5", "伍角整"),
        ("0.05", "伍分"),
        ("12.50", "壹拾贰元伍角整"),
        ("12.05", "壹拾贰元零伍分"),
        ("100", "壹佰元整"),
        ("1005.07", "壹仟零伍元零柒分"),
        ("10010", "壹万零壹拾元整"),
        ("100000", "壹拾万元整"),
        ("1000500", "壹佰万零伍佰元整"),
        ("230000000", "贰亿叁仟万元整"),
    ],
)
def test_rmb_upper(amount: str, text: str) -> None:
    assert voucher._rmb_upper(Decimal(amount)) == text


def test_wrap_measures_pixels_and_breaks_cjk_anywhere() -> None:
    font = common._font(40)
    text = "亲，仓库出库称重1.250kg，快递揽收重量也是1.250kg，麻烦提供一下外包装照片。"
    lines = common._wrap(text, font, 400)
    assert len(lines) > 1
    assert "".join(lines) == text
    for line in lines:
        # closing punctuation may hang one glyph past the edge
        assert font.getlength(line.rstrip("，。")) <= 400
        assert not line.startswith(("，", "。"))
    assert common._wrap("第一行\n第二行", font, 1000) == ["第一行", "第二行"]
    assert any("1.250kg" in line or "250kg" in line for line in lines)


def test_bundled_font_draws_chinese_not_boxes() -> None:
    def render(text: str) -> bytes:
        im = Image.new("L", (120, 60))
        ImageDraw.Draw(im).text((4, 4), text, font=common._font(40), fill=255)
        return im.tobytes()

    missing = render("\u4dae")  # outside the font: drawn as the .notdef box
    for ch in "仓库称重运费凭证拼多多旗舰店":
        assert render(ch) != missing


def test_module_does_not_import_qt() -> None:
    code = "import sys, desk_demo.images; sys.exit(any(m.startswith('PySide6') for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
