"""今日 in the core: which cases each of its queues holds (overdue, due within 4 hours, due today, waiting
for the buyer's return, waiting for the platform's decision, reships to send), and their counts."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from desk.domain import AppealResult, CaseDraft, CaseFilter, CaseStatus, DueFilter, Resolution
from desk.services.cases import COUNTED_QUEUES, end_of_local_day

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)  # 10:00 in China


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def utc_day() -> Iterator[None]:
    """The operator's day is the UTC day here (the suite runs with TZ=UTC; made sure of, not assumed)."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if old is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = old
    time.tzset()


@pytest.fixture
def day(desk: Any, utc_day: None) -> tuple[Any, Clock, dict[str, int]]:
    """One case of every kind the 今日 queues tell apart, at 02:00 UTC (the day ends in 22 hours)."""
    clock = Clock()
    desk.cases._now = clock
    made: dict[str, int] = {}

    def add(name: str, **fields: Any) -> int:
        case, _ = desk.cases.create(CaseDraft(order_no=f"261128-{name}", **fields))
        made[name] = case.id
        return case.id

    add("late", due_at=NOW - timedelta(hours=1), status=CaseStatus.NEGOTIATING)
    add("in_2h", due_at=NOW + timedelta(hours=2))
    add("in_10h", due_at=NOW + timedelta(hours=10))
    add("tomorrow", due_at=NOW + timedelta(hours=23))  # 01:00 tomorrow: within 24 h, not today
    add("returning", due_at=NOW + timedelta(hours=1), status=CaseStatus.WAITING_RETURN)  # clock held
    add("closed_late", due_at=NOW - timedelta(hours=1), status=CaseStatus.CLOSED)
    add("submitted", status=CaseStatus.APPEAL_SUBMITTED)
    pending = add("appealing_pending", status=CaseStatus.APPEALING)
    desk.outcomes.record_appeal(pending, submitted_at=NOW - timedelta(days=1))
    lost = add("lost", status=CaseStatus.APPEAL_LOST)
    desk.outcomes.record_appeal(
        lost,
        result=AppealResult.REJECTED,
        submitted_at=NOW - timedelta(days=3),
        decided_at=NOW - timedelta(days=1),
    )
    closed_pending = add("closed_pending", status=CaseStatus.CLOSED)
    desk.outcomes.record_appeal(closed_pending, submitted_at=NOW - timedelta(days=2))
    add("reship", resolution=Resolution.RESHIP)
    add("reshipped", resolution=Resolution.RESHIP, reship_tracking_no="SF1234567890")
    add("reship_closed", resolution=Resolution.RESHIP, status=CaseStatus.CLOSED)
    trashed = add("trashed_late", due_at=NOW - timedelta(hours=2))
    desk.cases.trash([trashed])
    return desk, clock, made


def names(made: dict[str, int], ids: list[Any]) -> list[str]:
    by_id = {v: k for k, v in made.items()}
    return [by_id[i] for i in ids]


def listed(desk: Any, made: dict[str, int], **kw: Any) -> list[str]:
    return names(made, desk.cases.list_ids(CaseFilter(sort="due_at", descending=False, **kw)))


def test_each_queue_holds_what_its_name_says(day: tuple[Any, Clock, dict[str, int]]) -> None:
    desk, _clock, made = day
    assert listed(desk, made, due=DueFilter.OVERDUE) == ["late"]  # closed and trashed cases are done
    assert listed(desk, made, due=DueFilter.URGENT) == ["in_2h"]  # the held clock of a return does not run
    assert listed(desk, made, due=DueFilter.TODAY) == ["in_2h", "in_10h"]  # deadline order
    assert listed(desk, made, statuses=(CaseStatus.WAITING_RETURN,)) == ["returning"]
    assert sorted(listed(desk, made, due=DueFilter.AWAITING_PLATFORM)) == ["appealing_pending", "submitted"]
    assert listed(desk, made, due=DueFilter.TO_RESHIP) == ["reship"]


def test_counts_match_the_lists_in_one_query(day: tuple[Any, Clock, dict[str, int]]) -> None:
    desk, _clock, made = day
    counts = desk.cases.counts()
    assert set(counts) == set(COUNTED_QUEUES)
    for key, flt in COUNTED_QUEUES.items():
        assert counts[key] == len(desk.cases.list_ids(flt)), key
    assert (counts["overdue"], counts["urgent"], counts["today"]) == (1, 1, 2)
    assert (counts["waiting_return"], counts["awaiting_platform"], counts["to_reship"]) == (1, 2, 1)
    assert (counts["all"], counts["trash"]) == (len(made) - 1, 1)


def test_queues_follow_the_clock_and_the_operators_work(day: tuple[Any, Clock, dict[str, int]]) -> None:
    desk, clock, made = day
    clock.now = NOW + timedelta(hours=3)  # 05:00: the 2-hour case is late now, the 10-hour one is urgent
    assert listed(desk, made, due=DueFilter.OVERDUE) == ["late", "in_2h"]
    assert listed(desk, made, due=DueFilter.URGENT) == []
    assert listed(desk, made, due=DueFilter.TODAY) == ["in_10h"]
    clock.now = NOW + timedelta(hours=22, minutes=30)  # 00:30 the next day: 01:00 is today now
    assert listed(desk, made, due=DueFilter.TODAY) == ["tomorrow"]
    desk.cases.update(made["reship"], reship_tracking_no="YT9876543210")  # the reship went out
    desk.cases.update(made["submitted"], status=CaseStatus.APPEAL_WON)  # the platform decided
    counts = desk.cases.counts()
    assert (counts["to_reship"], counts["awaiting_platform"]) == (0, 1)


def test_the_day_ends_at_local_midnight(utc_day: None) -> None:
    assert end_of_local_day(NOW) == datetime(2026, 11, 29, tzinfo=UTC)
    os.environ["TZ"] = "Asia/Shanghai"
    time.tzset()
    assert end_of_local_day(NOW) == datetime(2026, 11, 28, 16, 0, tzinfo=UTC)  # 24:00 in China
    assert end_of_local_day(NOW + timedelta(hours=15)) == datetime(2026, 11, 29, 16, 0, tzinfo=UTC)
