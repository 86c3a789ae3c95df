"""Deadlines typed the way platforms show them ("剩余 23 小时 15 分", "剩余1天2小时", full-width digits,
or an absolute time), stored as an absolute UTC time, and shown back as time left."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from desk.errors import ValidationFailed
from desk.labels import describe_delta

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_UNITS = {
    "天": 86400,
    "d": 86400,
    "day": 86400,
    "days": 86400,
    "小时": 3600,
    "钟头": 3600,
    "个小时": 3600,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
    "分钟": 60,
    "分": 60,
    "min": 60,
    "mins": 60,
    "m": 60,
    "秒钟": 1,
    "秒": 1,
    "s": 1,
    "sec": 1,
}
# After a countdown word ("剩余 2日3时") 日 and 时 are units too; alone "18时" is a time of day.
_COUNTDOWN_UNITS = {**_UNITS, "日": 86400, "时": 3600}
_NUMBER = r"(\d+(?:\.\d+)?|[零〇一二两三四五六七八九十]+|半)"


def _part_pattern(units: dict[str, int]) -> re.Pattern[str]:
    alternatives = "|".join(sorted((re.escape(u) for u in units), key=len, reverse=True))
    return re.compile(rf"{_NUMBER}\s*(?:个)?\s*({alternatives})(?![a-z])")


_PART = _part_pattern(_UNITS)
_COUNTDOWN_PART = _part_pattern(_COUNTDOWN_UNITS)
_PREFIXES = ("剩余时间", "剩余", "还剩", "还有", "剩", "倒计时", "距离超时", "距超时", "离超时")
_CLOCK = re.compile(r"^(\d{1,3}):(\d{1,2})(?::(\d{1,2}))?$")
_ABSOLUTE = (
    re.compile(
        r"^(?:(?P<y>\d{4})[-/.年])?(?P<mo>\d{1,2})[-/.月](?P<d>\d{1,2})日?"
        r"(?:\s*(?P<h>\d{1,2})(?:[:：时点](?P<mi>\d{1,2})?分?(?:[:：](?P<s>\d{1,2})秒?)?)?)?$"
    ),
    re.compile(r"^(?P<rel>今天|今日|明天|明日|后天)\s*(?P<h>\d{1,2})(?:[:：时点](?P<mi>\d{1,2})?分?)?$"),
)
EXAMPLES = "“剩余 23 小时 15 分”、“剩余1天2小时”、“48h”或“2026-11-28 18:00”"


def _cn_number(text: str) -> float:
    if text == "半":
        return 0.5
    if text[0].isdigit():
        return float(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return float((_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0))
    value = 0
    for ch in text:
        value = value * 10 + _CN_DIGITS[ch]
    return float(value)


def normalise(text: str) -> str:
    """Full-width digits and letters to ASCII (NFKC), lower case, no inner spaces around units."""
    text = unicodedata.normalize("NFKC", text).strip().lower()
    return re.sub(r"\s+", " ", text)


def parse_duration(text: str) -> timedelta | None:
    """ "剩余 23 小时 15 分" → 23:15:00; None if the text is not a duration."""
    t = normalise(text)
    countdown = False
    for prefix in _PREFIXES:
        if t.startswith(prefix):
            t = t[len(prefix) :].strip(" :：")
            countdown = True
            break
    t = t.rstrip("。.后内 ")
    m = _CLOCK.match(t)
    if m and countdown:
        # A countdown written as a clock ("剩余 23:15:02") is hours:minutes[:seconds].
        h, mi, s = int(m[1]), int(m[2]), int(m[3] or 0)
        if mi >= 60 or s >= 60:
            return None
        return timedelta(hours=h, minutes=mi, seconds=s)
    seconds = 0.0
    pos = 0
    matched = False
    units = _COUNTDOWN_UNITS if countdown else _UNITS
    for part in (_COUNTDOWN_PART if countdown else _PART).finditer(t):
        if t[pos : part.start()].strip(" ,，、又零"):
            return None
        seconds += _cn_number(part[1]) * units[part[2]]
        pos = part.end()
        matched = True
    if not matched or t[pos:].strip(" ,，、"):
        return None
    return timedelta(seconds=round(seconds))


def parse_absolute(text: str, now: datetime, tz: tzinfo) -> datetime | None:
    """ "2026-11-28 18:00", "11月28日 18时", "明天 18:00", "18:00" (today, or tomorrow once past)."""
    t = normalise(text)
    t = re.sub(r"(?<=\d)\s*t\s*(?=\d)", " ", t)  # ISO "2026-11-28T18:00"
    try:
        return datetime.fromisoformat(t).astimezone(tz) if "+" in t or t.endswith("z") else _local_iso(t, tz)
    except ValueError:
        pass
    local_now = now.astimezone(tz)
    m = _CLOCK.match(t)
    if m and m[3] is None:
        h, mi = int(m[1]), int(m[2])
        if h > 23 or mi > 59:
            return None
        at = datetime.combine(local_now.date(), time(h, mi), tz)
        return at if at > local_now else at + timedelta(days=1)
    for pattern in _ABSOLUTE:
        m = pattern.match(t)
        if m is None:
            continue
        parts = m.groupdict()
        if parts.get("h") is not None:
            h, mi, sec = int(parts["h"]), int(parts.get("mi") or 0), int(parts.get("s") or 0)
        else:
            h, mi, sec = 23, 59, 0  # a day alone means the end of that day
        if parts.get("rel"):
            offset = {"今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2}[parts["rel"]]
            day = local_now.date() + timedelta(days=offset)
        else:
            year = int(parts["y"]) if parts.get("y") else local_now.year
            try:
                day = date(year, int(parts["mo"]), int(parts["d"]))
            except ValueError:
                return None
            if not parts.get("y") and day < local_now.date() - timedelta(days=180):
                day = day.replace(year=year + 1)  # "1月3日" typed in December
        if h > 23 or mi > 59 or sec > 59:
            return None
        return datetime.combine(day, time(h, mi, sec), tz)
    return None


def _local_iso(text: str, tz: tzinfo) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        if len(text) <= 10:  # a date alone: the end of that day
            value = value.replace(hour=23, minute=59)
        value = value.replace(tzinfo=tz)
    return value


def parse_due(text: str, *, now: datetime | None = None, tz: tzinfo | None = None) -> datetime | None:
    """The absolute UTC time a typed deadline means; None for an empty text.

    Raises ValidationFailed, naming the text and the accepted spellings, for anything else.
    """
    if not text or not text.strip():
        return None
    now = now or datetime.now(UTC)
    tz = tz or datetime.now().astimezone().tzinfo or UTC
    duration = parse_duration(text)
    if duration is not None:
        if duration > timedelta(days=366):
            raise ValidationFailed(f"截止时间“{text.strip()}”超过一年，请核对。")
        return (now + duration).astimezone(UTC).replace(microsecond=0)
    absolute = parse_absolute(text, now, tz)
    if absolute is not None:
        return absolute.astimezone(UTC)
    raise ValidationFailed(f"截止时间“{text.strip()}”无法识别，请写成{EXAMPLES}。")


def remaining(
    due_at: datetime, *, now: datetime | None = None, paused_at: datetime | None = None
) -> timedelta:
    """Time left; negative once past. A paused clock stands still at the moment it was paused."""
    reference = paused_at or now or datetime.now(UTC)
    return due_at - reference


def describe_due(
    due_at: datetime | None,
    *,
    now: datetime | None = None,
    paused_at: datetime | None = None,
    compact: bool = False,
) -> str:
    """Time left as the platform says it: "剩余 23 小时 15 分", "已超时 2 小时", "已暂停（剩余 5 小时）"
    ("暂停 · 剩余 5 小时" when compact, for a list column); "" without a deadline."""
    if due_at is None:
        return ""
    left = remaining(due_at, now=now, paused_at=paused_at)
    text = f"剩余 {describe_delta(left)}" if left.total_seconds() >= 0 else f"已超时 {describe_delta(left)}"
    if paused_at is None:
        return text
    return f"暂停 · {text}" if compact else f"已暂停（{text}）"
