"""Open a profile: check and migrate its database, recover from crashes, build the services."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from desk.db.engine import ENV_DATABASE_URL, database_url, make_engine, make_sessionmaker
from desk.db.migrate import check_and_backup, check_server_revision, upgrade
from desk.errors import DatabaseUnusable, DeskError
from desk.profile import Profile
from desk.services.cases import CaseService
from desk.services.evidence import EvidenceService
from desk.services.packets import PacketService
from desk.services.shops import ShopService
from desk.store.blobstore import BlobStore

log = logging.getLogger(__name__)


@dataclass
class Desk:
    """The facade the UI and CLI hold: one profile, its engine and its services."""

    profile: Profile
    engine: Engine
    cases: CaseService
    shops: ShopService
    evidence: EvidenceService
    packets: PacketService

    def close(self) -> None:
        self.engine.dispose()


def open_desk(profile: Profile | Path | str, *, font_path: Path | None = None) -> Desk:
    """Open (creating if needed) a profile folder; raises DeskError with a plain message."""
    if not isinstance(profile, Profile):
        profile = Profile(Path(profile).expanduser().resolve())
    try:
        profile.ensure()
    except OSError as exc:
        raise DeskError(f"无法使用数据文件夹“{profile.root}”：{exc.strerror or exc}") from exc
    if not os.access(profile.root, os.W_OK):
        raise DeskError(f"数据文件夹“{profile.root}”是只读的，无法保存任何记录。请换一个可写的文件夹。")
    shared = bool(os.environ.get(ENV_DATABASE_URL))
    if not shared:
        check_and_backup(profile)
    engine = make_engine(database_url(profile))
    try:
        if shared:
            check_server_revision(engine)
        upgrade(engine)
    except DeskError:
        engine.dispose()
        raise
    except Exception as exc:
        engine.dispose()
        log.exception("opening the database failed")
        raise DatabaseUnusable(f"无法打开数据库“{profile.database}”：{exc}") from exc
    store = BlobStore(profile.evidence_dir / "blobs", profile.evidence_tmp)
    leftovers = store.cleanup_tmp()
    if leftovers:
        log.info("removed %d temp files left by an interrupted import", leftovers)
    sessions = make_sessionmaker(engine)
    return Desk(
        profile=profile,
        engine=engine,
        cases=CaseService(sessions),
        shops=ShopService(sessions),
        evidence=EvidenceService(sessions, store, profile.thumbnails_dir),
        packets=PacketService(sessions, store, profile.packets_dir, font_path),
    )
