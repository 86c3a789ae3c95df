"""The weight check: what the parcel should weigh, what it did weigh, and the conclusion in words.

Expected weight = Σ quantity × unit weight of the order's items + packaging (the largest default
packaging among the items' products, else the desk's default). The shipped weight is the earliest
weighing of the parcel (仓库称重, else 快递揽收, 上车, 下车). Allowed difference = scale precision +
a percentage of the reference (both settings). Without an expected weight, the 复称 (a duplicate
parcel packed and weighed again) is the reference. A difference lighter than allowed is explained,
when it can be, as a whole number of pieces of one item (or of two items together).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import product as cartesian

from desk.domain import CaseId, EvidenceId
from desk.orders.model import (
    SHIPPING_KINDS,
    ExpectedLine,
    Tolerance,
    Verdict,
    WeightCheck,
    WeightComparison,
    WeightKind,
    grams_text,
    signed_grams,
)

MAX_PIECES_IN_PAIR = 4
MAX_LINES_FOR_PAIRS = 8


@dataclass(frozen=True, slots=True)
class Reading:
    """A weight to compare: a weight record, or the weight written on a weight evidence picture."""

    kind: WeightKind
    grams: int
    evidence_id: EvidenceId | None = None
    evidence_name: str = ""
    order: int = 0  # later entries of the same kind win


@dataclass(frozen=True, slots=True)
class _Candidate:
    residual: int
    pieces: tuple[tuple[int, ExpectedLine], ...]  # (count, line)

    def words(self) -> str:
        return " + ".join(f"{n} 件 〈{line.name}〉（单件 {line.unit_weight_g} g）" for n, line in self.pieces)


def _explain_shortfall(missing_g: int, lines: Sequence[ExpectedLine], allowed_g: int) -> list[_Candidate]:
    """Whole pieces of one item (or of two items) whose weight matches the shortfall within the tolerance."""
    weighed = [ln for ln in lines if ln.unit_weight_g]
    found: list[_Candidate] = []
    for line in weighed:
        unit = line.unit_weight_g or 0
        count = max(1, min(line.quantity, round(missing_g / unit)))
        residual = abs(missing_g - count * unit)
        if residual <= allowed_g:
            found.append(_Candidate(residual, ((count, line),)))
    if not found and 2 <= len(weighed) <= MAX_LINES_FOR_PAIRS:
        for i, a in enumerate(weighed):
            for b in weighed[i + 1 :]:
                ranges = (
                    range(1, min(a.quantity, MAX_PIECES_IN_PAIR) + 1),
                    range(1, min(b.quantity, MAX_PIECES_IN_PAIR) + 1),
                )
                for na, nb in cartesian(*ranges):
                    if na + nb > MAX_PIECES_IN_PAIR:
                        continue
                    total = na * (a.unit_weight_g or 0) + nb * (b.unit_weight_g or 0)
                    residual = abs(missing_g - total)
                    if residual <= allowed_g:
                        found.append(_Candidate(residual, ((na, a), (nb, b))))
    found.sort(key=lambda c: (c.residual, sum(n for n, _ in c.pieces)))
    return found


def _latest(readings: Sequence[Reading], kind: WeightKind) -> Reading | None:
    same = [r for r in readings if r.kind == kind]
    return max(same, key=lambda r: r.order) if same else None


def evaluate(
    *,
    case_id: CaseId,
    order_no: str,
    order_found: bool,
    lines: Sequence[ExpectedLine],
    readings: Sequence[Reading],
    tolerance: Tolerance,
) -> WeightCheck:
    """The check of one case; pure (no database), so every bound can be tested directly."""
    details: list[str] = []
    missing = tuple(
        f"商品“{ln.name}”{f'（商家编码 {ln.sku_code}）' if ln.sku_code else ''}没有单件重量"
        for ln in lines
        if ln.unit_weight_g is None
    )
    packagings = [ln.packaging_g for ln in lines if ln.packaging_g is not None]
    packaging = max(packagings) if packagings else tolerance.default_packaging_g
    expected: int | None = None
    if lines and not missing:
        expected = sum(ln.subtotal_g or 0 for ln in lines) + packaging
        parts = " + ".join(f"{ln.name} {ln.unit_weight_g} g × {ln.quantity}" for ln in lines)
        details.append(f"应有重量 = {parts} + 包装 {packaging} g = {grams_text(expected)}")
        if not packagings and tolerance.default_packaging_g == 0:
            details.append("包装重量未设置，按 0 g 计算：应有重量会比实际包裹略轻")

    reweigh = _latest(readings, WeightKind.REWEIGH)
    if expected is not None:
        reference, label = expected, "应有重量"
    elif reweigh is not None:
        reference, label = reweigh.grams, "复称重量"
        details.append(f"没有可用的应有重量，以复称重量 {grams_text(reweigh.grams)} 作为参照")
    else:
        reference, label = None, ""
    allowed = tolerance.allowed(reference) if reference is not None else None
    if allowed is not None:
        details.append(f"允许误差 ±{allowed} g（{tolerance.describe()}）")

    ordered = sorted(readings, key=lambda r: (list(WeightKind).index(r.kind), r.order))
    comparisons = tuple(
        WeightComparison(
            kind=r.kind,
            grams=r.grams,
            evidence_id=r.evidence_id,
            evidence_name=r.evidence_name,
            diff_g=None if reference is None else r.grams - reference,
            within=None if reference is None or allowed is None else abs(r.grams - reference) <= allowed,
        )
        for r in ordered
    )
    for c in comparisons:
        text = f"{c.kind} {grams_text(c.grams)}"
        if c.diff_g is not None:
            text += f"，与{label}相差 {signed_grams(c.diff_g)}（{'在误差内' if c.within else '超出误差'}）"
        if c.evidence_name:
            text += f"，见证据“{c.evidence_name}”"
        details.append(text)
    if reweigh is not None and expected is not None and allowed is not None:
        diff = reweigh.grams - expected
        if abs(diff) > allowed:
            details.append(
                f"⚠ 复称 {grams_text(reweigh.grams)} 与按商品计算的应有重量相差 {signed_grams(diff)}，超出误差："
                "请核对商品单件重量和包装重量"
            )
    if not order_no:
        details.append("这条售后没有填写订单号，无法按订单商品计算应有重量")
    elif not order_found:
        details.append(f"没有找到订单 {order_no} 的导入记录：导入订单后可按商品计算应有重量")
    elif not lines:
        details.append(f"订单 {order_no} 的导入记录里没有商品明细")

    shipped = next((r for kind in SHIPPING_KINDS if (r := _latest(readings, kind)) is not None), None)

    def result(verdict: Verdict, conclusion: str) -> WeightCheck:
        return WeightCheck(
            case_id=case_id,
            order_no=order_no,
            order_found=order_found,
            lines=tuple(lines),
            packaging_g=packaging if lines else None,
            expected_g=expected,
            reference_g=reference,
            reference_label=label,
            tolerance=tolerance,
            allowed_g=allowed,
            comparisons=comparisons,
            verdict=verdict,
            conclusion=conclusion,
            details=tuple(details),
            missing_weights=missing,
        )

    if shipped is None:
        return result(Verdict.NO_READINGS, "还没有发货时的重量：请录入仓库称重或快递内网重量")
    if reference is None or allowed is None:
        return result(
            Verdict.NO_REFERENCE,
            "无法判断是否少件：缺少应有重量（请补全商品单件重量，或录入复称重量）",
        )
    shortfall = reference - shipped.grams
    if abs(shortfall) <= allowed:
        later = [
            r for kind in SHIPPING_KINDS if (r := _latest(readings, kind)) is not None and r is not shipped
        ]
        lost = [r for r in later if shipped.grams - r.grams > allowed]
        if lost:
            worst = max(lost, key=lambda r: shipped.grams - r.grams)
            return result(
                Verdict.TRANSIT_LOSS,
                f"发货重量相符；{worst.kind} {grams_text(worst.grams)} 比{shipped.kind}轻 "
                f"{shipped.grams - worst.grams} g，疑似运输途中丢件（快递责任）",
            )
        return result(Verdict.MATCH, "重量相符：未发现少件")
    if shortfall > 0:
        candidates = _explain_shortfall(shortfall, lines, allowed)
        if candidates:
            best = candidates[0]
            others = [c for c in candidates[1:] if c.residual == best.residual]
            if others:
                details.append("也可能是：" + "；".join(c.words() for c in others[:3]))
            return result(Verdict.SHORT, f"相差 {shortfall} g ≈ {best.words()}，疑似少发")
        return result(
            Verdict.UNCERTAIN,
            f"{shipped.kind}比{label}轻 {shortfall} g（超出允许误差 ±{allowed} g），"
            "但与订单中任何商品的整件重量都对不上：请核对商品单件重量和包装重量",
        )
    return result(
        Verdict.HEAVY,
        f"{shipped.kind}比{label}重 {-shortfall} g（超出允许误差 ±{allowed} g）：未发现少件，请核对包装重量或是否多发",
    )
