"""Per-profile settings in `<profile>/settings.toml`: shared database, shared evidence folder, backups.

Environment variables override the file (handy for IT roll-outs and tests):
DESK_DATABASE_URL, DESK_BLOB_DIR, DESK_AUTO_BACKUP (0/1).
"""

from __future__ import annotations

import logging
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desk.errors import DeskError
from desk.fileops import write_text_atomically
from desk.profile import Profile

log = logging.getLogger(__name__)

SETTINGS_FILE = "settings.toml"
ENV_DATABASE_URL = "DESK_DATABASE_URL"
ENV_BLOB_DIR = "DESK_BLOB_DIR"
ENV_AUTO_BACKUP = "DESK_AUTO_BACKUP"


@dataclass(frozen=True, slots=True)
class BackupPolicy:
    """When automatic backups are made and how many are kept (newest per day / ISO week / month)."""

    daily: bool = True
    folder: Path | None = None  # None: <profile>/backups
    keep_daily: int = 7
    keep_weekly: int = 4
    keep_monthly: int = 12


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str | None = None  # None: the profile's own SQLite file
    shared_blob_dir: Path | None = None  # None: <profile>/evidence/blobs
    backup: BackupPolicy = field(default_factory=BackupPolicy)


def _int(value: Any, name: str, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise DeskError(f"设置文件中的“{name}”应为不小于 0 的整数，现在是：{value!r}")
    return value


def load_settings(profile: Profile) -> Settings:
    """Read settings.toml (missing file = defaults), then apply the environment overrides."""
    path = profile.root / SETTINGS_FILE
    data: dict[str, Any] = {}
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise DeskError(f"设置文件“{path}”无法读取：{exc}。请修正或删除它。") from exc
    db = data.get("database", {}) or {}
    ev = data.get("evidence", {}) or {}
    bk = data.get("backup", {}) or {}
    url = os.environ.get(ENV_DATABASE_URL) or db.get("url") or None
    blob = os.environ.get(ENV_BLOB_DIR) or ev.get("shared_folder") or None
    daily = bool(bk.get("daily", True))
    env_auto = os.environ.get(ENV_AUTO_BACKUP)
    if env_auto is not None:
        daily = env_auto.strip().lower() not in ("0", "false", "no", "off", "")
    folder = bk.get("folder") or None
    policy = BackupPolicy(
        daily=daily,
        folder=Path(folder).expanduser() if folder else None,
        keep_daily=_int(bk.get("keep_daily"), "backup.keep_daily", 7),
        keep_weekly=_int(bk.get("keep_weekly"), "backup.keep_weekly", 4),
        keep_monthly=_int(bk.get("keep_monthly"), "backup.keep_monthly", 12),
    )
    return Settings(
        database_url=str(url) if url else None,
        shared_blob_dir=Path(str(blob)).expanduser() if blob else None,
        backup=policy,
    )


def backups_folder(profile: Profile, settings: Settings) -> Path:
    return settings.backup.folder or profile.backups_dir


# -- reminders ----------------------------------------------------------------------------------------
# The [reminders] table of settings.toml. Read on its own (not by load_settings), so a typo in it never
# keeps the desk from opening: the window says what is wrong and reminds with the defaults meanwhile.

REMINDERS_TABLE = "reminders"
DEFAULT_LEADS_MINUTES = (240, 60)
MAX_LEADS = 5
MAX_LEAD_MINUTES = 7 * 24 * 60


@dataclass(frozen=True, slots=True)
class ReminderSettings:
    """When the desk reminds of a deadline.

    leads_minutes: how long before a deadline each reminder comes, longest first (default 4 h and 1 h).
    quiet_start / quiet_end: local "HH:MM"; reminders that fall between them wait and come as one summary
        when they end (both empty or equal: no quiet hours). An overnight span (22:00–08:00) is fine.
    keep_in_tray: closing the window leaves the desk running in the system tray (default off).
    """

    enabled: bool = True
    leads_minutes: tuple[int, ...] = DEFAULT_LEADS_MINUTES
    quiet_start: str = ""
    quiet_end: str = ""
    keep_in_tray: bool = False

    @property
    def has_quiet_hours(self) -> bool:
        return bool(self.quiet_start) and self.quiet_start != self.quiet_end


def _clock_time(value: Any, name: str) -> str:
    """ "HH:MM" (or "" for none), checked; "8:30" comes back as "08:30"."""
    if value is None or value == "":
        return ""
    text = str(value).strip().replace("：", ":") if isinstance(value, str) else None
    parts = text.split(":") if text else []
    if len(parts) == 2 and all(p.isdigit() for p in parts):
        hour, minute = int(parts[0]), int(parts[1])
        if 0 <= hour <= 23 and 0 <= minute <= 59:
            return f"{hour:02d}:{minute:02d}"
    raise DeskError(f"提醒设置中的“{name}”应是 24 小时制的时刻，例如 22:00，现在是：{value!r}")


def reminder_settings_from(table: Any) -> ReminderSettings:
    """Check a [reminders] table (from the file or the settings dialog); DeskError says what is wrong."""
    if table is None:
        return ReminderSettings()
    if not isinstance(table, dict):
        raise DeskError("设置文件中的 [reminders] 应是一个表（每行 名称 = 值）。")
    known = {"enabled", "lead_minutes", "quiet_start", "quiet_end", "keep_in_tray"}
    unknown = sorted(set(table) - known)
    if unknown:
        raise DeskError(
            f"提醒设置中有不认识的项：{'、'.join(unknown)}。可用的项：{'、'.join(sorted(known))}。"
        )
    for flag in ("enabled", "keep_in_tray"):
        if flag in table and not isinstance(table[flag], bool):
            raise DeskError(f"提醒设置中的“{flag}”应为 true 或 false，现在是：{table[flag]!r}")
    leads = table.get("lead_minutes", list(DEFAULT_LEADS_MINUTES))
    if not isinstance(leads, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in leads):
        raise DeskError(f"提醒设置中的“提前时间”应是整数分钟的列表，例如 [240, 60]，现在是：{leads!r}")
    if not leads and table.get("enabled", True):
        raise DeskError("提醒已开启，但没有设置提前时间：请至少填写一个（例如 60 分钟）。")
    if len(leads) > MAX_LEADS:
        raise DeskError(f"提前时间最多 {MAX_LEADS} 个，现在有 {len(leads)} 个。")
    for minutes in leads:
        if not 1 <= minutes <= MAX_LEAD_MINUTES:
            raise DeskError(
                f"提前时间应在 1 分钟到 7 天（{MAX_LEAD_MINUTES} 分钟）之间，现在是：{minutes} 分钟"
            )
    start = _clock_time(table.get("quiet_start"), "免打扰开始")
    end = _clock_time(table.get("quiet_end"), "免打扰结束")
    if bool(start) != bool(end):
        raise DeskError("免打扰时段要同时填写开始和结束时刻（或都留空表示不设免打扰）。")
    return ReminderSettings(
        enabled=table.get("enabled", True),
        leads_minutes=tuple(sorted(set(leads), reverse=True)),
        quiet_start=start,
        quiet_end=end,
        keep_in_tray=table.get("keep_in_tray", False),
    )


def load_reminder_settings(profile: Profile) -> ReminderSettings:
    """The [reminders] table of settings.toml (missing: defaults); DeskError names a bad value."""
    path = profile.root / SETTINGS_FILE
    if not path.is_file():
        return ReminderSettings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DeskError(f"设置文件“{path}”无法读取：{exc}。请修正或删除它。") from exc
    return reminder_settings_from(data.get(REMINDERS_TABLE))


def _reminders_toml(rs: ReminderSettings) -> str:
    leads = ", ".join(str(m) for m in rs.leads_minutes)
    return (
        f"[{REMINDERS_TABLE}]\n"
        f"enabled = {'true' if rs.enabled else 'false'}\n"
        f"lead_minutes = [{leads}]\n"
        f'quiet_start = "{rs.quiet_start}"\n'
        f'quiet_end = "{rs.quiet_end}"\n'
        f"keep_in_tray = {'true' if rs.keep_in_tray else 'false'}\n"
    )


def save_reminder_settings(profile: Profile, rs: ReminderSettings) -> None:
    """Write the [reminders] table into settings.toml, keeping every other table and line as it was.

    The file is replaced atomically, and only once the new text reads back as the same settings."""
    rs = reminder_settings_from(
        {
            "enabled": rs.enabled,
            "lead_minutes": list(rs.leads_minutes),
            "quiet_start": rs.quiet_start,
            "quiet_end": rs.quiet_end,
            "keep_in_tray": rs.keep_in_tray,
        }
    )
    path = profile.root / SETTINGS_FILE
    try:
        old = path.read_text(encoding="utf-8") if path.is_file() else ""
    except (OSError, UnicodeDecodeError) as exc:
        raise DeskError(f"设置文件“{path}”无法读取：{exc}。提醒设置没有保存。") from exc
    kept: list[str] = []
    inside = False
    for line in old.splitlines():
        header = line.strip()
        if header.startswith("["):
            inside = header.replace(" ", "") in (f"[{REMINDERS_TABLE}]",)
        if not inside:
            kept.append(line)
    body = "\n".join(kept).rstrip()
    text = (body + "\n\n" if body else "") + _reminders_toml(rs)
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # the rest of the file was already unreadable
        raise DeskError(f"设置文件“{path}”无法读取：{exc}。请先修正它，提醒设置没有保存。") from exc
    assert reminder_settings_from(parsed.get(REMINDERS_TABLE)) == rs
    try:
        write_text_atomically(path, text)
    except OSError as exc:
        raise DeskError(f"无法写入设置文件“{path}”：{exc.strerror or exc}。提醒设置没有保存。") from exc
