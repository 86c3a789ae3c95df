"""What a platform's appeal form takes: picture count, bytes per picture, formats and text length.

Values come from the case's platform profile (``resources/platforms/*.toml`` or the operator's copy).
Most appeal limits have no verified value; then a conservative default is used and marked 未核实, and the
operator can set the real number in 资料 ▸ 平台资料….
"""

from __future__ import annotations

from dataclasses import dataclass

from desk.platforms.model import PlatformProfile, Setting

# Defaults when a profile has no value. Chosen to be accepted by every platform form we know of:
# nine pictures (the common 3x3 upload grid), 1 MB per picture, 500 characters of text.
DEFAULT_TEXT_CHARS = 500
DEFAULT_IMAGE_COUNT = 9
DEFAULT_IMAGE_KB = 1024

# The kit writes only baseline JPEG, which every platform's upload accepts.
OUTPUT_FORMAT = "JPG"

# Profile keys read for each limit, first match with a value wins. WeChat's dispute proof and
# Taobao's refund-message picture limits are the nearest published rules on those platforms.
CANDIDATE_KEYS: dict[str, tuple[str, ...]] = {
    "text_chars": ("text_chars", "proof_text_chars"),
    "image_count": ("image_count", "dispute_image_count"),
    "image_kb": ("image_kb", "message_image_kb"),
}
_DEFAULTS = {
    "text_chars": DEFAULT_TEXT_CHARS,
    "image_count": DEFAULT_IMAGE_COUNT,
    "image_kb": DEFAULT_IMAGE_KB,
}
_UNITS = {"text_chars": "字", "image_count": "张", "image_kb": "KB"}
_LABELS = {
    "text_chars": "申诉说明字数上限",
    "image_count": "申诉图片张数上限",
    "image_kb": "单张图片大小上限",
}


@dataclass(frozen=True, slots=True)
class Allowance:
    """One limit as the kit uses it.

    Attributes:
        key: "text_chars", "image_count" or "image_kb".
        label: the profile's label (or the default's), e.g. "申诉图片张数上限".
        value: the number used.
        unit: "字", "张" or "KB".
        verified: whether the profile marks the value as checked against an official source.
        source: where the number comes from, in plain words.
        setting_key: the profile key the operator can set, or "" when the profile has no such item.
    """

    key: str
    label: str
    value: int
    unit: str
    verified: bool
    source: str
    setting_key: str = ""

    @property
    def is_default(self) -> bool:
        return self.source.startswith("默认值")

    @property
    def tag(self) -> str:
        """Empty for a verified value, else 未核实 (saying so when it is only the default)."""
        if self.verified:
            return ""
        return "未核实的默认值" if self.is_default else "未核实"

    @property
    def tag_phrase(self) -> str:
        """The tag as a clause: 上限是未核实的默认值 / 上限未核实; empty when verified."""
        if self.verified:
            return ""
        return "上限是未核实的默认值" if self.is_default else "上限未核实"


@dataclass(frozen=True, slots=True)
class Budget:
    """All limits of one platform's appeal upload."""

    platform: str  # "拼多多"
    text_chars: Allowance
    image_count: Allowance
    image_kb: Allowance
    formats: tuple[str, ...] = (OUTPUT_FORMAT,)

    @property
    def image_bytes(self) -> int:
        return self.image_kb.value * 1024


def _allowance(profile: PlatformProfile | None, key: str) -> Allowance:
    present: Setting | None = None
    if profile is not None:
        for candidate in CANDIDATE_KEYS[key]:
            setting = profile.setting(candidate)
            if setting is None:
                continue
            present = present or setting
            if setting.value is not None and setting.value > 0:
                if setting.verified:
                    where = setting.source or "平台资料"
                else:
                    where = f"{profile.title}平台资料（{setting.source or '操作员设置'}）"
                return Allowance(
                    key, setting.label, setting.value, _UNITS[key], setting.verified, where, setting.key
                )
    default = _DEFAULTS[key]
    if present is not None:
        why = f"默认值：{profile.title if profile else ''}平台资料的“{present.label}”尚未填写"
    elif profile is not None:
        why = f"默认值：{profile.title}平台资料没有这一项"
    else:
        why = "默认值：没有这个平台的资料"
    return Allowance(
        key,
        present.label if present is not None else _LABELS[key],
        default,
        _UNITS[key],
        False,
        why,
        present.key if present is not None else "",
    )


def budget_for(profile: PlatformProfile | None, platform: str) -> Budget:
    """The limits of `platform`'s appeal upload; `profile` None means no profile (defaults only)."""
    return Budget(
        platform=profile.title if profile is not None else platform,
        text_chars=_allowance(profile, "text_chars"),
        image_count=_allowance(profile, "image_count"),
        image_kb=_allowance(profile, "image_kb"),
    )


def size_text(size: int) -> str:
    """Bytes as the operator reads them: 820 KB, 1.8 MB."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    mb = size / 1024 / 1024
    return f"{mb:.1f} MB".replace(".0 MB", " MB")
