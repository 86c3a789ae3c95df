"""A generated test set for text recognition, with exact ground truth: courier intranet pages in three
layouts (the demo's weights table, a detail card of label: value rows, a compact table with units in the
cells) and chat screenshots where the buyer writes phone numbers full, spaced, hyphenated, with +86, as a
landline, or already masked (138****5678, which must not be found), among order numbers, waybills and
amounts that must not be taken for phones; and photographed scale displays with seven-segment digits (lit
segments over the faint ghosts of unlit ones, a decimal point, some turned in perspective or noisy).

`python -m desk_demo.ocr_set FOLDER [--chats N] [--couriers N] [--displays N]` writes the pictures and truth.json;
tests/data/ocr/ holds a small set made so (tests/test_recognition_set.py), bench/bench_ocr.py a larger one.
Everything is derived from the seed: the same arguments give the same pictures.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from desk_demo.images.chat import chat_screenshot
from desk_demo.images.common import _WHITE, COURIER_SCREENSHOT_SIZE, _font, _png, _rng
from desk_demo.images.courier import _scan_weights, courier_system_screenshot
from desk_demo.images.scale import SEGMENTS

LABELS = ("揽收", "计费", "上车", "下车")
_COURIERS = (
    ("顺丰速运", "SF"),
    ("圆通速递", "YT"),
    ("中通快递", "ZT"),
    ("极兔速递", "JT"),
    ("韵达快递", "YD"),
)


def _mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randint(0, 9)}{rng.randint(0, 99999999):08d}"


def _weight(rng: random.Random) -> str:
    return f"{rng.randint(5, 2500) / 100:.2f}"


# --- courier pages ----------------------------------------------------------------------------------


def _card_page(courier: str, waybill: str, weights: dict[str, str], seed: int, *, compact: bool) -> bytes:
    """A courier's waybill detail page: label: value rows (compact=False) or a small table whose cells
    carry their unit (compact=True)."""
    rng = _rng("ocr-card", seed, waybill)
    w, h = COURIER_SCREENSHOT_SIZE
    accent = rng.choice(((24, 104, 204), (210, 60, 40), (30, 140, 90), (120, 60, 170)))
    img = Image.new("RGB", (w, h), (246, 247, 249))
    d = ImageDraw.Draw(img)
    dark, grey = (40, 44, 52), (130, 136, 146)
    d.rectangle((0, 0, w, 64), fill=accent)
    d.text((28, 32), f"{courier} 运单详情", font=_font(26), fill=_WHITE, anchor="lm")
    d.text((w - 28, 32), f"工号 {rng.randint(10000, 99999)}", font=_font(16), fill=_WHITE, anchor="rm")
    d.rounded_rectangle((40, 96, w - 40, h - 60), 8, fill=_WHITE)
    y = 130
    d.text((70, y), f"运单号：{waybill}", font=_font(22), fill=dark, anchor="lm")
    d.text(
        (w - 70, y),
        f"状态：{rng.choice(('运输中', '已签收', '派件中'))}",
        font=_font(20),
        fill=grey,
        anchor="rm",
    )
    y += 60
    if not compact:
        for label in LABELS:
            name = f"{label}重量" if label in ("揽收", "计费") else f"{label}扫描重量"
            d.text((70, y), f"{name}：{weights[label]} kg", font=_font(21), fill=dark, anchor="lm")
            y += 52
    else:
        cols = [("揽收重量", 70), ("计费重量", 330), ("上车重量", 590), ("下车重量", 850)]
        d.rectangle((60, y - 22, w - 60, y + 22), fill=(240, 243, 248))
        for name, x in cols:
            d.text((x, y), name, font=_font(19), fill=grey, anchor="lm")
        y += 56
        for (_, x), label in zip(cols, LABELS, strict=True):
            d.text((x, y), f"{weights[label]}kg", font=_font(21), fill=dark, anchor="lm")
        y += 60
    y += 20
    d.text((70, y), "收件人：张** 电话：139****2211", font=_font(20), fill=grey, anchor="lm")
    y += 44
    d.text(
        (70, y),
        f"寄件网点：{rng.choice(('义乌北苑', '广州白云', '杭州萧山'))}网点",
        font=_font(20),
        fill=grey,
        anchor="lm",
    )
    d.text((70, h - 90), "演示数据 · 非真实快递系统", font=_font(15), fill=grey, anchor="lm")
    return _png(img)


def courier_pages(count: int, seed: int = 0) -> Iterator[tuple[str, bytes, dict[str, Any]]]:
    """(file name, PNG, truth) for `count` courier pages, the three layouts in turn."""
    for i in range(count):
        rng = _rng("ocr-courier", seed, i)
        courier, prefix = rng.choice(_COURIERS)
        waybill = prefix + "".join(rng.choice("0123456789") for _ in range(13))
        layout = ("table", "card", "compact")[i % 3]
        if layout == "table":
            stated = _weight(rng)
            page_seed = seed * 1000 + i
            w = _scan_weights(stated, _rng("courier", page_seed, waybill))
            weights = dict(zip(LABELS, w, strict=True))
            png = courier_system_screenshot(waybill, courier, stated, seed=page_seed)
        else:
            base = float(_weight(rng))
            weights = {
                "揽收": f"{base:.2f}",
                "计费": f"{max(0.1, round(base + 0.049, 1)):.1f}",
                "上车": f"{base + rng.randint(-2, 2) / 100:.2f}",
                "下车": f"{base + rng.randint(-2, 2) / 100:.2f}",
            }
            png = _card_page(courier, waybill, weights, seed * 1000 + i, compact=layout == "compact")
        truth = {"kind": "courier", "layout": layout, "waybill": waybill, "weights": weights, "unit": "kg"}
        yield f"courier-{i:03d}-{layout}.png", png, truth


# --- chat screenshots -------------------------------------------------------------------------------


def _written(number: str, style: str) -> str:
    a, b, c = number[:3], number[3:7], number[7:]
    return {
        "full": number,
        "spaced": f"{a} {b} {c}",
        "hyphen": f"{a}-{b}-{c}",
        "plus86": f"+86 {a} {b} {c}",
    }[style]


def chat_screenshots(count: int, seed: int = 0) -> Iterator[tuple[str, bytes, dict[str, Any]]]:
    """(file name, PNG, truth) for `count` chats; truth lists the phone digits that must be found and the
    masked numbers that must not."""
    styles = ("full", "spaced", "hyphen", "plus86")
    for i in range(count):
        rng = _rng("ocr-chat", seed, i)
        phones: list[str] = []
        masked: list[str] = []
        messages: list[tuple[str, str]] = [("buyer", "你好，我的包裹少了一件")]
        for k in range(rng.randint(1, 2)):
            number = _mobile(rng)
            style = styles[(i + k) % len(styles)]
            written = _written(number, style)
            phones.append(("86" if style == "plus86" else "") + number)
            messages.append(("buyer", rng.choice(("我电话", "联系我：", "手机号 ", "打这个")) + written))
            messages.append(("shop", "好的亲，已记录，稍后联系您"))
        if i % 2 == 0:
            area, local = (
                rng.choice((("0571", "8801"), ("010", "6552"), ("0755", "8601"))),
                rng.randint(1000, 9999),
            )
            messages.append(("buyer", f"座机也行：{area[0]}-{area[1]} {local}"))
            phones.append(f"{area[0]}{area[1]}{local}")
        hidden = _mobile(rng)
        masked.append(f"{hidden[:3]}****{hidden[7:]}")
        messages.append(("shop", f"核对一下收件电话 {masked[-1]} 对吗"))
        order = f"{rng.randint(200000, 269999)}-{rng.randint(10**14, 10**15 - 1)}"
        messages.append(("shop", f"订单号 {order}，实付 ¥{rng.randint(10, 300)}.{rng.randint(0, 99):02d}"))
        messages.append(("buyer", f"退货单号 SF{rng.randint(10**12, 10**13 - 1)}"))
        png = chat_screenshot(messages, seed=seed * 1000 + i)
        truth = {"kind": "chat", "phones": phones, "masked": masked, "order": order}
        yield f"chat-{i:03d}.png", png, truth


# --- scale displays ---------------------------------------------------------------------------------


def _segment_polygons(x: float, y: float, w: float, h: float, t: float, skew: float) -> dict[str, list]:
    """The seven segments of one digit cell (top-left x, y; width w, height h; stroke t) as polygons,
    slanted by `skew` (x shift per pixel up), like the digits of a shop scale."""
    half = h / 2

    def horizontal(cy: float) -> list[tuple[float, float]]:
        return [
            (x + t / 2, cy),
            (x + t, cy - t / 2),
            (x + w - t, cy - t / 2),
            (x + w - t / 2, cy),
            (x + w - t, cy + t / 2),
            (x + t, cy + t / 2),
        ]

    def vertical(cx: float, y0: float, y1: float) -> list[tuple[float, float]]:
        return [
            (cx, y0 + t / 2),
            (cx + t / 2, y0 + t),
            (cx + t / 2, y1 - t),
            (cx, y1 - t / 2),
            (cx - t / 2, y1 - t),
            (cx - t / 2, y0 + t),
        ]

    shapes = {
        "a": horizontal(y + t / 2),
        "g": horizontal(y + half),
        "d": horizontal(y + h - t / 2),
        "f": vertical(x + t / 2, y, y + half),
        "b": vertical(x + w - t / 2, y, y + half),
        "e": vertical(x + t / 2, y + half, y + h),
        "c": vertical(x + w - t / 2, y + half, y + h),
    }
    bottom = y + h
    return {k: [(px + (bottom - py) * skew, py) for px, py in pts] for k, pts in shapes.items()}


def _display_value(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.5:
        return f"{rng.randint(5, 4999) / 100:.2f}"  # kg with two decimals: 0.05 – 49.99
    if kind < 0.8:
        return f"{rng.randint(5, 9999) / 1000:.3f}"  # kg with three decimals: 0.005 – 9.999
    return f"{rng.randint(10, 9999) / 10:.1f}"  # grams or kg with one decimal


def display_photo(value: str, seed: int) -> tuple[bytes, dict[str, Any]]:
    """A photographed scale display showing `value` on seven-segment digits: an LCD (dark segments on
    grey-green) or LED (red on black) panel, unlit segments faintly visible, the decimal point a small
    square; every third photo turned in perspective, every fourth with sensor noise. Digits are right
    aligned in a five-digit panel; leading places stay dark as on a real scale."""
    import numpy as np
    from PIL import ImageFilter

    rng = _rng("ocr-display", seed, value)
    led = rng.random() < 0.4
    body = (rng.randint(170, 215),) * 3
    w, h = 1200, 800
    img = Image.new("RGB", (w, h), body)
    d = ImageDraw.Draw(img)
    panel = (150, 200, 1050, 560)
    if led:
        bg, lit, ghost = (12, 12, 14), (255, 48, 40), (48, 20, 20)
    else:
        bg, lit, ghost = (178, 192, 170), (24, 30, 26), (160, 172, 152)
    d.rounded_rectangle((panel[0] - 30, panel[1] - 30, panel[2] + 30, panel[3] + 30), 24, fill=(60, 62, 66))
    d.rectangle(panel, fill=bg)
    places = 5
    digits = value.replace(".", "")
    point_after = value.index(".") - 1  # index in digits after which the point sits
    cell_w, cell_h, gap = 130, 250, 38
    stroke = rng.randint(20, 26)
    skew = rng.choice((0.0, 0.08, 0.12))
    x0 = panel[2] - 60 - places * cell_w - (places - 1) * gap
    y0 = (panel[1] + panel[3]) / 2 - cell_h / 2
    start = places - len(digits)
    for slot in range(places):
        x = x0 + slot * (cell_w + gap)
        polys = _segment_polygons(x, y0, cell_w, cell_h, stroke, skew)
        on = SEGMENTS[digits[slot - start]] if slot >= start else ""
        for seg, pts in polys.items():
            d.polygon(pts, fill=lit if seg in on else ghost)
        dot = (
            x + cell_w + gap / 2 - stroke / 2,
            y0 + cell_h - stroke,
            x + cell_w + gap / 2 + stroke / 2,
            y0 + cell_h,
        )
        d.rectangle(dot, fill=lit if slot - start == point_after else ghost)
    d.text((panel[2] + 45, panel[3] - 20), "kg", font=_font(44), fill=(30, 30, 30), anchor="ls")
    d.text(
        (panel[0], panel[3] + 110),
        rng.choice(("电子计重秤", "ACS-30 计价秤", "台秤")),
        font=_font(34),
        fill=(50, 50, 55),
    )
    turned = seed % 3 == 2
    noisy = seed % 4 == 3
    if turned:
        # A photo taken from a little to one side: the panel narrows towards one end.
        k = rng.uniform(60, 110)
        side = rng.choice((0, 1))
        fw, fh = float(w), float(h)
        src = [(0.0, 0.0), (fw, 0.0), (fw, fh), (0.0, fh)]
        dst = (
            [(0.0, k), (fw, 0.0), (fw, fh), (0.0, fh - k)]
            if side
            else [(0.0, 0.0), (fw, k), (fw, fh - k), (0.0, fh)]
        )
        coeffs = _perspective(dst, src)
        img = img.transform(
            (w, h), Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BICUBIC, fillcolor=body
        )
    img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.4)))
    if noisy:
        arr = np.asarray(img).astype(np.int16)
        noise = np.random.default_rng(seed).normal(0, 12, arr.shape)
        img = Image.fromarray(np.clip(arr + noise, 0, 255).astype(np.uint8))
    truth = {"kind": "display", "value": value, "unit": "kg", "led": led, "turned": turned, "noisy": noisy}
    return _png(img), truth


def _perspective(dst: list[tuple[float, float]], src: list[tuple[float, float]]) -> list[float]:
    """Coefficients for Image.transform(PERSPECTIVE) mapping output points `dst` to input points `src`."""
    import numpy as np

    rows = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    a = np.array(rows, dtype=float)
    b = np.array([c for p in src for c in p], dtype=float)
    return [float(c) for c in np.linalg.solve(a, b)]


def display_photos(count: int, seed: int = 0) -> Iterator[tuple[str, bytes, dict[str, Any]]]:
    """(file name, PNG, truth) for `count` scale display photos; truth has the value with its decimal point."""
    for i in range(count):
        value = _display_value(_rng("ocr-display-value", seed, i))
        png, truth = display_photo(value, seed * 1000 + i)
        yield f"display-{i:03d}.png", png, truth


def write_set(folder: Path, *, chats: int, couriers: int, displays: int = 0, seed: int = 0) -> dict[str, Any]:
    """Write the pictures and truth.json ({file name: truth}) into folder; returns the truth."""
    folder.mkdir(parents=True, exist_ok=True)
    truth: dict[str, Any] = {}
    for name, png, item in [
        *courier_pages(couriers, seed),
        *chat_screenshots(chats, seed),
        *display_photos(displays, seed),
    ]:
        (folder / name).write_bytes(png)
        truth[name] = item
    (folder / "truth.json").write_text(
        json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return truth


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m desk_demo.ocr_set", description="生成文字识别测试图片及标准答案"
    )
    p.add_argument("folder", type=Path)
    p.add_argument("--chats", type=int, default=4)
    p.add_argument("--couriers", type=int, default=3)
    p.add_argument("--displays", type=int, default=0)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    truth = write_set(
        args.folder, chats=args.chats, couriers=args.couriers, displays=args.displays, seed=args.seed
    )
    print(f"{len(truth)} 张图片及 truth.json 已写入 {args.folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
