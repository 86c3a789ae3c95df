"""申诉前检查: is this appeal ready to leave the desk? One list of rules, each with where to fix it.

Nothing goes to the platform (PDF for the platform, upload kit) until every rule holds; a watermarked
草稿 stays possible for internal printing. The same check answers the window's checklist and the CLI's
exit status, so the two never disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from desk.domain import CaseData, CaseType
from desk.errors import DeskError
from desk.labels import appeal_kind_label
from desk.privacy import mask_phones

PLACEHOLDER = re.compile(r"【缺：[^】]*】")
# What a claim of each appeal kind must state, as a case field.
CLAIM_FIELDS = {"goods": ("refund_amount", "退款金额"), "freight": ("freight_paid", "运费金额")}
MIN_STATEMENT = 10  # characters: "少件" alone does not argue anything


@dataclass(frozen=True, slots=True)
class ReadinessItem:
    """One rule: whether it holds, what is wrong in plain words, and where to fix it.

    `fix` is a place the window can jump to: "field:description", "field:appeal_type", "evidence:<kind words>",
    "weights", "upload_kit". A `warning` that fails is shown but does not hold the appeal back: it names
    something the operator chose (a black box they removed) and may have reasons for.
    """

    rule: str
    ok: bool
    message: str
    fix: str = ""
    warning: bool = False


@dataclass(frozen=True, slots=True)
class Readiness:
    appeal: str  # the appeal kind key checked ("" = none set)
    items: tuple[ReadinessItem, ...]

    @property
    def ok(self) -> bool:
        return all(i.ok or i.warning for i in self.items)

    @property
    def problems(self) -> tuple[ReadinessItem, ...]:
        return tuple(i for i in self.items if not i.ok and not i.warning)

    @property
    def warnings(self) -> tuple[ReadinessItem, ...]:
        return tuple(i for i in self.items if not i.ok and i.warning)

    def report(self) -> str:
        """The checklist in words, problems first, then warnings (for the CLI and logs)."""
        lines = [f"✗ {i.message}" for i in self.problems]
        lines += [f"！ {i.message}" for i in self.warnings]
        lines += [f"✓ {i.message}" for i in self.items if i.ok]
        return "\n".join(lines)


class NotReady(DeskError):
    """A packet or upload kit for the platform was asked for while the 申诉前检查 still fails.

    Carries the whole checklist so the window can show it (each item with where to fix it) and the CLI
    can print it; nothing was written.
    """

    def __init__(self, readiness: Readiness, what: str = "申诉材料") -> None:
        problems = "；".join(i.message for i in readiness.problems)
        super().__init__(f"{what}还不能交给平台：{problems}")
        self.readiness = readiness
        self.what = what


def check(
    case: CaseData,
    appeal: str,
    *,
    present_kinds: set[str],
    required: tuple[str, ...],
    weight_verdict: str | None,
    preflight_problems: tuple[str, ...] = (),
    unmasked_phones: tuple[tuple[str, str, tuple[str, ...]], ...] = (),
) -> Readiness:
    """Every rule for one case and appeal kind (a key; "" when none is set).

    `present_kinds`/`required` are evidence kinds in words (as playbooks name them); `weight_verdict` is the
    desk's own weight check verdict name (desk.orders.model.Verdict), None when there is none;
    `unmasked_phones` names pictures that would still show phone numbers ((file name, kind words, numbers
    as masked), desk.services.redaction.RedactionService.unmasked).
    """
    items: list[ReadinessItem] = []
    items.append(
        ReadinessItem("appeal_kind", True, f"申诉类型：{appeal_kind_label(appeal)}", "field:appeal_type")
        if appeal
        else ReadinessItem(
            "appeal_kind", False, "还没有选申诉类型（维权申诉 · 货款申诉、运费申诉 …）", "field:appeal_type"
        )
    )
    statement = case.description.strip()
    if len(statement) < MIN_STATEMENT:
        items.append(
            ReadinessItem(
                "statement",
                False,
                "问题描述还没写（或太短）：平台按它判断，请写清事实和诉求"
                if not statement
                else f"问题描述只有 {len(statement)} 个字，请写清事实和诉求",
                "field:description",
            )
        )
    else:
        items.append(
            ReadinessItem("statement", True, f"问题描述已写（{len(statement)} 字）", "field:description")
        )
    gaps = PLACEHOLDER.findall(statement)
    items.append(
        ReadinessItem(
            "placeholders",
            False,
            f"问题描述里还有待补的内容：{'、'.join(dict.fromkeys(gaps))}",
            "field:description",
        )
        if gaps
        else ReadinessItem("placeholders", True, "问题描述里没有待补的【缺：…】", "field:description")
    )
    missing = [k for k in required if k not in present_kinds]
    if missing:
        items += [ReadinessItem("evidence", False, f"缺少必需证据：{k}", f"evidence:{k}") for k in missing]
    elif required:
        items.append(ReadinessItem("evidence", True, "必需证据都有：" + "、".join(required), "evidence:"))
    claim = CLAIM_FIELDS.get(appeal)
    if claim is not None:
        field, words = claim
        amount = getattr(case, field)
        items.append(
            ReadinessItem("amount", True, f"{words}：¥{amount:.2f}", f"field:{field}")
            if amount is not None and amount > 0
            else ReadinessItem("amount", False, f"{appeal_kind_label(appeal)}要写明{words}", f"field:{field}")
        )
    if case.case_type == CaseType.MISSING_ITEM and appeal == "goods" and weight_verdict is not None:
        # A goods appeal of a 漏发少件 case argues nothing was missing; the desk's own scales must agree.
        if weight_verdict == "SHORT":
            items.append(
                ReadinessItem(
                    "weights",
                    False,
                    "称重核对显示疑似少发，与“发货无误”的申诉相矛盾：先核对重量，或改走补发/退款",
                    "weights",
                )
            )
        elif weight_verdict == "MATCH":
            items.append(ReadinessItem("weights", True, "称重核对：重量相符，与申诉一致", "weights"))
    items += [ReadinessItem("limits", False, p, "upload_kit") for p in preflight_problems]
    # A phone number the operator un-blacked goes to the platform as it is: say so, every time.
    items += [
        ReadinessItem(
            "phones",
            False,
            f"图片“{mask_phones(name)}”里的电话号码 {'、'.join(numbers)} 没有遮挡，会原样交给平台"
            "（建议的遮挡已被移除）",
            f"evidence:{kind}",
            warning=True,
        )
        for name, kind, numbers in unmasked_phones
    ]
    return Readiness(appeal, tuple(items))


def verdict_name(check_result: Any) -> str | None:
    """The weight check's verdict as its name, None when there is nothing to conclude."""
    try:
        verdict = check_result.verdict
    except (AttributeError, DeskError):
        return None
    name = getattr(verdict, "name", None)
    return None if name in (None, "NO_READINGS", "NO_REFERENCE") else str(name)
