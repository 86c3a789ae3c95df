"""After-sales export values → the desk's case type and status.

Statuses and 退款原因 come from the platform profile (resources/platforms/*.toml: `[[statuses]] desk_status`
and `[reason_types]`) when the caller passes the desk's PlatformProfiles, so an operator who edits the
profile changes how the next import classifies; the tables below are the fallback for words a profile
does not name (and for callers without profiles).
"""

from __future__ import annotations

import logging
from typing import Any

from desk.domain import CaseStatus, CaseType, Platform

log = logging.getLogger(__name__)

# 拼多多 售后导出: 退款原因 → case type (platform-facts.md §1.1 "Type and reason names in the export").
_PDD_REASON_TYPE: dict[str, CaseType] = {
    "少件": CaseType.MISSING_ITEM,
    "漏发": CaseType.MISSING_ITEM,
    "少件/漏发": CaseType.MISSING_ITEM,
    "发货履约原因": CaseType.MISSING_ITEM,
    "商品描述不符": CaseType.WRONG_ITEM,
    "发错货": CaseType.WRONG_ITEM,
    "商家发错货": CaseType.WRONG_ITEM,
    "质量问题": CaseType.QUALITY,
    "疑似假货": CaseType.QUALITY,
    "七天无理由退货": CaseType.UNWANTED,
    "7天无理由退货": CaseType.UNWANTED,
    "不想要了": CaseType.UNWANTED,
    "拍错/多拍": CaseType.UNWANTED,
    "其他原因": CaseType.UNWANTED,
}

# 拼多多 售后导出: 售后状态 (10 values) → where the case stands in the desk.
_PDD_STATUS: dict[str, CaseStatus] = {
    "待商家处理": CaseStatus.OPEN,
    "待商家收货": CaseStatus.WAITING_RETURN,
    "待消费者发货": CaseStatus.WAITING_RETURN,
    "平台处理中": CaseStatus.NEGOTIATING,
    "退款成功": CaseStatus.REFUNDED,
    "退款关闭": CaseStatus.CLOSED,
    "换货/补寄成功": CaseStatus.RESHIPPED,
    "换货/补寄关闭": CaseStatus.CLOSED,
    "维修成功": CaseStatus.CLOSED,
    "维修关闭": CaseStatus.CLOSED,
}

# Desk statuses the operator reaches by working a case: an import never moves a case out of them.
WORKFLOW_STATUSES = frozenset(
    {
        CaseStatus.APPEALING,
        CaseStatus.APPEAL_SUBMITTED,
        CaseStatus.APPEAL_WON,
        CaseStatus.APPEAL_LOST,
    }
)


def case_type_for(
    platform: Platform, reason: str, refund_type: str = "", profiles: Any | None = None
) -> CaseType:
    """The desk's case type for a platform's 退款原因 (unknown reasons: 不想要了, the operator reclassifies)."""
    del refund_type  # 仅退款 / 退货退款 does not decide the guide's type; the reason does
    text = reason.strip()
    profile = _profile(profiles, platform)
    if profile is not None:
        known = profile.case_type_for_reason(text)
        if known is not None:
            return known
    if text in _PDD_REASON_TYPE:
        return _PDD_REASON_TYPE[text]
    if "少" in text or "漏" in text:
        return CaseType.MISSING_ITEM
    if "错" in text:
        return CaseType.WRONG_ITEM
    if "质量" in text or "破损" in text or "假" in text:
        return CaseType.QUALITY
    return CaseType.UNWANTED


def _profile(profiles: Any | None, platform: Platform) -> Any | None:
    if profiles is None:
        return None
    try:
        return profiles.for_platform(platform)
    except Exception:  # a broken profile must not stop an import; the tables still know PDD's words
        log.warning("platform profile unavailable for %s", platform, exc_info=True)
        return None


def status_for(platform: Platform, status: str, profiles: Any | None = None) -> CaseStatus | None:
    """The desk status for a platform's 售后状态, or None when the text is unknown (status left alone).

    profiles: the desk's PlatformProfiles (desk.platforms.loader); its `for_platform(platform)` profile's
    statuses win over the built-in table.
    """
    text = status.strip()
    profile = _profile(profiles, platform)
    if profile is not None:
        for known in getattr(profile, "statuses", ()) or ():
            if known.name == text and known.desk_status is not None:
                return CaseStatus(known.desk_status)
    return _PDD_STATUS.get(text)
