"""Facts of a case that answer a playbook's questions before the operator does.

A question names its fact (`known = "weight_verdict"`) and each answer the fact's values it stands for
(`when = ["short"]`). These functions are pure: the wizard service reads the case, its order, its weight
check and its platform profile, and these turn what they say into a value and the reason shown beside the
question ("称重核对：相差 312 g ≈ 1 件 …，疑似少发"). A fact the data does not settle is None: the question
is simply asked.

运费险 and 极速退款 are what the operator recorded on the case (运费险 / 极速退款: 有, 没有, 未知): no export the
desk imports says them. 未知 leaves the question to the operator.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from desk.labels import flag_text, local_time


@dataclass(frozen=True, slots=True)
class FactSpec:
    """A fact a playbook question may name, with the values its answers may stand for."""

    key: str
    label: str
    values: dict[str, str]  # value key → words


FACTS: dict[str, FactSpec] = {
    spec.key: spec
    for spec in (
        FactSpec(
            "weight_verdict",
            "称重核对",
            {
                "short": "疑似少发",
                "match": "重量相符",
                "heavy": "重量偏重",
                "transit_loss": "运输途中减重",
                "uncertain": "差值对不上商品",
            },
        ),
        FactSpec("after_sales_period", "售后期", {"within": "在售后期内", "passed": "已过售后期"}),
        FactSpec("refund", "退款", {"refunded": "已退款", "not_refunded": "售后已关闭，没有退款"}),
        FactSpec("repeat_buyer", "买家售后记录", {"repeat": "近期多次售后", "first": "近期第一次售后"}),
        FactSpec("freight_insurance", "运费险", {"yes": "买家有运费险", "no": "买家没有运费险"}),
        FactSpec("express_refund", "极速退款", {"yes": "平台已极速退款", "no": "不是极速退款"}),
    )
}

# The weight check's verdicts (desk.orders.model.Verdict, by name) that settle the fact; the others
# (no readings, no expected weight) leave the question to the operator.
_VERDICTS = {
    "SHORT": "short",
    "MATCH": "match",
    "HEAVY": "heavy",
    "TRANSIT_LOSS": "transit_loss",
    "UNCERTAIN": "uncertain",
}
# The platform's after-sales statuses (售后状态 of its export) that say whether the buyer got the money.
REFUNDED_STATUSES = frozenset({"退款成功"})
NOT_REFUNDED_STATUSES = frozenset({"退款关闭"})


@dataclass(frozen=True, slots=True)
class Known:
    """What the case's data says: a fact's value and why, in the operator's words."""

    fact: str
    value: str
    reason: str

    @property
    def label(self) -> str:
        return FACTS[self.fact].label

    @property
    def value_words(self) -> str:
        return FACTS[self.fact].values.get(self.value, self.value)


def weight_known(verdict: str, conclusion: str) -> Known | None:
    """The weight check's verdict (a Verdict name) and its conclusion in words."""
    value = _VERDICTS.get(verdict)
    if value is None:
        return None
    return Known("weight_verdict", value, f"称重核对：{conclusion}")


def period_known(
    *,
    days: int | None,
    ordered_at: datetime | None,
    signed_at: datetime | None,
    asked_at: datetime,
    asked_label: str,
) -> Known | None:
    """Whether the buyer asked within the after-sales period, which runs `days` from the sign-off.

    Without a sign-off time the order time still settles one side: a request made less than `days` after
    the order is within the period whenever the parcel was signed for (that is always later).
    """
    if days is None:
        return None
    period = timedelta(days=days)
    asked = f"{asked_label} {local_time(asked_at)}"
    if signed_at is not None:
        end = signed_at + period
        within = asked_at <= end
        verdict = "在售后期内" if within else "已过售后期"
        return Known(
            "after_sales_period",
            "within" if within else "passed",
            f"售后期：签收 {local_time(signed_at)} 起 {days} 天，到 {local_time(end)}；{asked}，{verdict}",
        )
    if ordered_at is not None and asked_at <= ordered_at + period:
        return Known(
            "after_sales_period",
            "within",
            f"售后期：从下单 {local_time(ordered_at)} 算起也不到 {days} 天（签收只会更晚）；{asked}，在售后期内",
        )
    return None


def refund_known(*, refund_paid: Decimal | None, status_refunded: bool, platform_status: str) -> Known | None:
    """Whether the buyer got the refund: the amount refunded, the desk's status, the platform's status."""
    if refund_paid is not None and refund_paid > 0:
        return Known("refund", "refunded", f"退款：已记录实退金额 ¥{refund_paid:.2f}")
    if platform_status in REFUNDED_STATUSES:
        return Known("refund", "refunded", f"退款：平台售后状态为“{platform_status}”")
    if status_refunded:
        return Known("refund", "refunded", "退款：售后状态为“已退款”")
    if platform_status in NOT_REFUNDED_STATUSES:
        return Known("refund", "not_refunded", f"退款：平台售后状态为“{platform_status}”，没有退款")
    return None


def flags_known(*, freight_insurance: bool | None, express_refund: bool | None) -> list[Known]:
    """The yes/no facts the operator recorded on the case (None: not known, so not a fact)."""
    out = []
    for fact, value in (("freight_insurance", freight_insurance), ("express_refund", express_refund)):
        if value is not None:
            key = "yes" if value else "no"
            words = flag_text(value)
            out.append(Known(fact, key, f"{FACTS[fact].label}：售后记录填写为“{words}”"))
    return out


def repeat_buyer_known(*, count: int, wins: int, window_days: int) -> Known | None:
    """The buyer's after-sales in the window up to this case (desk.services.buyers.BuyerHistory): two or
    more is a repeat claimer. A buyer the desk cannot recognise (no usable nickname, id, phone or address:
    count 0) leaves the question to the operator."""
    if count <= 0:
        return None
    if count == 1:
        return Known("repeat_buyer", "first", f"买家售后记录：该买家 {window_days} 天内第 1 次售后")
    return Known(
        "repeat_buyer",
        "repeat",
        f"买家售后记录：该买家 {window_days} 天内第 {count} 次售后（申诉成功 {wins} 次）",
    )
