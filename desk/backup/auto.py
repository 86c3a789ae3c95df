"""Automatic backups: before every schema upgrade, once a day at start, thinned to daily/weekly/monthly."""

from __future__ import annotations

import contextlib
import logging
import re
import time
from datetime import datetime
from pathlib import Path

from desk.backup.archive import SUFFIX
from desk.backup.create import BackupResult, create_backup
from desk.db.engine import database_url
from desk.profile import Profile
from desk.progress import Cancel, Progress
from desk.settings import BackupPolicy, Settings, backups_folder, load_settings

log = logging.getLogger(__name__)

AUTO_PREFIX = "auto-"
STAMP = "%Y%m%d-%H%M%S"
_AUTO_RE = re.compile(rf"^{AUTO_PREFIX}(\d{{8}}-\d{{6}}){re.escape(SUFFIX)}$")
STALE_PARTIAL_SECONDS = 3600


def blob_root(profile: Profile, settings: Settings | None = None) -> Path:
    settings = settings or load_settings(profile)
    if settings.shared_blob_dir is not None:
        return settings.shared_blob_dir / "blobs"
    return profile.evidence_dir / "blobs"


def backup_profile(
    profile: Profile,
    dest: Path,
    *,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> BackupResult:
    """Back up a profile (its database, wherever it is, and its evidence) to one archive file."""
    settings = load_settings(profile)
    return create_backup(
        dest,
        db_url=database_url(profile),
        blob_root=blob_root(profile, settings),
        progress=progress,
        cancel=cancel,
    )


def auto_backups(folder: Path) -> list[tuple[datetime, Path]]:
    """The automatic daily archives in folder, oldest first."""
    found: list[tuple[datetime, Path]] = []
    if not folder.is_dir():
        return found
    for p in folder.iterdir():
        m = _AUTO_RE.match(p.name)
        if m and p.is_file():
            with contextlib.suppress(ValueError):
                found.append((datetime.strptime(m.group(1), STAMP), p))
    return sorted(found)


def to_keep(stamps: list[datetime], policy: BackupPolicy) -> set[datetime]:
    """Newest per day for the last keep_daily days that have one, likewise per ISO week and month."""
    keep: set[datetime] = set()
    newest_first = sorted(stamps, reverse=True)
    for count, key in (
        (policy.keep_daily, lambda d: d.date()),
        (policy.keep_weekly, lambda d: d.isocalendar()[:2]),
        (policy.keep_monthly, lambda d: (d.year, d.month)),
    ):
        seen: list[object] = []
        for stamp in newest_first:
            k = key(stamp)
            if k in seen:
                continue
            if len(seen) >= count:
                break
            seen.append(k)
            keep.add(stamp)
    if newest_first:
        keep.add(newest_first[0])  # never delete the latest backup
    return keep


def rotate(folder: Path, policy: BackupPolicy) -> list[Path]:
    """Delete automatic archives the policy no longer keeps, and stale .partial files; returns the deleted."""
    found = auto_backups(folder)
    keep = to_keep([s for s, _ in found], policy)
    removed = []
    for stamp, path in found:
        if stamp not in keep:
            with contextlib.suppress(OSError):
                path.unlink()
                removed.append(path)
    now = time.time()
    if folder.is_dir():
        for p in folder.glob("*.partial"):
            with contextlib.suppress(OSError):
                if now - p.stat().st_mtime > STALE_PARTIAL_SECONDS:
                    p.unlink()
                    removed.append(p)
    return removed


def daily_backup_due(profile: Profile, now: datetime | None = None) -> bool:
    settings = load_settings(profile)
    if not settings.backup.daily:
        return False
    today = (now or datetime.now()).date()
    return not any(stamp.date() == today for stamp, _ in auto_backups(backups_folder(profile, settings)))


def run_daily_backup(
    profile: Profile,
    *,
    now: datetime | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> BackupResult | None:
    """Make today's automatic backup if there is none yet, then thin the old ones."""
    if not daily_backup_due(profile, now):
        return None
    settings = load_settings(profile)
    folder = backups_folder(profile, settings)
    when = now or datetime.now()
    result = backup_profile(
        profile, folder / f"{AUTO_PREFIX}{when.strftime(STAMP)}{SUFFIX}", progress=progress, cancel=cancel
    )
    removed = rotate(folder, settings.backup)
    if removed:
        log.info("backup rotation removed %d old archives", len(removed))
    return result
