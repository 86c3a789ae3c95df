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
