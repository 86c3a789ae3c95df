"""Deadline reminders, without Qt: which reminders are due now, which wait for quiet hours to end, and
when to look again.

A reminder is keyed (case, deadline, lead): the same deadline never reminds twice at one lead, and a
changed deadline is a new key, so it reminds again. The keys already given are kept in the profile folder
(`reminders.json`, replaced atomically) so a restart does not repeat them; keys of deadlines already
past are dropped. The window (ui/reminders.py) asks `plan()` at each wake and sets its timer to
`wake_delay()`, never more than a minute, so a changed clock or a case edited elsewhere is noticed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta, tzinfo
from pathlib import Path

from desk.domain import CaseId
from desk.fileops import write_text_atomically
from desk.labels import describe_delta
from desk.settings import ReminderSettings

log = logging.getLogger(__name__)

GIVEN_FILE = "reminders.json"
# The longest the window sleeps between two looks: a clock change or a case edit is noticed within it.
MAX_SLEEP = timedelta(seconds=60)

ReminderKey = tuple[int, str, int]  # (case id, deadline as ISO UTC, lead in minutes)


@dataclass(frozen=True, slots=True)
class DueCase:
    """A live, running case with a deadline (desk.services.reminders): what a reminder is about."""

    case_id: CaseId
    due_at: datetime  # aware UTC
    label: str  # the number the operator looks for on the platform (order no., else 售后 no.)


@dataclass(frozen=True, slots=True)
class Reminder:
    case_id: CaseId
    due_at: datetime
    label: str
    lead_minutes: int  # the lead time that brought it (the shortest one already reached)
    left: timedelta  # time left when it is given

    @property
    def text(self) -> str:
        if self.left <= timedelta(0):
            return f"售后 {self.label} 已超时"
        return f"售后 {self.label} {describe_delta(self.left)}后超时"


@dataclass(frozen=True, slots=True)
class Plan:
    """What to show now and when to look again.

    reminders: one notification each.
    summary: reminders held by quiet hours (or found when the desk opens), to show as one notice.
    given: every key now given (including lead times passed over by a shorter one); to be recorded.
    next_wake: when something next falls due (None: nothing known; look again within MAX_SLEEP anyway).
    quiet: quiet hours now: nothing is given until they end.
    """

    reminders: tuple[Reminder, ...] = ()
    summary: tuple[Reminder, ...] = ()
    given: frozenset[ReminderKey] = frozenset()
    next_wake: datetime | None = None
    quiet: bool = False


def key_of(case_id: int, due_at: datetime, lead_minutes: int) -> ReminderKey:
    return (int(case_id), due_at.astimezone(UTC).isoformat(), int(lead_minutes))


# -- quiet hours --------------------------------------------------------------------------------------


def _hm(text: str) -> time:
    hour, minute = text.split(":")
    return time(int(hour), int(minute))


def _quiet_span(now: datetime, settings: ReminderSettings, tz: tzinfo | None) -> tuple[datetime, datetime]:
    """The quiet span that contains `now`, or else the last one that ended before it (start, end; UTC)."""
    local = now.astimezone(tz)
    start_t, end_t = _hm(settings.quiet_start), _hm(settings.quiet_end)
    for back in range(0, 3):
        day = (local - timedelta(days=back)).date()
        start = datetime.combine(day, start_t, tzinfo=local.tzinfo)
        end = datetime.combine(day, end_t, tzinfo=local.tzinfo)
        if end <= start:  # overnight: ends the next morning
            end += timedelta(days=1)
        if start <= local:
            return start.astimezone(UTC), end.astimezone(UTC)
    raise AssertionError("a quiet span starts every day")  # pragma: no cover


def in_quiet_hours(now: datetime, settings: ReminderSettings, tz: tzinfo | None = None) -> bool:
    if not settings.has_quiet_hours:
        return False
    start, end = _quiet_span(now, settings, tz)
    return start <= now < end


# -- the plan -----------------------------------------------------------------------------------------


def plan(
    cases: Iterable[DueCase],
    settings: ReminderSettings,
    given: frozenset[ReminderKey],
    now: datetime,
    *,
    opening: bool = False,
    tz: tzinfo | None = None,
) -> Plan:
    """The reminders due at `now` and the next time to look.

    For each case, the lead times already reached and not yet given make one reminder (with the shortest
    of them: a deadline 30 minutes away reminds once, not once for 4 h and once for 1 h). In quiet hours
    nothing is given but the summary when the desk opens. Reminders whose moment fell in the quiet hours
    that just ended come as one summary; so do all of them when the desk opens (`opening`), which keeps
    the start to one notice.
    tz: the zone quiet hours are in (None: this computer's).
    """
    if not settings.enabled or not settings.leads_minutes:
        return Plan()
    # The operator who opens the desk in quiet hours is at work: the opening summary still comes.
    quiet = in_quiet_hours(now, settings, tz) and not opening
    quiet_start = quiet_end = None
    if settings.has_quiet_hours:
        quiet_start, quiet_end = _quiet_span(now, settings, tz)
    due_now: list[tuple[Reminder, datetime]] = []
    keys: set[ReminderKey] = set()
    upcoming: list[datetime] = []
    for case in cases:
        if case.due_at <= now:
            continue  # already overdue: the list shows it; a lead reminder would come too late
        reached = [m for m in settings.leads_minutes if case.due_at - timedelta(minutes=m) <= now]
        fresh = [m for m in reached if key_of(case.case_id, case.due_at, m) not in given]
        later = [case.due_at - timedelta(minutes=m) for m in settings.leads_minutes if m not in reached]
        upcoming += later
        if not fresh:
            continue
        lead = min(reached)
        if key_of(case.case_id, case.due_at, lead) in given:
            # The shortest lead reached was given already; a longer one left over (the settings gained
            # a lead) would only repeat it.
            keys.update(key_of(case.case_id, case.due_at, m) for m in fresh)
            continue
        moment = case.due_at - timedelta(minutes=lead)
        reminder = Reminder(case.case_id, case.due_at, case.label, lead, case.due_at - now)
        due_now.append((reminder, moment))
        keys.update(key_of(case.case_id, case.due_at, m) for m in reached)
    if quiet:
        assert quiet_end is not None
        held = bool(due_now)
        moments = [max(t, quiet_end) for t in upcoming] + ([quiet_end] if held else [])
        return Plan(next_wake=min(moments) if moments else None, quiet=True)
    singles: list[Reminder] = []
    summary: list[Reminder] = []
    for reminder, moment in sorted(due_now, key=lambda rm: rm[0].due_at):
        held = quiet_start is not None and quiet_end is not None and quiet_start <= moment < quiet_end
        (summary if opening or held else singles).append(reminder)
    if len(summary) == 1 and not opening:
        singles, summary = sorted([*singles, *summary], key=lambda r: r.due_at), []
    wake = min(upcoming) if upcoming else None
    if wake is not None and quiet_start is not None and quiet_end is not None:
        # The next quiet span may begin before that moment: then it comes when that span ends.
        next_start, next_end = quiet_start + timedelta(days=1), quiet_end + timedelta(days=1)
        if next_start <= wake < next_end:
            wake = next_end
    return Plan(tuple(singles), tuple(summary), frozenset(keys), wake)


def wake_delay(next_wake: datetime | None, now: datetime) -> timedelta:
    """How long to sleep: until next_wake, but never more than MAX_SLEEP nor less than a second."""
    if next_wake is None:
        return MAX_SLEEP
    return min(MAX_SLEEP, max(timedelta(seconds=1), next_wake - now))


def summary_text(reminders: Sequence[Reminder], overdue: int = 0) -> str:
    """One line for the status bar: what is due soon (and how many are overdue)."""
    parts = []
    if overdue:
        parts.append(f"已超时 {overdue} 件")
    if reminders:
        parts.append(f"即将超时 {len(reminders)} 件（最近：{reminders[0].text}）")
    return "；".join(parts) if parts else "没有即将超时的售后"


# -- reminders given, kept across restarts -------------------------------------------------------------


@dataclass
class GivenRecord:
    """The keys of reminders already given, in `<profile>/reminders.json`.

    A damaged or unreadable file is logged and started afresh (at worst a reminder comes once more);
    it never stops the desk."""

    path: Path
    keys: frozenset[ReminderKey] = field(default=frozenset())

    @classmethod
    def load(cls, folder: Path) -> GivenRecord:
        path = folder / GIVEN_FILE
        record = cls(path)
        if not path.exists():
            return record
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            rows = data["given"]
            keys = frozenset((int(c), str(d), int(m)) for c, d, m in rows)
            for _c, due, _m in keys:
                datetime.fromisoformat(due)
        except (OSError, UnicodeDecodeError, ValueError, TypeError, KeyError) as exc:
            log.warning("reminders given so far could not be read from %s (%s); starting afresh", path, exc)
            return record
        record.keys = keys
        return record

    def add(self, keys: Iterable[ReminderKey], now: datetime) -> None:
        """Record keys and drop those of deadlines already past; written at once (atomically)."""
        merged = self.keys | frozenset(keys)
        kept = frozenset(k for k in merged if datetime.fromisoformat(k[1]) > now)
        if kept == self.keys:
            return
        self.keys = kept
        text = json.dumps({"version": 1, "given": sorted([list(k) for k in kept])}, ensure_ascii=False)
        try:
            write_text_atomically(self.path, text + "\n")
        except OSError as exc:
            # Reminders still work for this run; after a restart some may come once more.
            log.warning("could not record reminders given in %s: %s", self.path, exc)
