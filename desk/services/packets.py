"""Appeal packets: gather a case into plain data, build the PDF, keep it in the case's history."""

from __future__ import annotations

import contextlib
import logging
import re
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from desk.audience import ORDER_TIME_SENTENCES, PlatformEntry, PlatformOverride, platform_story, visible
from desk.db import models as m
from desk.db import models_orders as mo
from desk.db.types import utcnow
from desk.domain import (
    CASE_FIELD_LABELS,
    MONEY_FIELDS,
    CaseData,
    CaseId,
    Changes,
    EventKind,
    EvidenceData,
    EvidenceKind,
    PacketData,
    PacketId,
)
from desk.errors import DeskError, NotFound, PacketFailed, ValidationFailed
from desk.labels import GENERIC_APPEAL, appeal_kind_label, platform_time
from desk.orders.model import WeightCheck, grams_text, signed_grams
from desk.pdf import layouts
from desk.pdf.content import FirstPage, PacketContent, PacketEvidence
from desk.privacy import mask_phones
from desk.progress import Cancel, Progress
from desk.services import convert
from desk.services.events import new_event
from desk.services.readiness import NotReady, Readiness, verdict_name
from desk.services.readiness import check as readiness_check
from desk.store.blobstore import BlobStore

if TYPE_CHECKING:
    from desk.pdf.cache import CacheStats
    from desk.pdf.packet import PacketResult as BuiltPacket
    from desk.upload.kit import UploadKitResult
    from desk.upload.preflight import KitInput, Preflight

log = logging.getLogger(__name__)


KIND_ORDER = {kind: i for i, kind in enumerate(EvidenceKind)}
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


@dataclass(frozen=True, slots=True)
class PacketResult:
    """A finished packet: where it is, its history entry, and anything the operator should know."""

    path: Path
    packet: PacketData
    warnings: tuple[str, ...]
    changes: Changes
    draft: bool = False  # watermarked 草稿: for internal printing, never for the platform


def local_time(dt: datetime | None) -> str:
    return dt.astimezone().strftime("%Y-%m-%d %H:%M") if dt else ""


def kind_choices(profile: Any | None) -> list[tuple[str, str]]:
    """The packet kinds a case of this platform can take, as (key, label): generic first, then the
    platform profile's appeal types and sub-types (拼多多: 维权申诉 · 货款申诉 …, 极速退款申诉 · 未发货 …;
    淘宝: 退款纠纷举证 …). The guide's three appeals keep short keys (goods, freight, dispute_rate)."""
    from desk.playbooks.model import APPEAL_KINDS

    keys = {label: key for key, label in APPEAL_KINDS.items()}
    labels = profile.appeal_labels() if profile is not None else list(APPEAL_KINDS.values())
    out: list[tuple[str, str]] = [("generic", GENERIC_APPEAL)]
    for label in dict.fromkeys(labels):
        out.append((keys.get(label, label), label))
    return out


def appeal_label(kind: str | None, profile: Any | None = None) -> str:
    """The cover's 申诉类型 for `kind`, "" for generic/none.

    `kind` is a key or label from kind_choices(profile), or a part of a label that names one kind
    (货款申诉, 退款纠纷举证); with no profile, the guide's three appeals. Anything else is refused
    with the platform's choices.
    """
    if kind is None or kind.strip() in ("", "generic", GENERIC_APPEAL):
        return ""
    key = kind.strip()
    choices = kind_choices(profile)[1:]
    for k, label in choices:
        if key in (k, label):
            return label
    parts = [label for _k, label in choices if key in label.split(" · ")]
    if len(parts) == 1:
        return parts[0]
    platform = f"{profile.title}的" if profile is not None else ""
    if len(parts) > 1:
        raise ValidationFailed(f"申诉类型“{key}”有几种：{'、'.join(parts)}；请选其中一种")
    listed = "、".join(["generic", *(k if k == label else f"{k}（{label}）" for k, label in choices)])
    raise ValidationFailed(f"申诉类型“{key}”不是{platform}申诉类型：可选 {listed}")


def appeal_key(kind: str | None, profile: Any | None = None) -> str:
    """The key of an appeal kind given by key, label or a part of a label ("" for generic); see
    appeal_label for what is refused."""
    label = appeal_label(kind, profile)
    if not label:
        return ""
    return next((k for k, text in kind_choices(profile) if text == label), label)


