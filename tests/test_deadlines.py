"""Deadlines: the platform's spellings become an absolute time; waiting statuses hold the clock; queues."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from desk.deadlines import describe_due, parse_due
from desk.domain import CaseDraft, CaseFilter, CaseStatus, DueFilter
from desk.errors import ValidationFailed

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)  # 10:00 in China
CHINA = timezone(timedelta(hours=8))


@pytest.mark.parametrize(
    ("text", "left"),
    [
        ("剩余 23 小时 15 分", timedelta(hours=23, minutes=15)),
        ("剩余23小时15分钟", timedelta(hours=23, minutes=15)),
        ("剩余1天2小时", timedelta(days=1, hours=2)),
        ("剩余 1 天 2 小时 3 分", timedelta(days=1, hours=2, minutes=3)),
        ("剩余２３小时１５分", timedelta(hours=23, minutes=15)),  # full-width digits
        ("剩余１天２小时", timedelta(days=1, hours=2)),
        ("还剩 45 分钟", timedelta(minutes=45)),
        ("剩余两天", timedelta(days=2)),
        ("剩余一天三小时", timedelta(days=1, hours=3)),
        ("剩余十二小时", timedelta(hours=12)),
        ("剩余半小时", timedelta(minutes=30)),
        ("剩余 23:15:02", timedelta(hours=23, minutes=15, seconds=2)),
        ("剩余时间：2天", timedelta(days=2)),
        ("倒计时 5小时", timedelta(hours=5)),
        ("剩余 2日3时", timedelta(days=2, hours=3)),
        ("48h", timedelta(hours=48)),
        ("2d 3h", timedelta(days=2, hours=3)),
        ("3 小时", timedelta(hours=3)),
        ("１天", timedelta(days=1)),
    ],
)
def test_countdowns(text: str, left: timedelta) -> None:
    assert parse_due(text, now=NOW, tz=CHINA) == NOW + left


@pytest.mark.parametrize(
    ("text", "local"),
    [
        ("2026-11-29 18:00", datetime(2026, 11, 29, 18, 0)),
        ("2026/11/29 18:00:30", datetime(2026, 11, 29, 18, 0, 30)),
        ("2026-11-29T18:00", datetime(2026, 11, 29, 18, 0)),
        ("２０２６－１１－２９　１８：００", datetime(2026, 11, 29, 18, 0)),
        ("11-29 18:00", datetime(2026, 11, 29, 18, 0)),
        ("11月29日 18:00", datetime(2026, 11, 29, 18, 0)),
        ("11月29日18时30分", datetime(2026, 11, 29, 18, 30)),
        ("2026年11月29日 9点", datetime(2026, 11, 29, 9, 0)),
        ("明天 18:00", datetime(2026, 11, 29, 18, 0)),
        ("后天9:30", datetime(2026, 11, 30, 9, 30)),
        ("18:00", datetime(2026, 11, 28, 18, 0)),  # today, still ahead
        ("09:00", datetime(2026, 11, 29, 9, 0)),  # already past today: tomorrow
        ("2026-11-30", datetime(2026, 11, 30, 23, 59)),  # a day: its end
        ("1月3日", datetime(2027, 1, 3, 23, 59)),  # typed in November: next January
    ],
)
def test_absolute_times_are_local(text: str, local: datetime) -> None:
    assert parse_due(text, now=NOW, tz=CHINA) == local.replace(tzinfo=CHINA).astimezone(UTC)


@pytest.mark.parametrize(
    "text", ["abc", "剩余", "剩余 23:75", "25:00", "13月1日", "2026-02-30", "剩余 400 天", "18时"]
)
def test_unreadable_deadline_is_refused_with_examples(text: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        parse_due(text, now=NOW, tz=CHINA)
    assert text.strip() in info.value.message


def test_empty_means_no_deadline() -> None:
    assert parse_due("", now=NOW) is None and parse_due("   ", now=NOW) is None


def test_remaining_is_described_like_the_platform() -> None:
    due = NOW + timedelta(hours=23, minutes=15)
    assert describe_due(due, now=NOW) == "剩余 23 小时 15 分"
    assert describe_due(NOW - timedelta(hours=2), now=NOW) == "已超时 2 小时"
    assert describe_due(due, now=NOW + timedelta(days=5), paused_at=NOW) == "已暂停（剩余 23 小时 15 分）"
    assert describe_due(None) == ""


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clocked(desk):  # type: ignore[no-untyped-def]
    clock = Clock()
    desk.cases._now = clock
    return desk, clock


def test_stored_as_absolute_time_from_the_platform_text(clocked) -> None:  # type: ignore[no-untyped-def]
    desk, clock = clocked
    case, _ = desk.cases.create(CaseDraft(order_no="261120-1"))
    case, _ = desk.cases.update(case.id, due_at="剩余 23 小时 15 分")
    assert case.due_at == NOW + timedelta(hours=23, minutes=15)
    clock.now += timedelta(hours=3)
    assert desk.cases.get(case.id).due_at == NOW + timedelta(
        hours=23, minutes=15
    )  # absolute: it does not move
    entry = [e for e in desk.cases.timeline(case.id) if e.field == "due_at"][-1]
    assert entry.old == "" and entry.new  # recorded as a change


def test_waiting_status_holds_the_clock_and_resumes_it(clocked) -> None:  # type: ignore[no-untyped-def]
    desk, clock = clocked
    case, _ = desk.cases.create(CaseDraft(due_at=NOW + timedelta(hours=10)))
    case, _ = desk.cases.update(case.id, status=CaseStatus.WAITING_COURIER)
    assert case.due_paused_at == NOW
    clock.now = NOW + timedelta(hours=30)  # the courier took 30 hours to answer
    assert desk.cases.list_ids(CaseFilter(due=DueFilter.OVERDUE)) == []  # paused: not overdue
    assert desk.cases.list_ids(CaseFilter(due=DueFilter.PAUSED)) == [case.id]
    case, _ = desk.cases.update(case.id, status=CaseStatus.NEGOTIATING)
    assert case.due_paused_at is None
    assert case.due_at == NOW + timedelta(hours=40)  # the 10 hours left are left again
    said = [e.words().line() for e in desk.cases.timeline(case.id) if e.field in ("due_at", "due_paused_at")]
    assert "暂停计时：“等待快递回复”期间截止时间暂停计时" in said
    assert "修改截止时间：" in said[-2] and said[-2].endswith("（恢复计时，顺延 1 天 6 小时）")
    assert said[-1] == "恢复计时"


def test_a_platform_can_keep_its_clock_running(clocked, tmp_path) -> None:  # type: ignore[no-untyped-def]
    desk, _clock = clocked
    from dataclasses import replace

    pdd = desk.platforms.get("pdd")
    desk.platforms.save_user_copy(replace(pdd, pause_when_waiting=False))
    case, _ = desk.cases.create(CaseDraft(due_at=NOW + timedelta(hours=10)))
    case, _ = desk.cases.update(case.id, status=CaseStatus.WAITING_RETURN)
    assert case.due_paused_at is None


def test_due_queues(clocked) -> None:  # type: ignore[no-untyped-def]
    desk, clock = clocked
    soon, _ = desk.cases.create(CaseDraft(due_at=NOW + timedelta(hours=5)))
    later, _ = desk.cases.create(CaseDraft(due_at=NOW + timedelta(days=3)))
    late, _ = desk.cases.create(CaseDraft(due_at=NOW - timedelta(minutes=1)))
    closed, _ = desk.cases.create(CaseDraft(due_at=NOW - timedelta(hours=1), status=CaseStatus.CLOSED))
    without, _ = desk.cases.create(CaseDraft())
    assert desk.cases.list_ids(CaseFilter(due=DueFilter.SOON)) == [soon.id]
    assert desk.cases.list_ids(CaseFilter(due=DueFilter.OVERDUE)) == [late.id]  # a closed case is done
    assert desk.cases.list_ids(CaseFilter(due=DueFilter.NO_DUE)) == [without.id]
    counts = desk.cases.counts()
    assert (counts["soon"], counts["overdue"], counts["all"]) == (1, 1, 5)
    clock.now = NOW + timedelta(hours=6)
    assert set(desk.cases.list_ids(CaseFilter(due=DueFilter.OVERDUE))) == {soon.id, late.id}
    assert desk.cases.list_ids(CaseFilter(due=DueFilter.SOON)) == []
    by_due = desk.cases.list_ids(CaseFilter(sort="due_at", descending=False))
    assert by_due[:4] == [closed.id, late.id, soon.id, later.id]  # earliest first, no deadline last
