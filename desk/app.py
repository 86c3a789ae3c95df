"""Open a profile: check and migrate its database, recover from crashes, build the services."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine

from desk.db.engine import database_url, is_sqlite, make_engine, make_sessionmaker
from desk.db.migrate import check_server_revision, upgrade
from desk.domain import CaseData
from desk.errors import DatabaseUnusable, DeskError
from desk.opening import backup_server_before_upgrade, check_and_backup
from desk.platforms import PlatformProfiles
from desk.platforms.loader import USER_FOLDER as PLATFORMS_FOLDER
from desk.profile import Profile
from desk.services.buyers import BuyerService, secret_path_for
from desk.services.cases import CaseService
from desk.services.evidence import EvidenceService
from desk.services.orders import OrderService
from desk.services.outcomes import OutcomeService
from desk.services.packets import PacketService
from desk.services.products import ProductService
from desk.services.recognition import RecognitionService
from desk.services.redaction import RedactionService
from desk.services.reminders import ReminderService
from desk.services.scripts import ScriptService
from desk.services.shops import ShopService
from desk.services.stats import StatsService
from desk.services.views import ViewService
from desk.services.weights import WeightService
from desk.services.wizard import WizardService
from desk.settings import load_settings
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
    platforms: PlatformProfiles  # platform profiles: shipped defaults or the operator's copies
    views: ViewService  # saved views of the case list
    # Orders, products and weights: built from the engine, so every way of making a Desk has them.
    orders: OrderService = field(init=False)
    products: ProductService = field(init=False)
    weights: WeightService = field(init=False)
    # The guided wizard and the scripts library.
    wizard: WizardService = field(init=False)
    scripts: ScriptService = field(init=False)
    # Outcomes and money, repeat claimers, statistics.
    outcomes: OutcomeService = field(init=False)
    buyers: BuyerService = field(init=False)
    stats: StatsService = field(init=False)
    reminders: ReminderService = field(init=False)  # deadlines due soon, for reminders
    recognition: RecognitionService = field(init=False)  # text in evidence pictures, suggestions

    def __post_init__(self) -> None:
        sessions = make_sessionmaker(self.engine)
        self.orders, self.products, self.weights = (
            OrderService(sessions, self.platforms),
            ProductService(sessions),
            WeightService(sessions),
        )
        self.wizard = WizardService(
            sessions,
            self.cases,
            self.evidence,
            self.shops,
            self.weights,
            shop_playbooks=self.profile.root / "playbooks",
            threshold=self._appeal_threshold,
            orders=self.orders,
            platforms=self.platforms,
        )
        self.scripts = ScriptService(sessions, self.cases, self.shops, self.weights)
        self.outcomes = OutcomeService(
            sessions,
            evidence=self.evidence,
            weights=self.weights,
            packets_dir=self.profile.packets_dir,
            font_path=lambda: self.packets.font_path,
        )
        # The key of buyer hashes lives beside the data every computer of a shared database reads.
        shared = load_settings(self.profile).shared_blob_dir
        self.buyers = BuyerService(sessions, secret_path_for(self.profile.root, shared))
        # The buyer's history answers the 恶意售后 question; imported orders give their buyers' keys.
        self.wizard.buyers = self.orders.buyers = self.buyers
        self.stats = StatsService(sessions)
        self.reminders = ReminderService(sessions)
        # The upload kit reads limits from the platform profiles and required evidence from the wizard.
        self.packets.platforms, self.packets.wizard = self.platforms, self.wizard
        self.recognition = RecognitionService(
            sessions, self.evidence, self.cases, self.weights, self.profile.root
        )
        self.evidence._importer.after_store = self.recognition.imported
        self.packets.redactions = RedactionService(self.evidence, self.profile.root)

    def _appeal_threshold(self, case: CaseData) -> Decimal | None:
        shop = next((s for s in self.shops.list() if s.id == case.shop_id), None) if case.shop_id else None
        value = getattr(shop, "appeal_threshold", None)
        return Decimal(value) if value is not None else None

    def close(self) -> None:
        self.recognition.close()
        self.engine.dispose()


def open_desk(profile: Profile | Path | str, *, font_path: Path | None = None) -> Desk:
    """Open a profile folder; raises DeskError with a plain message.

    A new database is created only where none existed and nothing of an earlier desk is left (a missing
    or empty database beside old evidence or backups is refused, see desk/db/guard.py).
    """
    if not isinstance(profile, Profile):
        profile = Profile(Path(profile).expanduser().resolve())
    try:
        profile.ensure()
    except OSError as exc:
        raise DeskError(f"无法使用数据文件夹“{profile.root}”：{exc.strerror or exc}") from exc
    if not os.access(profile.root, os.W_OK):
        raise DeskError(f"数据文件夹“{profile.root}”是只读的，无法保存任何记录。请换一个可写的文件夹。")
    from desk.backup.restore import recover_interrupted_restore

    notice = recover_interrupted_restore(profile)
    if notice:
        log.warning(notice)
    settings = load_settings(profile)
    url = database_url(profile)
    shared = not is_sqlite(url)
    if shared and settings.shared_blob_dir is None:
        raise DeskError(
            "共享数据库模式需要一个所有电脑都能访问的共享证据文件夹：请在 settings.toml 的 [evidence] "
            "shared_folder 或环境变量 DESK_BLOB_DIR 中设置它，否则其他电脑看不到这里导入的证据。"
        )
    if not shared:
        check_and_backup(profile)
    engine = make_engine(url)
    try:
        if shared:
            check_server_revision(engine)
            backup_server_before_upgrade(profile, engine)
        upgrade(engine)
    except DeskError:
        engine.dispose()
        raise
    except Exception as exc:
        engine.dispose()
        log.exception("opening the database failed")
        from desk.db.engine import connection_problem, describe_url

        raise DatabaseUnusable(
            f"无法打开{describe_url(url)}：{connection_problem(getattr(exc, 'orig', None) or exc)}"
        ) from exc
    if settings.shared_blob_dir is not None:
        # Temp files sit beside the shared blobs, so the final rename stays on one file system.
        try:
            store = BlobStore(settings.shared_blob_dir / "blobs", settings.shared_blob_dir / "tmp")
        except OSError as exc:
            engine.dispose()
            raise DeskError(
                f"无法使用共享证据文件夹“{settings.shared_blob_dir}”：{exc.strerror or exc}"
            ) from exc
    else:
        store = BlobStore(profile.evidence_dir / "blobs", profile.evidence_tmp)
    leftovers = store.cleanup_tmp(min_age_seconds=86400 if settings.shared_blob_dir is not None else 0)
    if leftovers:
        log.info("removed %d temp files left by an interrupted import", leftovers)
    swept = store.sweep_retired()
    if swept:
        log.info("deleted %d evidence files retired more than 6 hours ago", swept)
    sessions = make_sessionmaker(engine)
    platforms = PlatformProfiles(profile.root / PLATFORMS_FOLDER)
    return Desk(
        profile=profile,
        engine=engine,
        cases=CaseService(sessions, pauses_clock=platforms.pauses_clock, packets_dir=profile.packets_dir),
        shops=ShopService(sessions),
        evidence=EvidenceService(sessions, store, profile.thumbnails_dir),
        packets=PacketService(
            sessions, store, profile.packets_dir, font_path, cache_dir=profile.packet_cache_dir
        ),
        platforms=platforms,
        views=ViewService(sessions),
    )
