"""How a packet argues, per appeal kind: the claim paragraph and the evidence that leads (data in
resources/appeal_layouts.toml, checked when loaded)."""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass

from desk.domain import EvidenceKind
from desk.errors import DeskError
from desk.labels import APPEAL_KIND_LABELS
from desk.resources import resource

VARIABLES = frozenset(
    {"订单号", "售后单号", "申诉类型", "退款金额", "运费金额", "售后类型", "重量结论", "退货运单号"}
)
_VARIABLE = re.compile(r"\{([^{}]*)\}")


class LayoutError(DeskError):
    pass


@dataclass(frozen=True, slots=True)
class AppealLayout:
    claim: str  # with {变量}
    lead: tuple[str, ...]  # evidence kinds in words, in the order they lead

    def fill(self, values: Mapping[str, str]) -> str:
        """The claim with its variables filled; a missing value is named, never left as a brace."""
        text = _VARIABLE.sub(lambda m: values.get(m[1]) or f"（未填写{m[1]}）", self.claim)
        return " ".join(text.split())


def parse(data: Mapping[str, object], source: str) -> dict[str, AppealLayout]:
    kinds = {str(k) for k in EvidenceKind}
    out: dict[str, AppealLayout] = {}
    for key, raw in data.items():
        if key != "generic" and key not in APPEAL_KIND_LABELS:
            raise LayoutError(
                f"“{source}”里的申诉类型“{key}”不存在：可选 generic、{'、'.join(APPEAL_KIND_LABELS)}"
            )
        if not isinstance(raw, dict) or not isinstance(raw.get("claim"), str):
            raise LayoutError(f"“{source}”的 [{key}] 缺少 claim（申诉要点）")
        unknown = set(_VARIABLE.findall(raw["claim"])) - VARIABLES
        if unknown:
            raise LayoutError(f"“{source}”的 [{key}] 用了不存在的变量：{'、'.join(sorted(unknown))}")
        lead = raw.get("lead", [])
        if not isinstance(lead, list) or any(k not in kinds for k in lead):
            raise LayoutError(
                f"“{source}”的 [{key}] lead 里有不存在的证据类型：可选 {'、'.join(sorted(kinds))}"
            )
        out[key] = AppealLayout(raw["claim"], tuple(lead))
    if "generic" not in out:
        raise LayoutError(f"“{source}”缺少 [generic]")
    return out


@functools.cache
def shipped() -> dict[str, AppealLayout]:
    path = resource("appeal_layouts.toml")
    return parse(tomllib.loads(path.read_text("utf-8")), "appeal_layouts.toml")


def for_kind(appeal: str) -> AppealLayout:
    layouts = shipped()
    return layouts.get(appeal or "generic", layouts["generic"])
