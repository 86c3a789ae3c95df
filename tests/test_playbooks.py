"""Playbooks: every shipped file is valid and every path through it ends in a sensible outcome."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from desk.domain import CaseType, EvidenceKind
from desk.errors import ValidationFailed
from desk.playbooks.facts import FACTS, period_known, refund_known, weight_known
from desk.playbooks.loader import (
    PLAYBOOK_DIR,
    PlaybookError,
    load_file,
    load_playbooks,
    load_scripts,
    parse_playbook,
    validate,
)
from desk.playbooks.merge import MergeChoice, merged, propose
from desk.playbooks.model import VARIABLES
from desk.playbooks.walker import all_paths, appeal_advice, fill, unfilled, walk

# A value for every variable, as a complete case would give them.
SAMPLE = {name: f"«{name}»" for name in VARIABLES} | {"订单号": "240101-123456789012345"}


@pytest.fixture(scope="module")
def playbooks():  # type: ignore[no-untyped-def]
    return load_playbooks()


def test_one_valid_playbook_per_case_type(playbooks) -> None:  # type: ignore[no-untyped-def]
    assert set(playbooks.by_case_type) == {str(t) for t in CaseType}  # playbooks are written in words
    assert playbooks.problems == ()
    scripts = set(load_scripts())
    for pb in playbooks.by_case_type.values():
        assert validate(pb, scripts) == [], pb.id


@pytest.mark.parametrize("case_type", [t.value for t in CaseType])
def test_every_path_reaches_a_consistent_outcome(playbooks, case_type: str) -> None:  # type: ignore[no-untyped-def]
    pb = playbooks.for_case_type(case_type)
    paths = all_paths(pb)
    assert {o for _, o in paths} == set(pb.outcomes), "an outcome no path reaches"
    for answers, outcome_id in paths:
        state = walk(pb, answers, auto_info=True)
        assert state.finished and state.outcome is not None
        assert state.outcome.id == outcome_id
        out = state.outcome
        if out.appeal:
            assert out.status == "申诉中" and out.resolution == "申诉"
            filled = fill(out.draft, SAMPLE)
            assert "240101-123456789012345" in filled.text and not filled.missing


def test_guide_branches_present(playbooks) -> None:  # type: ignore[no-untyped-def]
    """The remedies the guide names are each an outcome somewhere."""
    outcomes = [o for pb in playbooks.by_case_type.values() for o in pb.outcomes.values()]
    resolutions = {o.resolution for o in outcomes}
    assert {"补发", "补差价", "换货", "退货退款", "维修", "驳回", "申诉"} <= resolutions
    appeals = {(o.appeal, tuple(o.evidence_required)) for o in outcomes if o.appeal}
    assert ("freight", ("运费凭证",)) in appeals
    assert any(a == "goods" and "仓库称重图" in req and "快递内网重量图" in req for a, req in appeals)
    assert any(a == "goods" and "发货商品与面单合照" in req for a, req in appeals)
    assert any(a == "goods" and "聊天截图" in req for a, req in appeals)
    texts = " ".join(o.title + " ".join(o.actions) for o in outcomes)
    for phrase in ("快递方", "补寄单号", "运费由我们承担", "先垫付", "售后期", "退货地址"):
        assert phrase in texts, phrase


def test_missing_item_walk_damaged_package(playbooks) -> None:  # type: ignore[no-untyped-def]
    pb = playbooks.for_case_type("漏发少件")
    state = walk(pb, [0])  # the first step is information: continue
    assert state.current is not None and state.current.title.startswith("签收时外包装")
    state = walk(pb, [0, 0])
    assert state.outcome is not None and "快递方" in state.outcome.title
    assert state.outcome.resolution == "补发"
    assert [v.answer_label for v in state.visited] == ["已完成", "外包装有破损（快递途中破损）"]


def test_missing_item_weights_match_appeal(playbooks) -> None:  # type: ignore[no-untyped-def]
    pb = playbooks.for_case_type("漏发少件")
    state = walk(pb, [1, 0, 1, 2], auto_info=True)  # intact, signed by buyer, weights match, no agreement
    out = state.outcome
    assert out is not None and out.appeal == "goods"
    assert set(out.evidence_required) == {
        str(EvidenceKind.WAREHOUSE_WEIGHT),
        str(EvidenceKind.COURIER_WEIGHT),
    }
    assert any(v.node.weight_check for v in state.visited)


def test_walk_rejects_bad_answers(playbooks) -> None:  # type: ignore[no-untyped-def]
    pb = playbooks.for_case_type("不想要了")
    with pytest.raises(ValidationFailed, match="没有第 9 个回答"):
        walk(pb, [8], auto_info=True)
    with pytest.raises(ValidationFailed, match="说明步骤"):
        walk(pb, [1])
    with pytest.raises(ValidationFailed, match="多余"):
        walk(pb, [0, 0, 0, 0], auto_info=True)


def test_fill_flags_missing_variables() -> None:
    filled = fill("单号 {补发单号}，地址 {退货地址}，{订单号}", {"订单号": "X1"})
    assert filled.text == "单号 【缺：补发单号】，地址 【缺：退货地址】，X1"
    assert filled.missing == ("补发单号", "退货地址")


def test_appeal_threshold(playbooks) -> None:  # type: ignore[no-untyped-def]
    pb = playbooks.for_case_type("不想要了")
    out = pb.outcomes["freight_appeal"]
    assert appeal_advice(out, Decimal("8"), Decimal("10")).worthwhile is False
    assert "门槛" in appeal_advice(out, Decimal("8"), Decimal("10")).reason
    assert appeal_advice(out, Decimal("12"), Decimal("10")).worthwhile is True
    assert appeal_advice(pb.outcomes["buyer_pays"], Decimal("100"), None).worthwhile is False
    not_refusable = playbooks.for_case_type("恶意售后").outcomes["not_refusable"]
    assert "不允许" in appeal_advice(not_refusable, None, None).reason


def test_validation_catches_mistakes() -> None:
    scripts = set(load_scripts())
    good = (PLAYBOOK_DIR / "unwanted.toml").read_text(encoding="utf-8")
    import tomllib

    data = tomllib.loads(good)
    data["nodes"]["who_pays"]["answers"][0]["next"] = "nowhere"
    data["outcomes"]["freight_appeal"]["evidence_required"] = ["不存在的证据"]
    data["outcomes"]["buyer_pays"]["status"] = "随便"
    problems = validate(parse_playbook(data, "x.toml"), scripts)
    text = "；".join(problems)
    assert "nowhere" in text and "不存在的证据" in text and "随便" in text
    cyc = tomllib.loads(good)
    cyc["nodes"]["who_pays"]["answers"][0]["next"] = "return_rules"
    assert any("循环" in p for p in validate(parse_playbook(cyc, "y.toml"), scripts))


def test_broken_shop_playbook_reported_with_line_and_shipped_used(tmp_path: Path) -> None:
    shop = tmp_path / "playbooks"
    shop.mkdir()
    (shop / "unwanted.toml").write_text(
        'id = "unwanted"\ncase_type = "不想要了"\ntitle = [broken\n', encoding="utf-8"
    )
    result = load_playbooks(shop)
    assert result.problems and "第 3 行" in result.problems[0] and "unwanted.toml" in result.problems[0]
    assert [str(p) for p in result.broken] == [
        f"{shop / 'unwanted.toml'}:3: TOML 格式有误：Invalid value（第 10 列）"
    ]
    assert result.for_case_type("不想要了").source == "unwanted.toml"
    assert result.for_case_type("不想要了").nodes  # the shipped one, whole


def test_shop_copy_overrides_shipped(tmp_path: Path) -> None:
    shop = tmp_path / "playbooks"
    shop.mkdir()
    text = (PLAYBOOK_DIR / "unwanted.toml").read_text(encoding="utf-8")
    (shop / "unwanted.toml").write_text(
        text.replace("同意退货前，说明退货要求和地址", "本店：先发退换货须知"), encoding="utf-8"
    )
    result = load_playbooks(shop)
    assert result.problems == ()
    assert result.for_case_type("不想要了").nodes["return_rules"].title == "本店：先发退换货须知"


def test_load_file_names_the_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('id = "x"\ncase_type = "不存在"\ntitle = "t"\nstart = "a"\n', encoding="utf-8")
    with pytest.raises(PlaybookError, match=r"bad\.toml"):
        load_file(bad, set())


def test_scripts_have_titles_and_known_variables() -> None:
    import re

    for s in load_scripts().values():
        assert s.title and s.text
        assert set(re.findall(r"\{(.+?)\}", s.text)) <= set(VARIABLES), s.id
    assert "忙中出错" in load_scripts()["missing.short_confirmed"].text  # the guide's own words


def test_compensation_and_freight_scripts_use_their_own_fields() -> None:
    """A "small" compensation is the one agreed, never the refund; the freight appeal cites the return."""
    scripts = load_scripts()
    for ident in ("quality.offer_compensation", "wrong.compensate"):
        assert "{协商补偿金额}" in scripts[ident].text and "{退款金额}" not in scripts[ident].text
    freight = load_playbooks().for_case_type("不想要了").outcomes["freight_appeal"].draft
    assert "{退货单号}" in freight and "{运费金额}" in freight and "{快递单号}" not in freight


def test_shipped_questions_the_data_answers(playbooks) -> None:  # type: ignore[no-untyped-def]
    missing = playbooks.for_case_type("漏发少件").nodes
    assert missing["weight_result"].known == "weight_verdict"
    assert missing["weight_result"].answer_for("short") == 0
    assert missing["weight_result"].answer_for("match") == 1
    assert missing["weight_result"].answer_for("uncertain") is None  # left to the operator
    assert missing["negotiate"].answer_for("refunded") == 2
    warranty = playbooks.for_case_type("质量问题").nodes["warranty"]
    assert (warranty.answer_for("within"), warranty.answer_for("passed")) == (0, 1)
    known = {n.known for pb in playbooks.by_case_type.values() for n in pb.nodes.values() if n.known}
    # Every fact a shipped question names exists; 极速退款 is there for the shop's own playbooks only (the
    # guide does not say how it changes an appeal), every other fact answers a shipped question.
    assert known | {"express_refund"} == set(FACTS)
    assert "express_refund" not in known


def _copy_with(tmp_path: Path, old: str, new: str) -> Path:
    shop = tmp_path / "playbooks"
    shop.mkdir(exist_ok=True)
    text = (PLAYBOOK_DIR / "missing_item.toml").read_text(encoding="utf-8")
    assert text.count(old) == 1
    (shop / "missing_item.toml").write_text(text.replace(old, new), encoding="utf-8")
    return shop


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, ln in enumerate(path.read_text("utf-8").splitlines(), 1) if needle in ln)


@pytest.mark.parametrize(
    ("old", "new", "needle", "reason"),
    [
        (
            'known = "weight_verdict"',
            'known = "weight_feeling"',
            'known = "weight_feeling"',
            "weight_feeling",
        ),
        ('when = ["short"]', 'when = ["shortish"]', "shortish", "shortish"),
        ('when = ["match"]', 'when = ["short"]', 'when = ["short"] }', "两个回答"),
        ('scripts = ["missing.weights_match"]', 'scripts = ["missing.nope"]', "missing.nope", "missing.nope"),
        ("{订单号} 漏发少件", "{订单编号} 漏发少件", "{订单编号}", "订单编号"),
    ],
)
def test_broken_known_or_when_names_file_and_line(
    tmp_path: Path, old: str, new: str, needle: str, reason: str
) -> None:
    shop = _copy_with(tmp_path, old, new)
    path = shop / "missing_item.toml"
    result = load_playbooks(shop)
    assert result.for_case_type("漏发少件").source == "missing_item.toml"  # the shipped one is used
    assert len(result.broken) == 1
    problem = result.broken[0]
    line = _line_of(path, needle)
    assert problem.line == line and reason in problem.reason
    assert str(problem).startswith(f"{path}:{line}: ")
    assert f"第 {line} 行" in result.problems[0]


def test_when_without_known_is_refused(tmp_path: Path) -> None:
    shop = _copy_with(tmp_path, 'known = "weight_verdict"\n', "")
    problem = load_playbooks(shop).broken[0]
    assert "没有写 known" in problem.reason


def test_weight_fact_from_the_verdict() -> None:
    short = weight_known("SHORT", "相差 312 g ≈ 1 件 〈抽纸〉（单件 300 g），疑似少发")
    assert short is not None and short.value == "short"
    assert short.reason == "称重核对：相差 312 g ≈ 1 件 〈抽纸〉（单件 300 g），疑似少发"
    assert weight_known("NO_READINGS", "还没有发货时的重量") is None
    assert weight_known("NO_REFERENCE", "缺少应有重量") is None


def test_after_sales_period_from_sign_off_or_order_time() -> None:
    from datetime import UTC, datetime

    signed = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)
    late = datetime(2026, 11, 12, 2, 0, tzinfo=UTC)
    early = datetime(2026, 11, 5, 2, 0, tzinfo=UTC)
    passed = period_known(
        days=7, ordered_at=None, signed_at=signed, asked_at=late, asked_label="买家申请售后"
    )
    assert passed is not None and passed.value == "passed"
    assert (
        "签收 2026-11-01 02:00 起 7 天，到 2026-11-08 02:00" in passed.reason
        and "已过售后期" in passed.reason
    )
    within = period_known(days=7, ordered_at=None, signed_at=signed, asked_at=early, asked_label="登记售后")
    assert within is not None and within.value == "within"
    # No sign-off time: the order time proves "within" (sign-off is later), never "passed".
    by_order = period_known(days=7, ordered_at=signed, signed_at=None, asked_at=early, asked_label="登记售后")
    assert by_order is not None and by_order.value == "within"
    assert period_known(days=7, ordered_at=signed, signed_at=None, asked_at=late, asked_label="x") is None
    assert period_known(days=None, ordered_at=None, signed_at=signed, asked_at=late, asked_label="x") is None


def test_refund_fact() -> None:
    paid = refund_known(refund_paid=Decimal("29.90"), status_refunded=False, platform_status="")
    assert paid is not None and paid.value == "refunded" and "¥29.90" in paid.reason
    by_platform = refund_known(refund_paid=None, status_refunded=False, platform_status="退款成功")
    assert by_platform is not None and by_platform.value == "refunded"
    closed = refund_known(refund_paid=None, status_refunded=False, platform_status="退款关闭")
    assert closed is not None and closed.value == "not_refunded"
    assert refund_known(refund_paid=None, status_refunded=False, platform_status="待商家处理") is None
    assert refund_known(refund_paid=Decimal("0"), status_refunded=False, platform_status="") is None


def test_merge_proposal_and_choices() -> None:
    mine = "买家说少了一包抽纸。照片见聊天。"
    draft = "买家反馈漏发少件。照片见聊天。恳请平台支持。"
    proposal = propose(mine, draft)
    kinds = [(p.kind, p.text) for p in proposal.diff]
    assert ("removed", "买家说少了一包抽纸。") in kinds and ("same", "照片见聊天。") in kinds
    assert ("added", "恳请平台支持。") in kinds
    assert proposal.default == MergeChoice.KEEP  # the operator wrote something: nothing is lost unasked
    assert propose("", draft).default == MergeChoice.REPLACE
    assert merged(mine, draft, MergeChoice.KEEP) == mine
    assert merged(mine, draft, MergeChoice.REPLACE) == draft
    appended = merged(mine, draft, MergeChoice.APPEND)
    assert appended == f"{mine}\n\n{draft}"
    assert merged(appended, draft, MergeChoice.APPEND) == appended  # appending twice changes nothing
    gaps = propose("", "经核实：【缺：重量结论】。")
    assert gaps.missing == ("重量结论",) and gaps.default == MergeChoice.KEEP
    assert unfilled("单号 【缺：补发单号】，【缺：补发单号】") == ("补发单号",)


def test_evidence_steps_declare_what_completes_them(playbooks) -> None:  # type: ignore[no-untyped-def]
    pb = playbooks.for_case_type("漏发少件")
    weights = ("仓库称重图", "快递内网重量图")
    assert pb.nodes["ask_photos"].done_when == weights and pb.nodes["reweigh"].done_when == weights
    assert not pb.nodes["damaged"].done_when  # a question is never passed over by evidence


def test_done_when_is_validated() -> None:
    scripts = set(load_scripts())
    import tomllib

    data = tomllib.loads((PLAYBOOK_DIR / "missing_item.toml").read_text(encoding="utf-8"))
    data["nodes"]["reweigh"]["done_when"] = ["不存在的证据"]
    data["nodes"]["damaged"]["done_when"] = ["仓库称重图"]
    text = "；".join(validate(parse_playbook(data, "x.toml"), scripts))
    assert "不存在的证据" in text and "done_when 只用于说明步骤" in text


def test_data_decides_is_validated(playbooks) -> None:  # type: ignore[no-untyped-def]
    """Only a question whose every answer the data stands for may be answered without asking."""
    import tomllib

    assert playbooks.for_case_type("漏发少件").nodes["weight_result"].data_decides
    assert not playbooks.for_case_type("漏发少件").nodes["negotiate"].data_decides  # 店铺决定补发 is a choice
    scripts = set(load_scripts())
    data = tomllib.loads((PLAYBOOK_DIR / "missing_item.toml").read_text(encoding="utf-8"))
    assert not validate(parse_playbook(data, "x.toml"), scripts)
    data["nodes"]["negotiate"]["data_decides"] = True  # one answer without `when`
    data["nodes"]["reweigh"]["data_decides"] = True  # an information step
    data["nodes"]["damaged"]["data_decides"] = True  # no `known`
    text = "；".join(validate(parse_playbook(data, "x.toml"), scripts))
    assert "有回答没写 when" in text and "data_decides 只用于问题" in text and "没有写 known" in text
