"""A profile made by the previous release (labels in its columns, words in its timeline, platform facts in
its notes) opens after migration 0010 with every case, label and timeline entry intact.

The fixture was made with the tree at 3f90c74 by tests/data/profiles/make_previous_profile.py, which also
wrote what that release showed the operator (expected.json): the test compares against those words.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from desk.app import open_desk
from desk.domain import CaseFilter, CaseStatus
from desk.labels import appeal_kind_label
from desk.orders.parse import CHINA

pytestmark = pytest.mark.sqlite_only  # the fixture is a SQLite file of the previous release

FIXTURE = Path(__file__).parent / "data" / "profiles" / "v0009"
EXPECTED = json.loads((FIXTURE / "expected.json").read_text("utf-8"))
PLATFORM_LINE = "【平台售后】"
# Entries that were notes in that release and have kinds of their own now.
RETITLED = {"备注": {"处理流程", "记录重量"}}


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("previous") / "profile"
    root.mkdir()
    shutil.copy2(FIXTURE / "desk.sqlite3", root / "desk.sqlite3")
    desk = open_desk(root)
    yield root, desk
    desk.close()


def _tokens(text: str) -> set[str]:
    return {t for t in re.split(r"[（）；，｜：“”→\s]+", text) if t and t != "SHA-256"}


def test_a_backup_is_made_before_the_upgrade(migrated) -> None:  # type: ignore[no-untyped-def]
    root, _ = migrated
    backups = list((root / "backups").glob("before-upgrade-0009_undo_log-*.deskbackup"))
    assert len(backups) == 1 and backups[0].stat().st_size > 0


def test_every_case_reads_as_it_did(migrated) -> None:  # type: ignore[no-untyped-def]
    _, desk = migrated
    ids = desk.cases.list_ids(CaseFilter()) + desk.cases.list_ids(CaseFilter(trash=True))
    assert sorted(map(str, ids)) == sorted(EXPECTED["cases"])
    for cid, before in EXPECTED["cases"].items():
        case = desk.cases.get(int(cid))
        assert (str(case.platform), str(case.case_type), str(case.status), str(case.resolution)) == (
            before["platform"],
            before["case_type"],
            before["status"],
            before["resolution"],
        ), cid
        assert (appeal_kind_label(case.appeal_type) if case.appeal_type else "") == before["appeal_type"]
        assert (case.order_no, case.after_sales_no, case.description) == (
            before["order_no"],
            before["after_sales_no"],
            before["description"],
        )
        assert (case.deleted_at is not None) == before["trashed"]
        assert [str(e.kind) for e in desk.evidence.list(case.id)] == before["evidence_kinds"]
        # The operator's own lines stay; the platform's line became facts.
        own = [ln for ln in before["notes"].splitlines() if not ln.startswith(PLATFORM_LINE)]
        assert case.notes.splitlines() == own
        line = next((ln for ln in before["notes"].splitlines() if ln.startswith(PLATFORM_LINE)), "")
        if "售后状态：" in line:
            assert f"售后状态：{case.facts.platform_status}" in line
            assert case.facts.applied_at is not None
            shown = case.facts.applied_at.astimezone(CHINA)
            assert f"申请时间：{shown:%Y-%m-%d %H:%M}" in line
        if "退货运单号：" in line:
            assert f"退货运单号：{case.facts.return_tracking_no}" in line


def test_the_platform_facts_moved_out_of_the_notes(migrated) -> None:  # type: ignore[no-untyped-def]
    _, desk = migrated
    with_line = [c for c, b in EXPECTED["cases"].items() if PLATFORM_LINE in b["notes"]]
    assert with_line, "the fixture must hold a case with the after-sales line"
    for cid in with_line:
        assert PLATFORM_LINE not in desk.cases.get(int(cid)).notes
        assert desk.cases.get(int(cid)).facts.platform_status


def test_every_timeline_entry_is_intact(migrated) -> None:  # type: ignore[no-untyped-def]
    _, desk = migrated
    shops = {int(s.id): s.name for s in desk.shops.list()}
    checked = 0
    for cid, before in EXPECTED["cases"].items():
        timeline = desk.cases.timeline(int(cid))
        assert len(timeline) == len(before["timeline_window"]), cid
        for event, (old_title, old_text) in zip(timeline, before["timeline_window"], strict=True):
            words = event.words(shops)
            assert words.title == old_title or words.title in RETITLED.get(old_title, ()), (old_title, words)
            # Every word the operator read is still there (the title may now carry what the text said).
            missing = _tokens(old_text) - _tokens(words.line())
            assert not missing, (cid, old_text, words.line(), missing)
            checked += 1
    assert checked > 60


def test_the_database_keeps_keys(migrated) -> None:  # type: ignore[no-untyped-def]
    root, _ = migrated
    con = sqlite3.connect(root / "desk.sqlite3")
    try:
        statuses = {r[0] for r in con.execute("SELECT status FROM cases")}
        assert statuses <= {s.value for s in CaseStatus}
        old_new = con.execute("SELECT old, new FROM events WHERE field = 'status'").fetchall()
        assert old_new and all(v in {s.value for s in CaseStatus} for pair in old_new for v in pair)
        views = [json.loads(r[0]) for r in con.execute("SELECT filter_json FROM saved_views")]
        assert any(v.get("statuses") == ["OPEN", "NEGOTIATING"] for v in views)
        packet_kinds = {r[0] for r in con.execute("SELECT kind FROM packets")}
        assert packet_kinds == {"goods", ""}
        words = [r[0] for r in con.execute("SELECT detail FROM events WHERE kind != 'note' AND detail != ''")]
        assert not [w for w in words if "SHA-256" in w or "新建售后" in w]
    finally:
        con.close()


def test_saved_views_still_filter(migrated) -> None:  # type: ignore[no-untyped-def]
    _, desk = migrated
    views = {v.name: v.filter for v in desk.views.list()}
    for name, before in EXPECTED["views"].items():
        flt = views[name]
        assert [str(s) for s in flt.statuses] == before["statuses"]
        assert [str(t) for t in flt.case_types] == before["case_types"]
        assert [str(p) for p in flt.platforms] == before["platforms"]
