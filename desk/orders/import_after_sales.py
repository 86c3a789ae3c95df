"""After-sales exports: each row creates or updates one case, through the CaseService the Importer was
handed (one transaction per case, with its timeline entries). What the platform says about the case that
the operator does not edit (售后状态, 申请时间, 退货运单号 …) is kept as the case's platform facts
(desk.domain.PlatformFacts), replaced on every re-import; the operator's notes are never touched."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from desk.db import models as m
from desk.db import models_orders as mo
from desk.domain import CaseDraft, CaseId, CaseStatus, Platform, PlatformFacts, ShopId
from desk.orders import mapping
from desk.orders.import_rows import RowReader, Tally
from desk.orders.parse import CellError


class AfterSalesWriter:
    """Creates or updates the case of each after-sales row of one import."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        cases: Any,
        platforms: Any | None,
        platform: Platform,
        shop_id: ShopId | None,
    ) -> None:
        self._sessions = sessions
        self._cases = cases  # the services' CaseService (create / update / get)
        self._platforms = platforms  # desk.platforms PlatformProfiles: status names → desk statuses
        self._platform = platform
        self._shop_id = shop_id

    def write(self, reader: RowReader, cells: list[str], tally: Tally) -> None:
        """Create or update the case of one row (a CellError or DeskError means the row failed)."""
        cases, platform, shop_id = self._cases, self._platform, self._shop_id
        after_sales_no = reader.order_no(cells, "after_sales_no")
        order_no = reader.order_no(cells, "order_no") if reader.text(cells, "order_no") else ""
        platform_status = reader.text(cells, "after_sales_status")
        refund_type = reader.text(cells, "refund_type")
        reason = reader.text(cells, "refund_reason")
        values: dict[str, Any] = {"after_sales_no": after_sales_no}
        if order_no:
            values["order_no"] = order_no
        tracking = reader.text(cells, "tracking_no")
        if tracking:
            values["tracking_no"] = tracking
        for f in ("order_amount", "refund_amount"):
            amount = reader.money(cells, f)
            if amount is not None:
                if amount < 0:
                    raise CellError(f"{reader.labels[f]}“{amount}”是负数")
                values[f] = amount
        if reader.has("buyer_nick"):
            buyer = reader.text(cells, "buyer_nick")
            if buyer:
                values["buyer_nick"] = buyer[:128]
        if refund_type:
            values["after_sales_type"] = refund_type
        if reason:
            values["after_sales_reason"] = reason
        facts = PlatformFacts(
            platform_status=platform_status,
            platform_order_status=reader.text(cells, "status"),
            applied_at=reader.time(cells, "applied_at"),
            return_tracking_no=reader.text(cells, "return_tracking_no"),
            return_logistics_status=reader.text(cells, "return_logistics_status"),
            sku_info=reader.text(cells, "sku_info"),
            platform_remark=reader.text(cells, "remark"),
        )
        mapped = mapping.status_for(platform, platform_status, self._platforms) if platform_status else None
        existing = self._find_case(after_sales_no, order_no, platform)
        order = self._order_facts(order_no, platform) if order_no else {}
        if existing is None:
            draft_values = {k: v for k, v in values.items() if k in CaseDraft.__dataclass_fields__}
            for key in ("courier", "tracking_no", "shop_id"):
                if not draft_values.get(key) and order.get(key):
                    draft_values[key] = order[key]
            if shop_id is not None:
                draft_values["shop_id"] = shop_id
            draft = CaseDraft(
                platform=platform,
                case_type=mapping.case_type_for(platform, reason, refund_type, self._platforms),
                status=mapped or CaseStatus.OPEN,
                **draft_values,
            )
            created, changes = cases.create(draft)
            extra = {k: v for k, v in values.items() if k not in CaseDraft.__dataclass_fields__}
            if extra:
                created, more = cases.update(created.id, **extra)
                changes = changes | more
            changes = changes | cases.sync_platform(created.id, facts)
            tally.imported += 1
            tally.case_ids.append(created.id)
            tally.changes = tally.changes | changes
            return
        current = cases.get(existing)
        changes_wanted: dict[str, Any] = {}
        for key, value in values.items():
            if getattr(current, key, None) != value:
                changes_wanted[key] = value
        previous = current.facts.platform_status
        previous_mapped = (
            mapping.status_for(platform, previous, self._platforms) if previous else CaseStatus.OPEN
        )
        if (
            mapped is not None
            and current.status not in mapping.WORKFLOW_STATUSES
            and current.status == previous_mapped
            and current.status != mapped
        ):
            changes_wanted["status"] = mapped
        if shop_id is not None and current.shop_id != shop_id:
            changes_wanted["shop_id"] = shop_id
        if changes_wanted:
            _, changes = cases.update(current.id, **changes_wanted)
            tally.changes = tally.changes | changes
        tally.changes = tally.changes | cases.sync_platform(current.id, facts)
        tally.updated += 1
        tally.case_ids.append(current.id)

    def _find_case(self, after_sales_no: str, order_no: str, platform: Platform) -> CaseId | None:
        with self._sessions() as s:
            found = s.scalar(
                select(m.Case.id)
                .where(m.Case.after_sales_no == after_sales_no, m.Case.platform == platform)
                .order_by(m.Case.id)
                .limit(1)
            )
            if found is None and order_no:
                # A case the operator opened by order number before the export came in.
                found = s.scalar(
                    select(m.Case.id)
                    .where(
                        m.Case.order_no == order_no, m.Case.after_sales_no == "", m.Case.platform == platform
                    )
                    .order_by(m.Case.id)
                    .limit(1)
                )
            return CaseId(found) if found is not None else None

    def _order_facts(self, order_no: str, platform: Platform) -> dict[str, Any]:
        with self._sessions() as s:
            o = s.scalars(
                select(mo.Order).where(mo.Order.order_no == order_no, mo.Order.platform == platform).limit(1)
            ).first()
            if o is None:
                return {}
            return {"courier": o.courier, "tracking_no": o.tracking_no, "shop_id": o.shop_id}
