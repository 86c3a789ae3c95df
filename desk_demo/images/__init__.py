"""Deterministic, clearly-synthetic demo evidence pictures (photos, screenshots, receipts) via Pillow.

One module per kind of picture; what they share (font, light, noise, wrapping, EXIF, the demo mark)
is in common.py.
"""

from __future__ import annotations

from desk_demo.images.buyer import buyer_photo
from desk_demo.images.chat import chat_bubble_box, chat_screenshot
from desk_demo.images.common import (
    CHAT_MAX_HEIGHT,
    CHAT_MIN_HEIGHT,
    CHAT_WIDTH,
    COURIER_SCREENSHOT_SIZE,
    FONT_PATH,
    PHOTO_SIZE,
    STORE_SCREENSHOT_SIZE,
    VOUCHER_SIZE,
)
from desk_demo.images.courier import courier_system_screenshot
from desk_demo.images.goods import goods_with_label_photo
from desk_demo.images.scale import scale_display_photo
from desk_demo.images.store import store_listing_screenshot
from desk_demo.images.voucher import freight_voucher

__all__ = [
    "CHAT_MAX_HEIGHT",
    "CHAT_MIN_HEIGHT",
    "CHAT_WIDTH",
    "COURIER_SCREENSHOT_SIZE",
    "FONT_PATH",
    "PHOTO_SIZE",
    "STORE_SCREENSHOT_SIZE",
    "VOUCHER_SIZE",
    "buyer_photo",
    "chat_bubble_box",
    "chat_screenshot",
    "courier_system_screenshot",
    "freight_voucher",
    "goods_with_label_photo",
    "scale_display_photo",
    "store_listing_screenshot",
]
