"""今日 before the desk is open: desk/quick.py counts the queues and lists the start queue with the standard
library's sqlite3, from SQL generated out of CaseService's own statements (desk/quick_sql.py). The window
paints it first; the services take over without anything changing on screen — so the two must agree."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from desk import quick_sql, quick_sql_gen
from desk.domain import (
    COUNTED_QUEUES,
    SORT_KEYS,
    AppealResult,
    CaseDraft,
    CaseFilter,
    CaseStatus,
    CaseType,
    Platform,
    Resolution,
    start_queue,
)
from desk.quick import QuickCases

# The quick reader reads the profile's own SQLite file: a shared database is opened the normal way.
pytestmark = pytest.mark.sqlite_only

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


def test_the_start_up_sql_is_generated_from_the_services_statements() -> None:
    """A change to a queue's conditions or a sort without `python -m desk.quick_sql_gen` would make
    the first paint disagree with the list the desk then shows."""
    assert quick_sql_gen.TARGET.read_text(encoding="utf-8") == quick_sql_gen.render()
    assert set(quick_sql.COUNT_KEYS) == set(COUNTED_QUEUES)
    assert set(quick_sql.QUEUE_WHERE) == {k for k, f in COUNTED_QUEUES.items() if not f.trash}
    for name in ("now", "urgent_end", "soon_end", "day_end"):
        assert f":{name}" in quick_sql.COUNTS_SQL


def _fill(desk: Any, seed: int) -> None:
    """Cases of every kind the queues tell apart, with deadlines around the edges of each window."""
    rnd = random.Random(seed)
    desk.cases._now = lambda: NOW
    edges = [timedelta(hours=h) for h in (-30, -1, 0, 1, 3.99, 4, 4.01, 10, 21.99, 22, 23, 24, 24.01, 50)]
    made = []
    for i in range(60):
        due = (
            None
            if rnd.random() < 0.15
            else NOW + rnd.choice(edges) + timedelta(seconds=rnd.choice((-1, 0, 1)))
        )
        resolution = rnd.choice(list(Resolution))
        case, _ = desk.cases.create(
            CaseDraft(
                order_no=f"2611{seed}{i:04d}",
                platform=rnd.choice(list(Platform)),
                case_type=rnd.choice(list(CaseType)),
                status=rnd.choice(list(CaseStatus)),
                due_at=due,
                resolution=resolution,
                reship_tracking_no=rnd.choice(("", "SF1234567890"))
                if resolution is Resolution.RESHIP
                else "",
                buyer_nick=rnd.choice(("", "小王", "tb_88")),
                tracking_no=rnd.choice(("", f"YT{i:08d}")),
            )
        )
        made.append(case.id)
        if rnd.random() < 0.2:
            result = rnd.choice(list(AppealResult))
            desk.outcomes.record_appeal(
                case.id,
                result=result,
                submitted_at=NOW - timedelta(days=2),
                decided_at=None if result is AppealResult.PENDING else NOW - timedelta(days=1),
            )
    desk.cases.trash(rnd.sample(made, 6))


@pytest.mark.parametrize("seed", range(3))
def test_the_quick_reader_counts_and_lists_every_queue_as_the_services_do(desk: Any, seed: int) -> None:
    _fill(desk, seed)
    quick = QuickCases.open(desk.profile.database, clock=lambda: NOW)
    assert quick is not None
    try:
        counts = desk.cases.counts(now=NOW)
        assert quick.counts() == counts
        assert counts["overdue"] and counts["trash"] == 6  # the data reaches the edges it is made for
        for key, queue in COUNTED_QUEUES.items():
            if queue.trash:
                continue
            for sort in SORT_KEYS:
                if sort == "shop":
                    continue
                for descending in (False, True):
                    flt = replace(queue, sort=sort, descending=descending)
                    assert quick.query(flt).ids == desk.cases.query(flt, now=NOW).ids, (key, sort, descending)
        # Anything else waits for the desk: a search, a filter of the bar, the trash.
        assert quick.query(CaseFilter(search="小王")).ids == []
        assert quick.query(CaseFilter(case_types=(CaseType.QUALITY,))).ids == []
        assert quick.query(CaseFilter(trash=True)).ids == []
    finally:
        quick.close()


def test_the_start_queue_is_read_ahead_and_handed_over_once(desk: Any) -> None:
    _fill(desk, 7)
    quick = QuickCases.open(desk.profile.database, clock=lambda: NOW)
    assert quick is not None
    try:
        counts = quick.counts()
        assert counts is not None
        key = start_queue(counts)
        assert key == "overdue"
        flt = replace(COUNTED_QUEUES[key], sort="due_at", descending=False)
        expected = desk.cases.query(flt, now=NOW).ids
        assert quick._ready == (flt, expected)
        assert quick.query(flt).ids == expected
        assert quick._ready is None  # later reads are fresh ones
        desk.cases.trash(expected[:1])
        assert quick.query(flt).ids == expected[1:]
    finally:
        quick.close()


def test_a_database_it_cannot_count_leaves_the_quick_list_without_counts(desk: Any, tmp_path: Any) -> None:
    """A cases table that lacks a column the queues need: no counts (the window shows 全部), no exception."""
    import sqlite3

    db = tmp_path / "old.sqlite3"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE cases (id INTEGER PRIMARY KEY, deleted_at, due_at, resolution, updated_at)")
    con.execute("CREATE TABLE alembic_version (version_num)")
    source = sqlite3.connect(desk.profile.database)
    for (rev,) in source.execute("SELECT version_num FROM alembic_version"):
        con.execute("INSERT INTO alembic_version VALUES (?)", (rev,))
    source.close()
    con.commit()
    con.close()
    quick = QuickCases.open(db)
    assert quick is not None
    try:
        assert quick.counts() is None
        assert quick.query(CaseFilter()).ids == []
    finally:
        quick.close()
