"""The merchant chat screenshot: the conversation with the buyer as the platform's app shows it."""

from __future__ import annotations

from datetime import datetime, timedelta

from PIL import Image, ImageDraw

from desk_demo.images.common import (
    _BOX_COLORS,
    _INK,
    _WHITE,
    CHAT_MAX_HEIGHT,
    CHAT_MIN_HEIGHT,
    CHAT_WIDTH,
    Color,
    _default_time,
    _demo_tag,
    _ellipsize,
    _font,
    _png,
    _rng,
    _text_on,
    _wrap,
)

_PDD_RED: Color = (224, 46, 36)
_CHAT_BG: Color = (237, 237, 237)
# A message's text: its size, and the width it wraps at (the screen less avatars, margins and padding).
_TEXT_SIZE = 42
_TEXT_WIDTH = CHAT_WIDTH - 2 * (30 + 100 + 24) - 2 * 32 - 40


def message_lines(text: str) -> list[str]:
    """The lines a message's text is drawn in on chat_screenshot's picture: wrapped by measured width at
    the bubble's edge (CJK anywhere, ASCII words whole), explicit newlines kept. The generated test set
    (desk_demo/ocr_set.py) takes its truth from these, so the truth is what the picture shows."""
    return _wrap(text, _font(_TEXT_SIZE), _TEXT_WIDTH) or [""]


def _status_bar(d: ImageDraw.ImageDraw, w: int, clock: str) -> None:
    d.text((64, 46), clock, font=_font(34), fill=_INK, anchor="lm")
    x = w - 64
    d.rounded_rectangle((x - 64, 32, x - 8, 60), 7, outline=_INK, width=3)
    d.rounded_rectangle((x - 59, 37, x - 22, 55), 3, fill=_INK)
    d.rectangle((x - 6, 41, x - 2, 51), fill=_INK)
    for i in range(4):
        bx = x - 160 + i * 14
        d.rectangle((bx, 56 - 7 * (i + 1), bx + 9, 58), fill=_INK)
    for i, r in enumerate((8, 18, 28)):
        d.arc((x - 94 - r, 58 - r, x - 94 + r, 58 + r), 225, 315, fill=_INK, width=5 if i == 0 else 4)


def _buyer_avatar(img: Image.Image, x: int, y: int, size: int, color: Color) -> None:
    layer = Image.new("RGB", (size, size), color)
    ld = ImageDraw.Draw(layer)
    ld.ellipse((size * 0.3, size * 0.18, size * 0.7, size * 0.58), fill=(250, 250, 250))
    ld.ellipse((size * 0.12, size * 0.62, size * 0.88, size * 1.3), fill=(250, 250, 250))
    mask = Image.new("L", (size, size), 0)
    ImageDraw.Draw(mask).ellipse((0, 0, size - 1, size - 1), fill=255)
    img.paste(layer, (x, y), mask)


