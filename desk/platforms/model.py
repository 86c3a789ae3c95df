"""Platform profiles as data: statuses, after-sales types, reasons, appeal types, limits and timers."""

from __future__ import annotations

from dataclasses import dataclass, field

from desk.domain import CaseStatus, CaseType, Platform


@dataclass(frozen=True, slots=True)
class Setting:
    """One limit or timer. value None means unknown: the operator has to set it (the UI asks)."""

    key: str
    label: str
    value: int | None
    unit: str  # "字", "字节", "张", "KB", "小时", "天"
    verified: bool
    source: str = ""  # where the value comes from (platform-facts.md keys, a document, "操作员设置")
    note: str = ""

    @property
    def known(self) -> bool:
        return self.value is not None


@dataclass(frozen=True, slots=True)
class PlatformStatus:
    """A status as the platform names it, and the desk status it corresponds to (if any)."""

    name: str
    desk_status: CaseStatus | None = None
    code: str = ""  # the platform's own code (open-API value), when known


@dataclass(frozen=True, slots=True)
class AppealType:
    name: str
    subtypes: tuple[str, ...] = ()
    note: str = ""

    def labels(self) -> list[str]:
        """ "维权申诉 · 运费申诉" for each sub-type, or the type alone when it has none."""
        return [f"{self.name} · {s}" for s in self.subtypes] or [self.name]


@dataclass(frozen=True, slots=True)
class ListFacts:
    """Whether a list (statuses, types, reasons, appeal types) comes from a verified source."""

    verified: bool
    source: str = ""


@dataclass(frozen=True, slots=True)
class PlatformProfile:
    key: str  # file stem: "pdd", "taobao", …
    platform: Platform
    title: str
    statuses: tuple[PlatformStatus, ...]
    after_sales_types: tuple[str, ...]
    reasons: tuple[str, ...]
    appeal_types: tuple[AppealType, ...]
    limits: tuple[Setting, ...]
    timers: tuple[Setting, ...]
    pause_when_waiting: bool = True  # waiting statuses (等待退货, 等待快递回复) hold the deadline clock
    # What the operator sends the platform first: "upload_kit" where the appeal form takes pictures and text
    # (拼多多's 维权申诉), "pdf" where a document is uploaded or printed. The window's main action follows it.
    primary_output: str = "pdf"
    lists: dict[str, ListFacts] = field(default_factory=dict)
    # 退款原因 as the platform's export writes it → the guide's case type ([reason_types] in the file).
    reason_types: dict[str, CaseType] = field(default_factory=dict)
    summary: str = ""
    source_file: str = ""
    user_copy: bool = False  # loaded from the profile folder rather than the shipped defaults

    def setting(self, key: str) -> Setting | None:
        for s in (*self.limits, *self.timers):
            if s.key == key:
                return s
        return None

    def appeal_labels(self) -> list[str]:
        return [label for a in self.appeal_types for label in a.labels()]

    def unverified(self) -> list[str]:
        """Labels of everything this profile marks as not verified, for the operator to check."""
        out = [s.label for s in (*self.limits, *self.timers) if not s.verified]
        names = {
            "statuses": "售后状态",
            "after_sales_types": "退款类型",
            "reasons": "退款原因",
            "appeal_types": "申诉类型",
        }
        out += [names[k] for k, facts in self.lists.items() if not facts.verified and k in names]
        return out

    def case_type_for_reason(self, reason: str) -> CaseType | None:
        return self.reason_types.get(reason.strip())

    def desk_status_for(self, platform_status: str) -> CaseStatus | None:
        for s in self.statuses:
            if s.name == platform_status:
                return s.desk_status
        return None