class PacketService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        store: BlobStore,
        packets_dir: Path,
        font_path: Path | None = None,
        *,
        cache_dir: Path | None = None,
    ) -> None:
        self._sessions = sessions
        self._store = store
        self._packets_dir = packets_dir
        self.font_path = font_path
        # Prepared pictures (desk/pdf/cache.py); None prepares every picture on every build.
        self.cache_dir = cache_dir
        self.last_cache_stats: CacheStats | None = None  # of the latest build, for tests and benchmarks
        # The operator's own appeal layouts (desk/pdf/layouts.py), in the profile folder beside packets/;
        # the packaged ones when it is absent or cannot be used.
        self.layouts_file: Path | None = packets_dir.parent / layouts.FILE_NAME

    def content(
        self, case_id: CaseId, *, generated_at: datetime | None = None, kind: str | None = None
    ) -> PacketContent:
        """Everything the packet prints, with phone numbers masked in every text.

        `kind` picks the appeal type on the cover (see `appeal_label`); none or "generic" keeps
        the case's own appeal type.
        """
        with self._sessions() as s:
            c = _case_row(s, case_id)
            case = convert.case(c)
            profile = self._profile(case.platform)
            label = appeal_label(kind, profile) or _case_appeal_label(case.appeal_type, profile)
            items = [
                convert.evidence(e)
                for e in s.scalars(
                    select(m.Evidence)
                    .where(m.Evidence.case_id == case_id)
                    .options(selectinload(m.Evidence.marks), selectinload(m.Evidence.frames))
                )
            ]
            order = self._order_of(s, case)
            order_times = (
                (
                    ("下单时间", order.ordered_at),
                    ("支付时间", order.paid_at),
                    ("发货时间", order.shipped_at),
                    ("确认收货时间", order.signed_at),
                )
                if order is not None
                else ()
            )
            story = self._story(s, case, order)
        # The evidence that decides this kind of appeal leads, in the layout's order; the rest follows.
        appeal = appeal_key(kind, profile) if kind and kind.strip() not in ("generic", GENERIC_APPEAL) else ""
        appeal = appeal or _case_appeal_key(case.appeal_type, profile)
        known, layout_warnings = layouts.load(self.layouts_file)
        layout = known.for_case(appeal, case.case_type)
        lead = {words: i for i, words in enumerate(layout.lead)}
        items.sort(key=lambda e: (lead.get(str(e.kind), len(lead)), KIND_ORDER[e.kind], e.position, e.id))
        when = generated_at or utcnow()
        facts: list[tuple[str, str]] = [
            (label, local_time(at)) for label, at in order_times if at is not None
        ]
        if case.facts.applied_at is not None:
            facts.append(("售后申请时间", platform_time(case.facts.applied_at)))
        facts.append(("售后登记时间", local_time(case.created_at)))
        for name in MONEY_FIELDS:
            amount = getattr(case, name)
            if amount is not None:
                facts.append((CASE_FIELD_LABELS[name], f"¥{amount:.2f}"))
        from desk.services.weights import WeightService  # a light object over the same sessions

        weights = WeightService(self._sessions)
        weight_rows = weights.packet_table(case_id)
        wants_weights = "{重量结论}" in layout.claim or layouts.WEIGHT_ARITHMETIC in layout.facts
        check = weights.check(case_id) if wants_weights else None
        values = {
            "订单号": case.order_no,
            "售后单号": case.after_sales_no,
            "申诉类型": label or GENERIC_APPEAL,
            "退款金额": _yuan(case.refund_amount),
            "运费金额": _yuan(case.freight_paid),
            "订单金额": _yuan(case.order_amount),
            "售后类型": str(case.case_type),
            "重量结论": check.sentence() if check is not None and "{重量结论}" in layout.claim else "",
            "退货运单号": case.return_tracking_no,
            "快递单号": case.tracking_no,
            "快递公司": case.courier,
        }
        claim = layout.fill(values)
        pictures, missing = _decisive_pictures(layout, items)
        warnings = list(layout_warnings)
        if missing:
            warnings.append(
                f"首页应放的证据还没有：{'、'.join(missing)}。首页只放了已有的证据；导入后重新生成即可。"
            )
        first_page = FirstPage(
            pictures=pictures,
            facts=tuple(
                (name, mask_phones(values.get(name) or "（未填写）"))
                for name in layout.facts
                if name != layouts.WEIGHT_ARITHMETIC
            ),
            arithmetic=tuple(
                (mask_phones(a), mask_phones(b))
                for a, b in (
                    weight_arithmetic(check)
                    if check is not None and layouts.WEIGHT_ARITHMETIC in layout.facts
                    else ()
                )
            ),
        )
        cover = (
            ("店铺", case.shop_name or "（未指定）"),
            ("平台", str(case.platform)),
            ("订单号", case.order_no or "（未填写）"),
            ("售后单号", case.after_sales_no or "（未填写）"),
            ("快递单号", case.tracking_no or "（未填写）"),
            ("快递公司", case.courier or "（未填写）"),
            ("售后类型", str(case.case_type)),
            ("申诉类型", label or GENERIC_APPEAL),
            ("退款金额", f"¥{case.refund_amount:.2f}" if case.refund_amount is not None else "（未填写）"),
            ("证据数量", f"{len(items)} 项"),
            ("生成日期", local_time(when)[:10]),
        )
        evidence = tuple(packet_evidence(e, self._store.path_for(e.sha256)) for e in items)
        return PacketContent(
            title=f"{case.platform} 售后维权申诉材料",
            order_no=case.order_no,
            cover_fields=tuple((k, mask_phones(v)) for k, v in cover),
            description=mask_phones(case.description) or "（未填写问题描述）",
            evidence=evidence,
            generated_at=when,
            key_facts=tuple((k, mask_phones(v)) for k, v in facts),
            weight_table=tuple(
                (mask_phones(a), mask_phones(b), mask_phones(c), mask_phones(d)) for a, b, c, d in weight_rows
            ),
            # Only what the platform may see (desk.audience): never notes, edits, wizard walks or packets.
            timeline=tuple((local_time(e.at), mask_phones(e.text)) for e in visible(story)),
            claim=mask_phones(claim),
            first_page=first_page,
            warnings=tuple(warnings),
        )

    def default_path(
        self,
        case_id: CaseId,
        order_no: str,
        when: datetime,
        *,
        prefix: str = "申诉材料",
        suffix: str = ".pdf",
    ) -> Path:
        """Where a packet (or, with prefix/suffix, an upload kit ZIP) goes when the operator is not asked."""
        from desk.names import safe_filename

        # The order number comes from outside: no control or direction characters in the file name.
        label = (
            safe_filename(_UNSAFE_NAME.sub("_", order_no), fallback="", max_len=80).strip("._ ")
            or f"case{case_id}"
        )
        stamp = when.astimezone().strftime("%Y%m%d-%H%M%S")
        folder = self._packets_dir / f"case-{case_id}"
        path = folder / f"{prefix}-{label}-{stamp}{suffix}"
        n = 2
        while path.exists():  # two packets in the same second: keep both (older versions are kept)
            path = folder / f"{prefix}-{label}-{stamp}-{n}{suffix}"
            n += 1
        return path

    def build(
        self,
        case_id: CaseId,
        out_path: Path | None = None,
        *,
        progress: Progress | None = None,
        cancel: Cancel | None = None,
        generated_at: datetime | None = None,
        kind: str | None = None,
        draft: bool = False,
    ) -> PacketResult:
        from desk.pdf.cache import PreparedCache
        from desk.pdf.fonts import resolve_fonts
        from desk.pdf.packet import build_packet

        content = self.content(case_id, generated_at=generated_at, kind=kind)
        if draft:
            content = replace(content, draft=True)
        path = out_path or self.default_path(case_id, content.order_no, content.generated_at)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PacketFailed(f"无法创建文件夹“{path.parent}”：{exc.strerror or exc}") from exc
        fonts = resolve_fonts(self.font_path)
        cache = PreparedCache(self.cache_dir) if self.cache_dir is not None else None
        result = build_packet(content, path, fonts=fonts, progress=progress, cancel=cancel, cache=cache)
        if cache is not None:
            self.last_cache_stats = cache.stats
            try:
                cache.prune()
            except Exception:  # the cache is an optimisation; a packet never fails because of it
                log.warning("pruning the packet cache failed", exc_info=True)
        try:
            data = self._record(case_id, path, result, self._kind_key(case_id, kind))
        except BaseException:
            # The history row did not commit (disk full, case deleted): take the file back too,
            # so a packet is either fully recorded or absent, never half applied.
            with contextlib.suppress(OSError):
                path.unlink()
            raise
        return PacketResult(
            path=path,
            packet=data,
            warnings=tuple(result.warnings),
            changes=Changes(cases=frozenset({case_id}), packets=frozenset({PacketId(data.id)})),
            draft=content.draft,
        )

    def _record(self, case_id: CaseId, path: Path, result: BuiltPacket, kind: str = "") -> PacketData:
        with self._sessions.begin() as s:
            c = s.get(m.Case, case_id)
            if c is None:
                raise NotFound(f"售后记录 #{case_id} 在生成期间被删除")
            p = m.Packet(
                case_id=case_id,
                file_name=str(path),
                sha256=result.sha256,
                byte_size=result.byte_size,
                page_count=result.page_count,
                kind=kind,
            )
            s.add(p)
            s.add(
                new_event(
                    case_id,
                    EventKind.PACKET_GENERATED,
                    field="packet",
                    new=path.name,
                    data={
                        "pages": result.page_count,
                        "sha256_prefix": result.sha256[:12],
                        "appeal_kind": kind,
                    },
                )
            )
            s.flush()
            return convert.packet(p)

    # -- what the platform reads ----------------------------------------------------------------
    @staticmethod
    def _order_of(s: Session, case: CaseData) -> Any | None:
        """The imported order of a case (its times and amounts), if there is one."""
        if not case.order_no:
            return None
        query = select(mo.Order).where(mo.Order.order_no == case.order_no, mo.Order.platform == case.platform)
        return s.scalars(query.limit(1)).first()

    @staticmethod
    def _story(s: Session, case: CaseData, order: Any | None) -> list[PlatformEntry]:
        events = [
            convert.event(ev)
            for ev in s.scalars(select(m.Event).where(m.Event.case_id == case.id).order_by(m.Event.id))
        ]
        order_times = (
            {name: getattr(order, name) for name, _ in ORDER_TIME_SENTENCES} if order is not None else {}
        )
        overrides = [
            PlatformOverride(o.entry_key, o.hidden, o.text)
            for o in s.scalars(select(m.PlatformOverride).where(m.PlatformOverride.case_id == case.id))
        ]
        return platform_story(case, events, order_times, overrides)

    def platform_story(self, case_id: CaseId) -> list[PlatformEntry]:
        """The 处理经过 a platform reads, hidden entries included and marked (for the operator's review)."""
        with self._sessions() as s:
            c = _case_row(s, case_id)
            case = convert.case(c)
            order = self._order_of(s, case)
            return self._story(s, case, order)

    def set_platform_entry(
        self, case_id: CaseId, key: str, *, hidden: bool | None = None, text: str | None = None
    ) -> Changes:
        """Hide or reword one entry for the platform; the record it comes from stays as it is.
        Text "" goes back to the desk's words."""
        with self._sessions.begin() as s:
            c = _case_row(s, case_id)
            known = {e.key for e in self._story(s, convert.case(c), None)}
            if key not in known and not key.startswith("order."):
                raise ValidationFailed(f"处理经过里没有这一条（{key}）")
            row = s.get(m.PlatformOverride, (case_id, key))
            if row is None:
                row = m.PlatformOverride(case_id=case_id, entry_key=key, hidden=False, text="")
                s.add(row)
            if hidden is not None:
                row.hidden = hidden
            if text is not None:
                cleaned = " ".join(text.split())
                if len(cleaned) > 500:
                    raise ValidationFailed(f"这一条太长（{len(cleaned)} 个字，上限 500）")
                row.text = cleaned
            row.updated_at = utcnow()
        return Changes(cases=frozenset({case_id}))

    def readiness(self, case_id: CaseId, kind: str | None = None) -> Readiness:
        """申诉前检查 of the appeal `kind` (or the case's own): what must hold before anything goes to the
        platform (desk.services.readiness). Writes nothing."""
        from desk.services.weights import WeightService

        kit = self.upload_input(case_id, kind)
        with self._sessions() as s:
            c = _case_row(s, case_id)
            case = convert.case(c)
        appeal = self._kind_key(case_id, kind)
        try:
            verdict = verdict_name(WeightService(self._sessions).check(case_id))
        except DeskError:
            verdict = None
        from desk.upload.preflight import preflight

        check = preflight(kit)
        limits = tuple(
            f"{r.label}：{r.detail or r.value}"
            for r in check.rows
            if r.state == "bad" and r.key != "evidence"
        )
        phones = self.redactions.unmasked(case_id) if self.redactions is not None else ()
        return readiness_check(
            case,
            appeal,
            present_kinds={e.kind for e in kit.content.evidence},
            required=kit.required,
            weight_verdict=verdict,
            preflight_problems=limits,
            unmasked_phones=tuple((u.name, u.kind, u.numbers) for u in phones),
        )

    def _kind_key(self, case_id: CaseId, kind: str | None) -> str:
        """The appeal kind a packet was made for, as a key: the one asked for, else the case's own."""
        with self._sessions() as s:
            c = s.get(m.Case, case_id)
            if c is None:
                raise NotFound(f"售后记录 #{case_id} 在生成期间被删除")
            platform, own = c.platform, c.appeal_type or ""
        profile = self._profile(platform)
        key = appeal_key(kind, profile)
        if key:
            return key  # asked for by name; none or "generic" keeps the case's own (as content() does)
        try:
            return appeal_key(own, profile) if own else ""
        except ValidationFailed:
            return own  # a kind the platform's profile no longer lists: keep what the case says

    def history(self, case_id: CaseId) -> list[PacketData]:
        """Every packet generated for the case, newest first, with the appeal type it was made for."""
        with self._sessions() as s:
            rows = s.scalars(select(m.Packet).where(m.Packet.case_id == case_id).order_by(m.Packet.id.desc()))
            return [convert.packet(p) for p in rows]

    # -- upload kit and pre-flight ------------------------------------------------------------------
    # Set by the Desk (desk/app.py): where limits and required evidence come from. Without them the
    # kit uses default limits and the shipped playbooks.
    platforms: Any = None  # desk.platforms.PlatformProfiles
    wizard: Any = None  # desk.services.wizard.WizardService
    redactions: Any = None  # desk.services.redaction.RedactionService: phone numbers blacked out in pictures

    def _profile(self, platform: Any) -> Any | None:
        if self.platforms is None:
            return None
        try:
            return self.platforms.for_platform(platform)
        except DeskError:  # a broken user copy: the guide's own kinds still work
            log.warning("platform profile for %s unavailable", platform, exc_info=True)
            return None

    def kinds(self, case_id: CaseId) -> list[tuple[str, str]]:
        """The packet kinds this case's platform offers, (key, label), generic first."""
        with self._sessions() as s:
            c = _case_row(s, case_id)
            platform = c.platform
        return kind_choices(self._profile(platform))

    def upload_input(self, case_id: CaseId, kind: str | None = None) -> KitInput:
        """The plain data an upload kit is built from: content, 申诉说明, limits, required evidence."""
        from desk.upload.budget import budget_for
        from desk.upload.preflight import KitInput

        content = self.content(case_id, kind=kind)
        with self._sessions() as s:
            c = _case_row(s, case_id)
            case = convert.case(c)
        profile = self._profile(case.platform)
        required, source = required_evidence(case, kind, self.wizard, profile)
        return KitInput(
            content=content,
            appeal_text=mask_phones(case.description),
            budget=budget_for(profile, str(case.platform)),
            required=required,
            required_source=source,
            appeal=appeal_label(kind, profile) or _case_appeal_label(case.appeal_type, profile),
        )

    def preflight(self, case_id: CaseId, kind: str | None = None) -> Preflight:
        """Counts, sizes and characters of the upload kit against the platform's limits; writes nothing."""
        from desk.upload.preflight import preflight

        return preflight(self.upload_input(case_id, kind))

    def build_upload_kit(
        self,
        case_id: CaseId,
        kind: str | None,
        dest: Path | None,
        *,
        zip_path: Path | None = None,
        progress: Progress | None = None,
        cancel: Cancel | None = None,
    ) -> UploadKitResult:
        """Write the upload kit as the folder `dest` and/or the ZIP `zip_path` (see desk.upload.kit)."""
        from desk.upload.kit import build_upload_kit

        kit = self.upload_input(case_id, kind)
        return build_upload_kit(kit, folder=dest, zip_path=zip_path, progress=progress, cancel=cancel)

    # -- what leaves the desk: checked first ------------------------------------------------------------
    # The window and the CLI make packets for the platform only through these two, so a packet that fails
    # the 申诉前检查 cannot leave by either road; build() itself stays the plain maker (tests, benchmarks).

    def build_checked(
        self,
        case_id: CaseId,
        out_path: Path | None = None,
        *,
        kind: str | None = None,
        draft: bool = False,
        progress: Progress | None = None,
        cancel: Cancel | None = None,
    ) -> PacketResult:
        """The packet for the platform, refused (NotReady, nothing written) until the 申诉前检查 holds.

        draft: the operator asked for an internal copy; it carries the 草稿 watermark whenever the check
        fails (a packet that passes is the real one either way).
        """
        if self.redactions is not None:
            self.redactions.apply(case_id)  # proposed black boxes go on before anything leaves
        ready = self.readiness(case_id, kind)
        if not ready.ok and not draft:
            raise NotReady(ready, "申诉材料")
        return self.build(case_id, out_path, kind=kind, draft=not ready.ok, progress=progress, cancel=cancel)

    def upload_kit_checked(
        self,
        case_id: CaseId,
        kind: str | None,
        dest: Path | None,
        *,
        zip_path: Path | None = None,
        progress: Progress | None = None,
        cancel: Cancel | None = None,
    ) -> UploadKitResult:
        """The upload kit, refused (NotReady, nothing written) until the 申诉前检查 holds: a kit only ever
        goes to the platform, so it has no draft."""
        if self.redactions is not None:
            self.redactions.apply(case_id)  # proposed black boxes go on before anything leaves
        ready = self.readiness(case_id, kind)
        if not ready.ok:
            raise NotReady(ready, "上传材料包")
        return self.build_upload_kit(case_id, kind, dest, zip_path=zip_path, progress=progress, cancel=cancel)

    def upload_kit_to_default(
        self,
        case_id: CaseId,
        kind: str | None = None,
        *,
        progress: Progress | None = None,
        cancel: Cancel | None = None,
    ) -> UploadKitResult:
        """The upload kit as a ZIP in the case's packets folder, beside its PDFs: one action from the
        wizard's outcome, no file dialog. Checked like upload_kit_checked (NotReady, nothing written)."""
        with self._sessions() as s:
            order_no = _case_row(s, case_id).order_no
        target = self.default_path(
            case_id, order_no, datetime.now().astimezone(), prefix="上传材料", suffix=".zip"
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        return self.upload_kit_checked(case_id, kind, None, zip_path=target, progress=progress, cancel=cancel)


def _yuan(amount: Decimal | None) -> str:
    return f"¥{amount:.2f}" if amount is not None else ""


def _decisive_pictures(
    layout: layouts.AppealLayout, items: list[EvidenceData]
) -> tuple[tuple[int, ...], list[str]]:
    """Positions (in packet order) of the pictures page 1 shows, and the decisive kinds the case lacks.

    One picture of each decisive kind, the first in packet order; a layout that names none shows the
    packet's first picture. Only still pictures: a video or a PDF voucher keeps its place in the evidence.
    """
    still = [i for i, e in enumerate(items) if e.media_type.startswith("image/")]
    if not layout.decisive:
        return tuple(still[:1]), []
    chosen: list[int] = []
    missing: list[str] = []
    for words in layout.decisive:
        found = next((i for i in still if str(items[i].kind) == words and i not in chosen), None)
        if found is None:
            missing.append(words)
        else:
            chosen.append(found)
    return tuple(chosen), missing


def weight_arithmetic(check: WeightCheck) -> tuple[tuple[str, str], ...]:
    """重量计算, worked out for page 1: each item × its unit weight, the packaging, the expected weight,
    the tolerance, each weighing and its difference, and the conclusion. Empty until a weighing is in."""
    if not check.comparisons:
        return ()
    rows: list[tuple[str, str]] = []
    if check.expected_g is not None and check.packaging_g is not None:
        for line in check.lines:
            unit, subtotal = line.unit_weight_g or 0, line.subtotal_g or 0
            rows.append((line.name, f"{line.quantity} 件 × {unit:,} g = {subtotal:,} g"))
        rows.append(("包装", grams_text(check.packaging_g)))
        parts = [f"{ln.subtotal_g or 0:,} g" for ln in check.lines] + [f"{check.packaging_g:,} g"]
        rows.append(("应有重量", f"{' + '.join(parts)} = {grams_text(check.expected_g)}"))
    elif check.reference_g is not None:
        rows.append((check.reference_label, f"{grams_text(check.reference_g)}（作为参照）"))
    if check.allowed_g is not None:
        rows.append(("允许误差", f"±{check.allowed_g:,} g（{check.tolerance.describe()}）"))
    for c in check.comparisons:
        text = grams_text(c.grams)
        if c.diff_g is not None:
            text += f"，差 {signed_grams(c.diff_g)}（{'在误差内' if c.within else '超出误差'}）"
        rows.append((str(c.kind), text))
    rows.append(("结论", check.conclusion))
    return tuple(rows)


def packet_evidence(e: Any, blob_path: Path) -> PacketEvidence:
    """One evidence item as any PDF the platform or a courier reads it: phone numbers masked in its name
    and caption, a capture time only from the picture's metadata or stated by the shop."""
    return PacketEvidence(
        kind=str(e.kind),
        blob_path=blob_path,
        media_type=e.media_type,
        original_name=mask_phones(e.original_name),
        caption=mask_phones(e.caption),
        captured_at=e.captured_at if e.captured_source in ("metadata", "stated") else None,
        time_stated=e.captured_source == "stated",
        sha256=e.sha256,
        marks=e.marks,
        rotation=e.rotation,
        key_frames=e.key_frames,
        duration_ms=e.duration_ms,
        byte_size=e.byte_size,
        imported_at=e.imported_at,
    )


def required_evidence(
    case: Any, kind: str | None, wizard: Any, profile: Any | None = None
) -> tuple[tuple[str, ...], str]:
    """Evidence kinds an appeal of `kind` needs for this case, and where that list comes from.

    The wizard's outcome decides when the case's walk reached one (and it is an appeal of this
    kind); otherwise the kinds every appeal outcome of the case type's playbook requires.
    """
    from desk.playbooks.loader import load_playbooks
    from desk.playbooks.model import APPEAL_KINDS

    label = appeal_label(kind, profile) or _case_appeal_label(case.appeal_type, profile)
    key = next((k for k, v in APPEAL_KINDS.items() if v == label), None)
    if wizard is not None:
        try:
            view = wizard.view(case.id)
        except DeskError:
            view = None
        outcome = view.state.outcome if view is not None else None
        if outcome is not None and outcome.appeal and (key is None or outcome.appeal == key):
            return tuple(outcome.evidence_required), f"处理向导结果“{outcome.title}”的要求"
        playbooks = wizard.playbooks
    else:
        playbooks = load_playbooks()
    try:
        pb = playbooks.for_case_type(case.case_type)
    except DeskError:
        return (), ""
    outcomes = [o for o in pb.outcomes.values() if o.appeal and (key is None or o.appeal == key)]
    if not outcomes:
        return (), ""
    common = [k for k in outcomes[0].evidence_required if all(k in o.evidence_required for o in outcomes)]
    what = APPEAL_KINDS.get(key, "申诉") if key else "申诉"
    if not common:
        return (
            (),
            f"“{pb.title}”流程里有几种{what}，所需证据不同：在处理向导里走到结果后，这里会列出缺少的证据",
        )
    return tuple(common), f"“{pb.title}”流程中{what}的要求，处理向导还没走到结果"


def _case_appeal_key(key: str, profile: Any | None) -> str:
    if not key:
        return ""
    try:
        return appeal_key(key, profile)
    except ValidationFailed:
        return key


def _case_appeal_label(key: str, profile: Any | None) -> str:
    """Words of the appeal kind a case holds (a key), "" for none; an unknown one reads as itself."""
    if not key:
        return ""
    try:
        return appeal_label(key, profile)
    except ValidationFailed:
        return appeal_kind_label(key)


def _case_row(s: Session, case_id: CaseId) -> m.Case:
    """The case's row, or NotFound in the operator's words."""
    c = s.get(m.Case, case_id)
    if c is None:
        raise NotFound(f"售后记录 #{case_id} 不存在（可能已被删除）")
    return c
