"""The freight voucher: the receipt for the return shipping, amount in figures and in capitals, sealed."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from PIL import Image, ImageChops, ImageDraw

from desk_demo.images.common import (
    VOUCHER_SIZE,
    Color,
    _add_layers,
    _blotch_layer,
    _default_time,
    _ellipsize,
    _font,
    _parse_decimal,
    _paste_rotated,
    _png,
    _qr_like,
    _rng,
)

_UPPER_DIGITS = "零壹贰叁肆伍陆柒捌玖"


def _rmb_upper(amount: Decimal) -> str:
    """Amount in 人民币大写, e.g. 12.50 -> 壹拾贰元伍角整, 1005.07 -> 壹仟零伍元零柒分."""
    fen = int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if fen < 0:
        raise ValueError("amount must not be negative")
    yuan, rest = divmod(fen, 100)
    jiao, cents = divmod(rest, 10)
    groups: list[int] = []
    n = yuan
    while n:
        groups.append(n % 10000)
        n //= 10000
    out = ""
    pending_zero = False
    for gi in reversed(range(len(groups))):
        g = groups[gi]
        if g == 0:
            pending_zero = bool(out)
            continue
        if out and (pending_zero or g < 1000):
            out += "零"
        part, zero = "", False
        for pos in (3, 2, 1, 0):
            digit = g // 10**pos % 10
            if digit == 0:
                zero = bool(part)
                continue
            if zero:
                part += "零"
                zero = False
            part += _UPPER_DIGITS[digit] + ("", "拾", "佰", "仟")[pos]
        out += part + ("", "万", "亿", "万亿")[gi]
        pending_zero = False
    if not yuan and not rest:
        return "零元整"
    text = out + "元" if yuan else ""
    if jiao:
        text += _UPPER_DIGITS[jiao] + "角"
    elif yuan and cents:
        text += "零"
    if cents:
        text += _UPPER_DIGITS[cents] + "分"
    else:
        text += "整"
    return text


def _seal(top_text: str, center_text: str, radius: int, color: Color, rng: random.Random) -> Image.Image:
    """A round red company seal (公章 style) with text on the upper arc and a star, slightly uneven ink."""
    size = radius * 2 + 12
    c = size / 2
    mask = Image.new("L", (size, size), 0)
    md = ImageDraw.Draw(mask)
    md.ellipse((6, 6, size - 7, size - 7), outline=255, width=max(4, radius // 16))
    star = [
        (
            c + (radius * (0.22 if k % 2 == 0 else 0.09)) * math.cos(math.radians(-90 + k * 36)),
            c + (radius * (0.22 if k % 2 == 0 else 0.09)) * math.sin(math.radians(-90 + k * 36)),
        )
        for k in range(10)
    ]
    md.polygon(star, fill=255)
    md.text((c, c + radius * 0.5), center_text, font=_font(int(radius * 0.2)), fill=255, anchor="mm")
    chars = list(top_text) or [" "]
    span = min(250.0, 24.0 * len(chars))
    r_text = radius * 0.76
    fs = int(min(radius * 0.24, r_text * math.radians(span) / len(chars) * 0.95))
    for i, ch in enumerate(chars):
        phi = 270 - span / 2 + (span * (i + 0.5) / len(chars))
        glyph = Image.new("L", (fs * 2, fs * 2), 0)
        ImageDraw.Draw(glyph).text((fs, fs), ch, font=_font(fs), fill=255, anchor="mm")
        glyph = glyph.rotate(270 - phi, resample=Image.Resampling.BILINEAR)
        gx = c + r_text * math.cos(math.radians(phi)) - fs
        gy = c + r_text * math.sin(math.radians(phi)) - fs
        mask.paste(255, (round(gx), round(gy)), glyph)
    ink = _blotch_layer(rng, (size, size), (9, 9)).point([min(255, 150 + v) for v in range(256)])
    mask = ImageChops.multiply(mask, ink).point([v * 215 // 255 for v in range(256)])
    seal = Image.new("RGBA", (size, size), (*color, 0))
    seal.putalpha(mask)
    return seal


def freight_voucher(
    tracking_no: str,
    amount_yuan: str,
    *,
    seed: int = 0,
    courier: str = "示例速运",
    issued_at: datetime | None = None,
) -> bytes:
    """PNG, 1200x880: a courier's 运费凭证 (freight receipt, laid out like a Chinese invoice) for
    ``tracking_no`` over ``amount_yuan`` (a decimal string, e.g. "12.50"; shown as ¥12.50 and
    人民币大写), payer 示例旗舰店, with a red round seal. ``issued_at`` defaults to a seed-derived
    time on 2026-11-20. Raises ValueError for an amount that is not a non-negative number.
    """
    amount = _parse_decimal(amount_yuan)
    if amount is None or amount < 0:
        raise ValueError(f"amount_yuan must be a non-negative decimal, got {amount_yuan!r}")
    amount = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    rng = _rng("voucher", seed, tracking_no)
    when = issued_at or _default_time(rng, 0)
    w, h = VOUCHER_SIZE
    img = _add_layers(Image.new("RGB", (w, h), (251, 249, 242)), [(_blotch_layer(rng, (w, h), (10, 7)), 4)])
    d = ImageDraw.Draw(img, "RGBA")
    brown, ink, red = (150, 72, 40), (30, 32, 44), (196, 36, 32)

    d.text((w / 2, 62), "运  费  凭  证", font=_font(50), fill=brown, anchor="mm")
    d.line((w / 2 - 190, 100, w / 2 + 190, 100), fill=brown, width=3)
    d.line((w / 2 - 190, 107, w / 2 + 190, 107), fill=brown, width=2)
    subtitle = _ellipsize(f"{courier}（示例）· 寄件运费结算", _font(20), 560)
    d.text((w / 2, 132), subtitle, font=_font(20), fill=brown, anchor="mm")
    _qr_like(d, 60, 24, 105, tracking_no + amount_yuan, ink)
    d.text((180, 48), "凭证代码", font=_font(18), fill=brown, anchor="lm")
    d.text((270, 48), f"0{rng.randint(10**10, 10**11 - 1)}", font=_font(18, mono=True), fill=ink, anchor="lm")
    d.text((180, 82), "校 验 码", font=_font(18), fill=brown, anchor="lm")
    d.text(
        (270, 82),
        " ".join(f"{rng.randint(0, 99999):05d}" for _ in range(2)),
        font=_font(18, mono=True),
        fill=ink,
        anchor="lm",
    )
    d.text((w - 300, 44), "No.", font=_font(26), fill=red, anchor="lm")
    d.text(
        (w - 250, 44),
        f"{when:%y%m%d}{rng.randint(0, 9999):04d}",
        font=_font(30, mono=True),
        fill=red,
        anchor="lm",
    )
    d.text((w - 300, 90), "开具日期", font=_font(18), fill=brown, anchor="lm")
    d.text((w - 210, 90), f"{when:%Y年%m月%d日}", font=_font(20), fill=ink, anchor="lm")

    x0, x1 = 60, w - 60
    top = 160
    lab_w = 150
    val_w = (x1 - x0 - 2 * lab_w) / 2
    cols = [x0, x0 + lab_w, x0 + lab_w + val_w, x0 + 2 * lab_w + val_w, x1]
    f_lab, f_val = _font(20), _font(22)
    sent = when - timedelta(hours=rng.randint(1, 5), minutes=rng.randint(0, 59))
    info = [
        ("付 款 方", "示例旗舰店", "结算方式", "寄付现结"),
        ("运 单 号", tracking_no, "服务类型", "标准快递"),
        ("寄 件 地", "浙江省金华市义乌市", "收 件 地", "浙江省杭州市西湖区"),
        ("寄件时间", f"{sent:%Y-%m-%d %H:%M}", "托寄物", "日用品"),
    ]
    row_h = 50
    y = top
    for a, b, c2, e in info:
        for k, (text, is_label) in enumerate(((a, True), (b, False), (c2, True), (e, False))):
            cx0, cx1 = cols[k], cols[k + 1]
            if is_label:
                d.rectangle((cx0, y, cx1, y + row_h), fill=(246, 236, 226))
                d.text(((cx0 + cx1) / 2, y + row_h / 2), text, font=f_lab, fill=brown, anchor="mm")
            else:
                f = _font(22, mono=True) if text == tracking_no else f_val
                d.text(
                    (cx0 + 16, y + row_h / 2),
                    _ellipsize(text, f, cx1 - cx0 - 28),
                    font=f,
                    fill=ink,
                    anchor="lm",
                )
        y += row_h
    fee_cols = [x0, x0 + lab_w, x0 + lab_w + val_w, x1]
    d.rectangle((x0, y, x1, y + row_h), fill=(246, 236, 226))
    for k, text in enumerate(("费用项目", "金额（元）", "说明")):
        d.text(
            ((fee_cols[k] + fee_cols[k + 1]) / 2, y + row_h / 2), text, font=f_lab, fill=brown, anchor="mm"
        )
    y += row_h
    zero = Decimal("0.00")
    for name, value, note in (
        ("运    费", amount, "首重 + 续重"),
        ("保 价 费", zero, "未保价"),
        ("包 装 费", zero, "—"),
    ):
        d.text(((fee_cols[0] + fee_cols[1]) / 2, y + row_h / 2), name, font=f_lab, fill=brown, anchor="mm")
        d.text(
            (fee_cols[2] - 24, y + row_h / 2),
            f"{value:,.2f}",
            font=_font(22, mono=True),
            fill=ink,
            anchor="rm",
        )
        d.text((fee_cols[2] + 16, y + row_h / 2), note, font=f_val, fill=ink, anchor="lm")
        y += row_h
    d.rectangle((x0, y, x0 + lab_w, y + row_h + 10), fill=(246, 236, 226))
    d.text((x0 + lab_w / 2, y + (row_h + 10) / 2), "合计金额", font=f_lab, fill=brown, anchor="mm")
    figures = f"（小写）¥{amount:,.2f}"
    d.text((x1 - 24, y + (row_h + 10) / 2), figures, font=_font(24), fill=ink, anchor="rm")
    words_w = x1 - 24 - _font(24).getlength(figures) - 30 - (x0 + lab_w + 16)
    d.text(
        (x0 + lab_w + 16, y + (row_h + 10) / 2),
        _ellipsize("ⓧ " + _rmb_upper(amount), _font(24), words_w),
        font=_font(24),
        fill=ink,
        anchor="lm",
    )
    y += row_h + 10
    remark_h = 70
    d.rectangle((x0, y, x0 + lab_w, y + remark_h), fill=(246, 236, 226))
    d.text((x0 + lab_w / 2, y + remark_h / 2), "备    注", font=f_lab, fill=brown, anchor="mm")
    d.text(
        (x0 + lab_w + 16, y + 22),
        "本凭证为 DeskDemo 演示样张，仅用于软件演示，不作报销或记账凭据。",
        font=_font(19),
        fill=ink,
        anchor="lm",
    )
    d.text(
        (x0 + lab_w + 16, y + 50),
        f"运单号 {tracking_no} 的寄件运费已结清。",
        font=_font(19),
        fill=ink,
        anchor="lm",
    )
    y += remark_h
    # grid lines over the shaded cells
    d.rectangle((x0, top, x1, y), outline=brown, width=3)
    yy = top
    for _ in range(len(info) + 4):
        yy += row_h
        d.line((x0, yy, x1, yy), fill=brown, width=1)
    d.line((x0, yy + row_h + 10, x1, yy + row_h + 10), fill=brown, width=1)
    info_bottom = top + len(info) * row_h
    for cx in cols[1:-1]:
        d.line((cx, top, cx, info_bottom), fill=brown, width=1)
    for cx in fee_cols[1:-1]:
        d.line((cx, info_bottom, cx, info_bottom + 4 * row_h), fill=brown, width=1)
    d.line((x0 + lab_w, info_bottom + 4 * row_h, x0 + lab_w, y), fill=brown, width=1)

    fy = y + 40
    issuer = _ellipsize(f"开具单位：{courier}（示例）义乌北苑网点", _font(20), 460)
    d.text((x0, fy), issuer, font=_font(20), fill=brown, anchor="lm")
    d.text((x0 + 480, fy), "经办人：王**", font=_font(20), fill=brown, anchor="lm")
    d.text((x0 + 650, fy), "复核：李**", font=_font(20), fill=brown, anchor="lm")
    seal = _seal(f"{courier}（示例）有限公司", "运费专用章", 110, (214, 40, 36), rng)
    _paste_rotated(
        img, seal, (x1 - 150 + rng.uniform(-8, 8), y + 58 + rng.uniform(-6, 6)), rng.uniform(-14, 14)
    )
    return _png(img)
