"""Backup and restore of a whole profile as one verified archive file (format: docs/backup.md)."""

from __future__ import annotations

from desk.backup.archive import SUFFIX, Manifest, read_manifest
from desk.backup.auto import backup_profile, rotate, run_daily_backup
from desk.backup.create import BackupResult, create_backup
from desk.backup.restore import RestoreResult, recover_interrupted_restore, restore_backup

__all__ = [
    "SUFFIX",
    "BackupResult",
    "Manifest",
    "RestoreResult",
    "backup_profile",
    "create_backup",
    "read_manifest",
    "recover_interrupted_restore",
    "restore_backup",
    "rotate",
    "run_daily_backup",
]