def _letter_avatar(d: ImageDraw.ImageDraw, x: int, y: int, size: int, color: Color, text: str) -> None:
    d.ellipse((x, y, x + size - 1, y + size - 1), fill=color)
    d.text((x + size / 2, y + size / 2), text[:1] or "店", font=_font(size // 2), fill=_WHITE, anchor="mm")


def chat_screenshot(
    messages: list[tuple[str, str]],
    *,
    shop_name: str = "示例旗舰店",
    seed: int = 0,
    buyer_name: str | None = None,
    started_at: datetime | None = None,
) -> bytes:
    """See _chat; the PNG only."""
    return _chat(messages, shop_name=shop_name, seed=seed, buyer_name=buyer_name, started_at=started_at)[0]


def chat_bubble_box(
    messages: list[tuple[str, str]],
    index: int,
    *,
    shop_name: str = "示例旗舰店",
    seed: int = 0,
    buyer_name: str | None = None,
    started_at: datetime | None = None,
) -> tuple[float, float, float, float]:
    """Where message `index` (its avatar and bubble) is on chat_screenshot's picture made with the same
    arguments, as x0, y0, x1, y1 from 0 to 1: for marking it (a 放大区域) the way an operator would."""
    _png_bytes, boxes, size = _chat(
        messages, shop_name=shop_name, seed=seed, buyer_name=buyer_name, started_at=started_at
    )
    x0, y0, x1, y1 = boxes[index]
    w, h = size
    return x0 / w, y0 / h, x1 / w, y1 / h


def _chat(
    messages: list[tuple[str, str]],
    *,
    shop_name: str,
    seed: int,
    buyer_name: str | None,
    started_at: datetime | None,
) -> tuple[bytes, dict[int, tuple[int, int, int, int]], tuple[int, int]]:
    """PNG phone screenshot, 1080 wide and 1000..2400 high (fits the content), of a 拼多多-style merchant
    chat with the buyer: status bar, title bar with the buyer nickname, order card, time separators,
    white buyer bubbles on the left and light-blue shop bubbles on the right with round avatars.

    ``messages`` are (side, text) with side "buyer" or "shop"; text wraps by measured width (CJK
    anywhere) and keeps explicit newlines; the text "[图片]" shows a picture placeholder. A side of
    "time" inserts a separator reading text; without any, separators appear every 5 messages from
    ``started_at`` (default: seed-derived, 2026-11-22). When the chat is taller than 2400 px the newest
    messages are shown, as if scrolled to the bottom. ``buyer_name`` defaults to a seed-derived nickname.
    """
    for side, _ in messages:
        if side not in ("buyer", "shop", "time"):
            raise ValueError(f"message side must be 'buyer', 'shop' or 'time', got {side!r}")
    rng = _rng("chat", seed)
    nick = (
        buyer_name or f"{rng.choice(('小鱼', '阿杰', '木子', '晴天', '橘子', '星河'))}{rng.randint(100, 999)}"
    )
    clock = started_at or _default_time(rng, 2)
    explicit_times = any(side == "time" for side, _ in messages)
    w = CHAT_WIDTH
    font = _font(_TEXT_SIZE)
    line_h, pad_x, pad_y, av, margin = 60, 32, 24, 100, 30

    # lay out every item as (kind, height, lines); a picture message has no lines
    items: list[tuple[str, int, list[str] | None]] = []
    owners: list[int] = []  # the message each item shows (-1: a time separator the chat added)
    count = 0
    for index, (side, text) in enumerate(messages):
        if side == "time":
            items.append(("time", 80, [text]))
            owners.append(index)
            continue
        if not explicit_times and count % 5 == 0:
            label = f"{clock:%m月%d日 %H:%M}" if count == 0 else f"{clock:%H:%M}"
            items.append(("time", 80, [label]))
            owners.append(-1)
        clock += timedelta(minutes=rng.randint(1, 6), seconds=rng.randint(0, 59))
        count += 1
        if text.strip() == "[图片]":
            items.append((side, 320 + 36, None))
        else:
            lines = message_lines(text)
            bubble_h = (len(lines) - 1) * line_h + 44 + 2 * pad_y
            items.append((side, max(av, bubble_h) + 36, lines))
        owners.append(index)

    status_h, title_h, card_h, footer_h = 84, 140, 170, 190
    chrome = status_h + title_h + card_h + footer_h
    items_h = sum(h for _, h, _ in items)
    overflow = chrome + 40 + items_h > CHAT_MAX_HEIGHT
    h = CHAT_MAX_HEIGHT if overflow else max(CHAT_MIN_HEIGHT, chrome + 40 + items_h)
    img = Image.new("RGB", (w, h), _CHAT_BG)
    d = ImageDraw.Draw(img)
    msg_top = status_h + title_h + card_h

    # messages
    # when too tall, the newest messages sit on the input bar, as if scrolled to the bottom
    y = h - footer_h - 20 - items_h if overflow else msg_top + 40
    buyer_color = rng.choice(((120, 170, 220), (236, 150, 110), (130, 190, 150), (190, 150, 210)))
    boxes: dict[int, tuple[int, int, int, int]] = {}
    for owner, (kind, item_h, payload) in zip(owners, items, strict=True):
        if y + item_h < msg_top:  # scrolled away under the title bar
            y += item_h
            continue
        if kind == "time":
            label = payload[0] if payload else ""
            tw = _font(28).getlength(label)
            d.rounded_rectangle(
                (w / 2 - tw / 2 - 20, y + 16, w / 2 + tw / 2 + 20, y + 62), 12, fill=(222, 222, 222)
            )
            d.text((w / 2, y + 39), label, font=_font(28), fill=(120, 120, 120), anchor="mm")
            y += item_h
            continue
        left = kind == "buyer"
        ax = margin if left else w - margin - av
        if left:
            _buyer_avatar(img, ax, y, av, buyer_color)
            d = ImageDraw.Draw(img)
        else:
            _letter_avatar(d, ax, y, av, _PDD_RED, shop_name)
        fill = _WHITE if left else (206, 228, 255)
        if payload is None:  # a picture message
            bw, bh = 300, 320
        else:
            lines = payload
            bw = int(max(font.getlength(line) for line in lines) + 2 * pad_x)
            bh = (len(lines) - 1) * line_h + 44 + 2 * pad_y
        bx = ax + av + 24 if left else ax - 24 - bw
        if payload is None:
            d.rounded_rectangle((bx, y, bx + bw, y + bh), 16, fill=(200, 206, 212))
            d.polygon(
                [
                    (bx + 40, y + bh - 60),
                    (bx + 120, y + 150),
                    (bx + 180, y + 220),
                    (bx + 210, y + 190),
                    (bx + 262, y + bh - 60),
                ],
                fill=(150, 160, 170),
            )
            d.ellipse((bx + 190, y + 70, bx + 240, y + 120), fill=(236, 238, 240))
        else:
            d.rounded_rectangle((bx, y, bx + bw, y + bh), 16, fill=fill)
            tip = bx if left else bx + bw
            sgn = -1 if left else 1
            d.polygon([(tip, y + 34), (tip + sgn * 14, y + 48), (tip, y + 62)], fill=fill)
            for i, line in enumerate(lines):
                d.text((bx + pad_x, y + pad_y + i * line_h), line, font=font, fill=_INK)
        if not left:
            d.text((bx - 14, y + bh), "已读", font=_font(26), fill=(150, 150, 150), anchor="rd")
        pad = 12
        boxes[owner] = (
            max(0, min(ax, bx) - pad),
            max(0, y - pad),
            min(w, max(ax + av, bx + bw) + pad),
            min(h, y + max(av, bh) + pad),
        )
        y += item_h

    # status + title bar and order card, drawn over anything scrolled beneath them
    d.rectangle((0, 0, w, msg_top), fill=_CHAT_BG)
    d.rectangle((0, 0, w, status_h + title_h), fill=(247, 247, 247))
    _status_bar(d, w, f"{clock:%H:%M}")
    ty = status_h + title_h / 2
    d.line([(70, ty - 26), (46, ty), (70, ty + 26)], fill=_INK, width=5, joint="curve")
    d.text((w / 2, ty - 16), _ellipsize(nick, _font(44), 600), font=_font(44), fill=_INK, anchor="mm")
    d.text(
        (w / 2, ty + 36),
        _ellipsize(f"拼多多买家 · 咨询 {shop_name}", _font(28), 640),
        font=_font(28),
        fill=(140, 140, 140),
        anchor="mm",
    )
    for i in range(3):
        cx = w - 90 + i * 20
        d.ellipse((cx - 5, ty - 5, cx + 5, ty + 5), fill=_INK)
    d.line((0, status_h + title_h, w, status_h + title_h), fill=(220, 220, 220), width=2)

    # order card
    cy0 = status_h + title_h + 18
    d.rounded_rectangle((24, cy0, w - 24, cy0 + card_h - 36), 18, fill=_WHITE)
    thumb = rng.choice(_BOX_COLORS)
    d.rounded_rectangle((48, cy0 + 20, 138, cy0 + 110), 10, fill=thumb)
    d.text((93, cy0 + 65), "商品", font=_font(26), fill=_text_on(thumb), anchor="mm")
    order_no = f"{clock:%y%m%d}-{rng.randint(10**14, 10**15 - 1)}"
    d.text((162, cy0 + 40), f"订单号 {order_no}", font=_font(30), fill=_INK, anchor="lm")
    d.text(
        (162, cy0 + 88),
        f"实付 ¥{rng.randint(29, 129)}.90   共3件   已签收",
        font=_font(28),
        fill=(120, 120, 120),
        anchor="lm",
    )
    d.rounded_rectangle((w - 200, cy0 + 40, w - 48, cy0 + 90), 25, outline=_PDD_RED, width=2)
    d.text((w - 124, cy0 + 65), "查看订单", font=_font(26), fill=_PDD_RED, anchor="mm")

    # input bar
    fy = h - footer_h
    d.rectangle((0, fy, w, h), fill=(247, 247, 247))
    d.line((0, fy, w, fy), fill=(220, 220, 220), width=2)
    for i, chip in enumerate(("快捷短语", "发送商品", "邀请评价", "查看订单")):
        cx = 30 + i * 186
        d.rounded_rectangle((cx, fy + 18, cx + 170, fy + 70), 26, fill=_WHITE, outline=(225, 225, 225))
        d.text((cx + 85, fy + 44), chip, font=_font(28), fill=(90, 90, 90), anchor="mm")
    d.rounded_rectangle((30, fy + 92, w - 190, fy + 162), 14, fill=_WHITE)
    d.text((54, fy + 127), "请输入消息…", font=_font(32), fill=(170, 170, 170), anchor="lm")
    d.rounded_rectangle((w - 170, fy + 92, w - 30, fy + 162), 14, fill=_PDD_RED)
    d.text((w - 100, fy + 127), "发送", font=_font(32), fill=_WHITE, anchor="mm")
    _demo_tag(d, (w - 14, h + 6), (150, 150, 150, 255))
    return _png(img), boxes, (w, h)
