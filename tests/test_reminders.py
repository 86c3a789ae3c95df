"""Deadline reminders in the core, on a controlled clock: lead times, no repeats, a changed deadline,
quiet hours, the record kept across restarts, and the settings that drive them."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desk.domain import CaseDraft, CaseId, CaseStatus
from desk.errors import DeskError
from desk.profile import Profile
from desk.reminders import GIVEN_FILE, MAX_SLEEP, DueCase, GivenRecord, plan, wake_delay
from desk.settings import (
    ReminderSettings,
    load_reminder_settings,
    load_settings,
    reminder_settings_from,
    save_reminder_settings,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning, UTC (quiet hours are read in UTC here)
DEFAULT = ReminderSettings()


def case(due: datetime, cid: int = 1, label: str = "240301-555") -> DueCase:
    return DueCase(CaseId(cid), due, label)


class Clock:
    """The reminders as the window drives them: plan at each wake, record what was given."""

    def __init__(self, settings: ReminderSettings = DEFAULT, folder: Path | None = None) -> None:
        self.settings = settings
        self.record = GivenRecord.load(folder) if folder else None
        self.given: frozenset[tuple[int, str, int]] = self.record.keys if self.record else frozenset()

    def at(self, now: datetime, cases: list[DueCase], *, opening: bool = False) -> list[str]:
        p = plan(cases, self.settings, self.given, now, opening=opening, tz=UTC)
        self.given |= p.given
        if self.record:
            self.record.add(p.given, now)
        return [r.text for r in p.reminders] + ([f"汇总 {len(p.summary)}"] if p.summary else [])


def test_reminds_at_four_hours_and_at_one_hour_and_never_twice() -> None:
    due = T0 + timedelta(hours=5)
    clock = Clock()
    assert clock.at(T0, [case(due)]) == []
    assert clock.at(T0 + timedelta(hours=1), [case(due)]) == ["售后 240301-555 4 小时后超时"]
    assert clock.at(T0 + timedelta(hours=1, minutes=1), [case(due)]) == []  # no repeat
    assert clock.at(T0 + timedelta(hours=3, minutes=59), [case(due)]) == []
    assert clock.at(T0 + timedelta(hours=4), [case(due)]) == ["售后 240301-555 1 小时后超时"]
    assert clock.at(T0 + timedelta(hours=4, minutes=30), [case(due)]) == []
    assert clock.at(due + timedelta(minutes=1), [case(due)]) == []  # past: nothing more


def test_a_deadline_close_when_first_seen_reminds_once_with_the_time_left() -> None:
    clock = Clock()
    due = T0 + timedelta(minutes=30)
    assert clock.at(T0, [case(due)]) == ["售后 240301-555 30 分后超时"]
    assert clock.at(T0 + timedelta(minutes=5), [case(due)]) == []


def test_a_changed_deadline_reminds_again() -> None:
    clock = Clock()
    first = T0 + timedelta(minutes=50)
    assert clock.at(T0, [case(first)]) == ["售后 240301-555 50 分后超时"]
    moved = first + timedelta(hours=2)  # the platform gave more time
    assert clock.at(T0 + timedelta(minutes=1), [case(moved)]) == ["售后 240301-555 2 小时 49 分后超时"]
    assert clock.at(T0 + timedelta(minutes=2), [case(moved)]) == []


def test_the_next_wake_is_the_next_lead_time_and_sleep_is_capped_at_a_minute() -> None:
    due = T0 + timedelta(hours=6)
    p = plan([case(due)], DEFAULT, frozenset(), T0, tz=UTC)
    assert p.next_wake == due - timedelta(hours=4)
    assert wake_delay(p.next_wake, T0) == MAX_SLEEP == timedelta(seconds=60)
    assert wake_delay(T0 + timedelta(seconds=20), T0) == timedelta(seconds=20)
    assert wake_delay(None, T0) == MAX_SLEEP


def test_reminders_off_gives_nothing() -> None:
    off = ReminderSettings(enabled=False)
    assert Clock(off).at(T0, [case(T0 + timedelta(minutes=10))]) == []


def test_quiet_hours_hold_reminders_and_give_one_summary_when_they_end() -> None:
    quiet = ReminderSettings(quiet_start="22:00", quiet_end="08:00")
    night = datetime(2026, 3, 2, 23, 0, tzinfo=UTC)
    cases = [case(night + timedelta(hours=3), 1, "A"), case(night + timedelta(hours=5), 2, "B")]
    clock = Clock(quiet)
    p = plan(cases, quiet, frozenset(), night, tz=UTC)
    assert p.quiet and not p.reminders and not p.summary
    assert p.next_wake == datetime(2026, 3, 3, 8, 0, tzinfo=UTC)  # wakes when quiet hours end
    assert clock.at(night + timedelta(hours=2), cases) == []  # still quiet
    opened = plan(cases, quiet, frozenset(), night, opening=True, tz=UTC)
    assert [r.label for r in opened.summary] == ["A"]  # opening the desk at night still shows what is due
    morning = datetime(2026, 3, 3, 8, 0, 30, tzinfo=UTC)
    late = [case(morning + timedelta(hours=3), 1, "A"), case(morning + timedelta(hours=2), 2, "B")]
    summary = plan(late, quiet, clock.given, morning, tz=UTC)
    assert not summary.reminders
    assert [r.label for r in summary.summary] == ["B", "A"]  # nearest first, in one notice
    clock.given |= summary.given
    assert clock.at(morning + timedelta(minutes=1), late) == []  # and never again


def test_a_reminder_due_after_quiet_hours_comes_on_its_own() -> None:
    quiet = ReminderSettings(quiet_start="12:00", quiet_end="13:00")
    clock = Clock(quiet)
    assert clock.at(T0, [case(T0 + timedelta(hours=6))]) == []
    # 4 h before is 11:00: before lunch, so it comes by itself
    two = T0 + timedelta(hours=2)
    assert clock.at(two, [case(T0 + timedelta(hours=6))]) == ["售后 240301-555 4 小时后超时"]


def test_opening_the_desk_gives_one_summary_instead_of_a_notice_per_case() -> None:
    cases = [case(T0 + timedelta(minutes=20 + i), i) for i in range(1, 6)]
    clock = Clock()
    assert clock.at(T0, cases, opening=True) == ["汇总 5"]
    assert clock.at(T0 + timedelta(seconds=60), cases) == []


def test_reminders_given_are_kept_across_a_restart_and_past_deadlines_are_dropped(tmp_path: Path) -> None:
    due = T0 + timedelta(minutes=40)
    old = T0 + timedelta(minutes=5)
    first = Clock(folder=tmp_path)
    assert first.at(T0, [case(due, 1), case(old, 2)]) == [
        "售后 240301-555 5 分后超时",
        "售后 240301-555 40 分后超时",
    ]
    again = Clock(folder=tmp_path)  # the desk restarted
    assert again.at(T0 + timedelta(minutes=1), [case(due, 1)]) == []
    again.at(T0 + timedelta(minutes=10), [])  # case 2's deadline is past now: its entry goes
    stored = (tmp_path / GIVEN_FILE).read_text(encoding="utf-8")
    assert due.isoformat() in stored and old.isoformat() not in stored


def test_a_damaged_record_starts_afresh_with_a_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / GIVEN_FILE).write_text('{"given": [[1, "not a time", 60]', encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="desk.reminders"):
        clock = Clock(folder=tmp_path)
    assert "starting afresh" in caplog.text
    assert clock.at(T0, [case(T0 + timedelta(minutes=30))]) == ["售后 240301-555 30 分后超时"]
    assert GivenRecord.load(tmp_path).keys  # written anew, readable


def test_the_service_lists_running_cases_due_soon_and_counts_the_overdue(desk: object) -> None:
    from desk.app import Desk

    assert isinstance(desk, Desk)
    now = datetime.now(UTC).replace(microsecond=0)
    soon, _ = desk.cases.create(CaseDraft(order_no="O-SOON", due_at=now + timedelta(hours=2)))
    desk.cases.create(CaseDraft(order_no="O-LATER", due_at=now + timedelta(hours=30)))
    closed, _ = desk.cases.create(CaseDraft(order_no="O-CLOSED", due_at=now + timedelta(hours=1)))
    desk.cases.update(closed.id, expected_version=closed.version, status=CaseStatus.NEGOTIATING)
    closed = desk.cases.get(closed.id)
    desk.cases.update(closed.id, expected_version=closed.version, status=CaseStatus.CLOSED)
    trashed, _ = desk.cases.create(CaseDraft(after_sales_no="AS-1", due_at=now + timedelta(hours=1)))
    desk.cases.trash([trashed.id])
    due = desk.reminders.due_within(timedelta(hours=4), now=now)
    assert [(d.case_id, d.label) for d in due] == [(soon.id, "O-SOON")]
    assert desk.reminders.overdue_count(now=now) == 0
    assert desk.reminders.overdue_count(now=now + timedelta(hours=3)) == 1


# -- settings ------------------------------------------------------------------------------------------


def test_settings_default_to_four_hours_and_one_hour_no_quiet_hours(tmp_path: Path) -> None:
    rs = load_reminder_settings(Profile(tmp_path))
    assert rs == ReminderSettings(enabled=True, leads_minutes=(240, 60), quiet_start="", quiet_end="")
    assert not rs.has_quiet_hours and not rs.keep_in_tray


def test_settings_are_saved_beside_the_other_tables_and_read_back(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text("[backup]\nkeep_daily = 3\n", encoding="utf-8")
    wanted = ReminderSettings(
        leads_minutes=(30, 120), quiet_start="22:00", quiet_end="7:30", keep_in_tray=True
    )
    save_reminder_settings(Profile(tmp_path), wanted)
    save_reminder_settings(Profile(tmp_path), wanted)  # again: one table, not two
    back = load_reminder_settings(Profile(tmp_path))
    assert back.leads_minutes == (120, 30) and back.quiet_end == "07:30" and back.keep_in_tray
    assert load_settings(Profile(tmp_path)).backup.keep_daily == 3
    assert (tmp_path / "settings.toml").read_text(encoding="utf-8").count("[reminders]") == 1


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ({"lead_minutes": "60"}, "整数分钟的列表"),
        ({"lead_minutes": [0]}, "1 分钟到 7 天"),
        ({"lead_minutes": []}, "至少填写一个"),
        ({"quiet_start": "25:00", "quiet_end": "08:00"}, "24 小时制"),
        ({"quiet_start": "22:00"}, "同时填写"),
        ({"enabled": "yes"}, "true 或 false"),
        ({"lead": [60]}, "不认识"),
    ],
)
def test_bad_settings_are_refused_in_plain_words(table: dict[str, object], words: str) -> None:
    with pytest.raises(DeskError, match=words):
        reminder_settings_from(table)


def test_a_bad_value_in_the_file_is_named_and_never_stops_the_desk_settings(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text("[reminders]\nlead_minutes = [-5]\n", encoding="utf-8")
    with pytest.raises(DeskError, match="-5 分钟"):
        load_reminder_settings(Profile(tmp_path))
    assert load_settings(Profile(tmp_path)).backup.daily  # the rest of the desk reads its settings


@pytest.mark.sqlite_only  # about SQLite's own choice of index
def test_the_reminders_questions_read_an_index_range_not_every_live_case(desk: object) -> None:
    """The reminders' two questions run at start-up and at every wake, on the read worker the case list
    shares: each reads one range of ix_cases_running_due. Without that index SQLite took the trash index
    and read every live case (~75 ms over 100,000 cases), and a scroll asking for rows then waited."""
    from sqlalchemy import event

    from desk.app import Desk

    assert isinstance(desk, Desk)
    now = datetime.now(UTC).replace(microsecond=0)
    for hours in (-30, -2, 1, 3, 50):
        desk.cases.create(CaseDraft(order_no=f"O{hours}", due_at=now + timedelta(hours=hours)))
    seen: list[tuple[str, object]] = []

    def record(_conn: object, _cursor: object, statement: str, parameters: object, *_: object) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "due_at" in statement:
            seen.append((statement, parameters))

    event.listen(desk.engine, "before_cursor_execute", record)
    try:
        assert len(desk.reminders.due_within(timedelta(hours=4), now=now)) == 2
        assert desk.reminders.overdue_count(now=now) == 2
    finally:
        event.remove(desk.engine, "before_cursor_execute", record)
    assert len(seen) == 2
    with desk.engine.connect() as con:
        for statement, parameters in seen:
            plan = " / ".join(
                row[3] for row in con.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            )  # type: ignore[arg-type]
            assert "ix_cases_running_due" in plan and "due_at>" in plan, plan
