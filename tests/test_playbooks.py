"""Playbooks: every shipped file is valid and every path through it ends in a sensible outcome."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from desk.domain import CaseType, EvidenceKind
from desk.errors import ValidationFailed
from desk.playbooks.loader import (
    PLAYBOOK_DIR,
    PlaybookError,
    load_file,
    load_playbooks,
    load_scripts,
    parse_playbook,
    validate,
)
from desk.playbooks.walker import all_paths, appeal_advice, fill, walk


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
            filled = fill(
                out.draft, {"订单号": "240101-123456789012345", "快递单号": "YT1", "重量结论": "重量相符"}
            )
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
    assert result.problems and "line 3" in result.problems[0] and "unwanted.toml" in result.problems[0]
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
    known = {
        "买家",
        "订单号",
        "售后单号",
        "快递单号",
        "快递公司",
        "补发单号",
        "店铺",
        "退货地址",
        "退换货须知",
        "重量结论",
        "退款金额",
    }
    import re

    for s in load_scripts().values():
        assert s.title and s.text
        assert set(re.findall(r"\{(.+?)\}", s.text)) <= known, s.id
    assert "忙中出错" in load_scripts()["missing.short_confirmed"].text  # the guide's own words
