"""The wizard through the core API: every path per case type, timeline, checklist, apply, drafts, scripts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from desk.domain import CaseDraft, CaseType, EventKind, EvidenceKind, Platform
from desk.errors import DeskError, NotFound, ValidationFailed
from desk.playbooks.walker import all_paths

REPO = Path(__file__).resolve().parents[1]


def make_case(desk, case_type: CaseType = CaseType.MISSING_ITEM, **kw):  # type: ignore[no-untyped-def]
    shop, _ = desk.shops.create(f"店{case_type.value}", Platform.PDD)
    case, _ = desk.cases.create(
        CaseDraft(
            case_type=case_type,
            shop_id=shop.id,
            order_no="240101-123456789012345",
            tracking_no="YT7512049386021",
            courier="圆通速递",
            refund_amount=Decimal("29.90"),
            **kw,
        )
    )
    return case


@pytest.mark.parametrize("case_type", list(CaseType))
def test_every_path_through_the_service(desk, case_type: CaseType) -> None:  # type: ignore[no-untyped-def]
    case = make_case(desk, case_type)
    pb = desk.wizard.playbooks.for_case_type(case_type.value)
    for answers, outcome_id in all_paths(pb):
        view, _ = desk.wizard.run_answers(case.id, list(answers))
        assert view.state.outcome is not None and view.state.outcome.id == outcome_id
        if view.state.outcome.appeal:
            assert view.draft is not None and "240101-123456789012345" in view.draft.text
            assert {c.kind for c in view.checklist if c.required} == set(view.state.outcome.evidence_required)


def test_answers_recorded_on_timeline_and_resumable(desk) -> None:  # type: ignore[no-untyped-def]
    case = make_case(desk)
    view = desk.wizard.view(case.id)
    assert view.step.title.startswith("先让买家拍照")
    desk.wizard.answer(case.id, 0)
    view, changes = desk.wizard.answer(case.id, 1)  # package intact
    assert case.id in changes.cases
    steps = [e.words().line() for e in desk.cases.timeline(case.id) if e.kind == EventKind.WIZARD]
    assert "处理流程：签收时外包装是否有破损？ → 外包装完好" in steps
    # A new wizard (e.g. after restarting the app) resumes where the case was left.
    again = desk.wizard.view(case.id)
    assert again.choices == (0, 1) and again.step.title == "是否为买家本人签收？"
    view, _ = desk.wizard.back(case.id)
    assert view.step.title.startswith("签收时外包装")


def test_checklist_ticks_from_gallery_and_apply_sets_status(desk) -> None:  # type: ignore[no-untyped-def]
    from tests.test_evidence_store import jpeg_bytes

    case = make_case(desk)
    view, _ = desk.wizard.run_answers(case.id, [1, 0, 1, 2])  # weights match, no agreement → appeal
    assert view.missing_required == ("仓库称重图", "快递内网重量图")
    desk.evidence.import_bytes(case.id, jpeg_bytes(), "称重.jpg", kind=EvidenceKind.WAREHOUSE_WEIGHT)
    view = desk.wizard.view(case.id)
    assert view.missing_required == ("快递内网重量图",)
    assert view.weight_conclusion  # the weight step shows the weight check's words
    view, _ = desk.wizard.apply_outcome(case.id)
    after = desk.cases.get(case.id)
    assert str(after.status) == "申诉中"
    assert str(getattr(after, "resolution", "申诉")) == "申诉"
    assert view.applied


def test_apply_before_the_end_is_refused(desk) -> None:  # type: ignore[no-untyped-def]
    case = make_case(desk)
    with pytest.raises(DeskError, match="还没有走到结果"):
        desk.wizard.apply_outcome(case.id)
    with pytest.raises(ValidationFailed):
        desk.wizard.answer(case.id, 5)


def test_appeal_threshold_says_not_worthwhile(desk, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    case = make_case(desk, CaseType.UNWANTED)
    monkeypatch.setattr(desk.wizard, "_threshold", lambda _case: Decimal("50"))
    view, _ = desk.wizard.run_answers(case.id, [1, 1])  # no insurance, buyer refuses → freight appeal
    assert view.state.outcome is not None and view.state.outcome.appeal == "freight"
    assert view.advice is not None and not view.advice.worthwhile and "门槛" in view.advice.reason


def test_scripts_fill_flag_and_edit(desk) -> None:  # type: ignore[no-untyped-def]
    case = make_case(desk, buyer_nick="小雨点")
    filled = desk.scripts.fill_for_case("common.reship_notice", case.id)
    assert "圆通速递" in filled.text and filled.missing == ("补发单号",)
    desk.scripts.save("common.thanks", title="感谢", text="谢谢{买家}！", category="通用")
    assert desk.scripts.fill_for_case("common.thanks", case.id).text == "谢谢小雨点！"
    assert desk.scripts.is_modified("common.thanks")
    desk.scripts.restore_default("common.thanks")
    assert "祝您生活愉快" in desk.scripts.get("common.thanks").text
    desk.scripts.save("本店.催退货", title="催退货", text="请尽快寄回", category="本店")
    assert [s.id for s in desk.scripts.list(search="催退货")] == ["本店.催退货"]
    with pytest.raises(ValidationFailed):
        desk.scripts.save("bad id!", title="x", text="y")
    with pytest.raises(NotFound):
        desk.scripts.restore_default("nope")


def test_cli_wizard_answers_and_apply(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    profile = tmp_path / "p"

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "desk", "--profile", str(profile), *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=REPO,
            input=stdin,
            timeout=120,
        )

    assert run("demo").returncode == 0
    cases = json.loads(run("cases", "--json").stdout)
    unwanted = next(c for c in cases if c["case_type"] == "不想要了")
    out = run("wizard", str(unwanted["id"]), "--answers", "2,2", "--apply", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["outcome"] == "freight_appeal" and data["applied"]
    assert "运费凭证" in [e["kind"] for e in data["evidence"] if e["required"]]
    assert unwanted["order_no"] in data["draft"]
    shown = json.loads(run("cases", "--json").stdout)
    assert next(c for c in shown if c["id"] == unwanted["id"])["status"] == "申诉中"
    # Interactive: Enter passes the information step, then two answers.
    inter = run("wizard", str(unwanted["id"]), stdin="\n2\n1\n")
    assert inter.returncode == 0, inter.stderr
    assert "买家自付运费" in inter.stdout
    bad = run("wizard", str(unwanted["id"]), "--answers", "9")
    assert bad.returncode == 1 and "没有第 9 个回答" in bad.stderr
    listed = run("scripts", "list", "--search", "忙中出错")
    assert "核实少件" in listed.stdout
