"""Opening a profile's database: check its revision, and keep a full backup before any upgrade.

This sits above storage and backup: the database layer only reports revisions (desk/db/migrate.py), the
backup layer only writes archives (desk/backup), and the decision to combine them lives here.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import Engine

from desk.backup.archive import SUFFIX
from desk.backup.auto import backup_profile
from desk.db import migrate
from desk.profile import Profile
from desk.settings import backups_folder, load_settings

log = logging.getLogger(__name__)


def check_and_backup(profile: Profile) -> str | None:
    """Refuse a database from a newer desk; back up an older one. Returns its revision (None = new)."""
    revision = migrate.check_database(profile)
    if revision is not None and revision != migrate.head_revision():
        # The whole profile as one verified archive (docs/backup.md), restorable like any backup.
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        folder = backups_folder(profile, load_settings(profile))
        dest = folder / f"before-upgrade-{revision}-{stamp}{SUFFIX}"
        backup_profile(profile, dest)
        log.info("backed up %s to %s before upgrading", profile.root, dest)
    return revision


def backup_server_before_upgrade(profile: Profile, engine: Engine) -> None:
    """Shared database: the same full archive before an upgrade as for a local one."""
    revision = migrate.server_revision_to_upgrade(engine)
    if revision is None:
        return
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    dest = backups_folder(profile, load_settings(profile)) / f"before-upgrade-{revision}-{stamp}{SUFFIX}"
    backup_profile(profile, dest)
    log.info("backed up the shared database to %s before upgrading", dest)
