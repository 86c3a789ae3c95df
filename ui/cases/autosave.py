"""The case form's autosave as plain Python: which edits are not saved yet, when a save is due, what
to send, and what to do when a save returns or fails. No widgets and no timers here: the form feeds it
events (the operator edited, the pause is over, a save came back) and does what each answer says, so
every rule can be tested without a window.

One save runs at a time. Edits made while it runs stay pending and go in the next one; a refused save
keeps the edits (and waits for the next edit instead of retrying in a loop); someone else's save of the
same case stops autosaving until the operator reloads; a change made elsewhere is shown only when the
form holds no edits, so reloading never throws the operator's typing away.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, Generic, TypeVar

from desk.errors import DeskError, EditConflict
from desk.settings import write_text_atomically

K = TypeVar("K")  # the case id
Then = Callable[[], None]


@dataclass(frozen=True, slots=True)
class Batch(Generic[K]):
    """One save to run: create a case (case_id None) or update the fields that changed."""

    case_id: K | None
    version: int | None  # the version the form loaded; the service refuses if the case moved on
    fields: Mapping[str, Any]  # what to send: every savable field for a new case, else only changes
    values: Mapping[str, Any]  # every savable field as the form showed it: what is stored once done
    explicit: bool  # the operator asked (保存): a refusal is reported in a message box


class Do(enum.Enum):
    """What the form does next."""

    NOTHING = "nothing"
    SEND = "send"  # run `step.batch`
    RUN_THEN = "run_then"  # nothing (more) to save: run `step.then` now
    ASK_RELOAD = "ask_reload"  # the case was saved elsewhere: only a reload can go on
    REPORT_INVALID = "report_invalid"  # only fields that cannot be saved as typed changed: say why
    START_TIMER = "start_timer"  # edits came in while saving: save them after the usual pause


@dataclass(frozen=True, slots=True)
class Step(Generic[K]):
    do: Do
    batch: Batch[K] | None = None
    then: tuple[Then, ...] = ()


class Failed(enum.Enum):
    """How a failed save is reported."""

    CONFLICT = "conflict"  # someone else saved the case: ask to reload; autosave waits until then
    REFUSED = "refused"  # the service refused an autosave: said in the form; waits for the next edit
    REFUSED_ASKED = "refused_asked"  # refused while the operator waited for it: a message box too
    BROKEN = "broken"  # not a refusal (a bug, a lost disk): a message box; tried again after the pause


@dataclass(frozen=True, slots=True)
class Failure:
    kind: Failed
    message: str
    unsaved: Mapping[str, Any]  # the edits still not saved: all kept in the form


class Elsewhere(enum.Enum):
    """What to do when the case shown was changed somewhere else (another window, an undo)."""

    IGNORE = "ignore"  # our own save runs: what it returns is what the form shows next
    KEEP_EDITS = "keep_edits"  # the form holds edits: keep them, refresh only what is safe
    RELOAD = "reload"  # nothing would be lost: show the stored case


class Autosave(Generic[K]):
    """The state of one case form's saving.

    `saved` is what the form takes as stored (as the form shows it), `current` what it shows now;
    a field whose two values differ is a pending edit.
    """

    def __init__(self, content_fields: Iterable[str]) -> None:
        # A new case is created only once one of these holds something (a platform picked alone is no case).
        self._content_fields = tuple(content_fields)
        self.case_id: K | None = None
        self.version: int | None = None
        self._saved: dict[str, Any] = {}
        self._current: dict[str, Any] = {}
        self._invalid: dict[str, str] = {}
        self._in_flight: Batch[K] | None = None
        self.conflict = False  # someone else saved this case: autosave waits until reloaded
        self.blocked = False  # the last save was refused: wait for the next edit
        self._then: list[Then] = []
        self._explicit_waiting = False  # 保存 was pressed while an autosave ran: report its outcome

    # -- what the form asks ------------------------------------------------------------------------

    @property
    def saving(self) -> bool:
        return self._in_flight is not None

    @property
    def dirty(self) -> bool:
        return self._current != self._saved

    @property
    def saved(self) -> Mapping[str, Any]:
        return MappingProxyType(self._saved)

    @property
    def current(self) -> Mapping[str, Any]:
        return MappingProxyType(self._current)

    @property
    def invalid(self) -> dict[str, str]:
        """Fields whose text cannot be saved as it is, with the reason (they stay pending)."""
        return dict(self._invalid)

    def pending(self) -> dict[str, Any]:
        """The edits not saved yet: field → the value the form shows."""
        missing = object()
        return {k: v for k, v in self._current.items() if self._saved.get(k, missing) != v}

    def changed_elsewhere(self) -> Elsewhere:
        if self.saving:
            return Elsewhere.IGNORE
        return Elsewhere.KEEP_EDITS if self.dirty else Elsewhere.RELOAD

    # -- events from the form ----------------------------------------------------------------------

    def loaded(self, case_id: K | None, version: int | None, values: Mapping[str, Any]) -> None:
        """The form now shows a stored case (or an empty new one): nothing is pending."""
        self.case_id = case_id
        self.version = version
        self._saved = dict(values)
        self._current = dict(values)
        self.conflict = False
        self.blocked = False

    def edited(self, values: Mapping[str, Any]) -> bool:
        """The operator changed the form; `values` is what it shows now (all fields or some).

        Returns True when there is something to save after the usual pause.
        """
        self._current.update(values)
        self.blocked = False
        return self.dirty

    def shown(self, values: Mapping[str, Any]) -> None:
        """The form changed what it shows by itself (a list reloaded), not the operator."""
        self._current.update(values)

    def settled(self, field: str, value: Any) -> None:
        """After a save the form shows a field as stored (a deadline as a time): that is saved too."""
        self._saved[field] = value
        self._current[field] = value

    def set_invalid(self, field: str, reason: str | None) -> None:
        """The field's text cannot be saved as it is (reason), or can again (None)."""
        if reason is None:
            self._invalid.pop(field, None)
        else:
            self._invalid[field] = reason

    def discard_invalid(self) -> dict[str, Any]:
        """The operator dropped what cannot be saved: returns the stored values to show instead."""
        restore = {name: self._saved.get(name) for name in self._invalid}
        self._current.update(restore)
        self._invalid.clear()
        return restore

    def reverted(self) -> None:
        """The operator threw the pending edits away; the form shows `saved` again."""
        self._current = dict(self._saved)
        self._invalid.clear()

    def due(self) -> Step[K]:
        """The pause after typing is over, or the operator left the field."""
        if self.conflict or self.blocked or not self.dirty:
            return Step(Do.NOTHING)
        return self.request(explicit=False)

    def request(self, *, explicit: bool, then: Then | None = None) -> Step[K]:
        """Save now (explicit: the operator pressed 保存); then() runs once everything is saved."""
        if then is not None:
            self._then.append(then)
        if self.saving:
            # The running save looks again when it finishes; a refusal is then reported as asked.
            self._explicit_waiting = self._explicit_waiting or explicit
            return Step(Do.NOTHING)
        explicit = explicit or self._explicit_waiting
        self._explicit_waiting = False
        if self.conflict and explicit:
            return Step(Do.ASK_RELOAD)
        values = {k: v for k, v in self._current.items() if k not in self._invalid}
        if self.case_id is None:
            meaningful = any(
                values.get(k) not in (None, "", self._saved.get(k)) for k in self._content_fields
            )
            if not meaningful and not explicit:
                return self._run_then()
            fields = values
        else:
            fields = {k: v for k, v in values.items() if v != self._saved.get(k)}
            if not fields:
                if self._invalid and explicit:
                    return Step(Do.REPORT_INVALID)
                return self._run_then()
        batch = Batch(
            case_id=self.case_id,
            version=self.version,
            fields=MappingProxyType(dict(fields)),
            values=MappingProxyType(values),
            explicit=explicit,
        )
        self._in_flight = batch
        return Step(Do.SEND, batch)

    def saved_as(self, case_id: K, version: int) -> bool:
        """The running save went through as this case and version. Returns True if it created the case.

        What was sent is what the form showed then; fields edited meanwhile stay pending.
        """
        created = self.case_id is None
        self.case_id = case_id
        self.version = version
        if self._in_flight is not None:
            self._saved.update(self._in_flight.values)
        return created

    def failed(self, error: BaseException) -> Failure:
        """The running save was refused or broke: every edit stays pending; says how to report it."""
        self._then.clear()
        asked = (self._in_flight is not None and self._in_flight.explicit) or self._explicit_waiting
        self._explicit_waiting = False
        message = error.message if isinstance(error, DeskError) else str(error)
        if isinstance(error, EditConflict):
            self.conflict = True
            kind = Failed.CONFLICT
        elif isinstance(error, DeskError):
            self.blocked = True
            kind = Failed.REFUSED_ASKED if asked else Failed.REFUSED
        else:
            kind = Failed.BROKEN
        return Failure(kind, message, MappingProxyType(self.pending()))

    def finished(self) -> Step[K]:
        """The running save is over (after saved_as or failed, and after the form showed the outcome)."""
        self._in_flight = None
        if self._then and not self.dirty:
            self._explicit_waiting = False
            return self._run_then()
        if self._then or self._explicit_waiting:
            return self.request(explicit=False)  # a caller waits, or 保存 was pressed: save the rest now
        if self.dirty and not self.blocked and not self.conflict:
            return Step(Do.START_TIMER)  # typed on while saving
        return Step(Do.NOTHING)

    def _run_then(self) -> Step[K]:
        pending, self._then = self._then, []
        return Step(Do.RUN_THEN, then=tuple(pending))


# -- the typing journal -----------------------------------------------------------------------------

JOURNAL_NAME = "unsaved_edits.json"
JOURNAL_EVERY_S = 0.5  # at most this long between a keystroke and its line in the journal (plus a write)


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """Edits a form held and had not saved when the desk last stopped: offered back at the next start."""

    case_id: int | None  # None: a new case that was never saved
    fields: Mapping[str, str]  # field → the text the form showed (see `Journal.encode`)
    written_at: str  # ISO time of the last write


class Journal:
    """The form's unsaved edits on disk, so a crash (or kill -9) loses at most the last half second of
    typing. One small JSON file in the profile folder, replaced atomically (never half written); removed
    as soon as the form has nothing unsaved.

    Values are written as text: enums by key, amounts as typed digits, the deadline as typed. No widgets
    and no timers here: the form calls `write` on its own timer and `clear` once saved.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._last: str | None = None  # what is on disk now (None: no file), to skip identical writes

    @staticmethod
    def encode(value: Any) -> str:
        if isinstance(value, enum.Enum):
            return value.name
        return "" if value is None else str(value)

    def write(self, case_id: int | None, pending: Mapping[str, Any]) -> None:
        """Record the edits not saved yet (all of them, replacing the last record); none removes it."""
        if not pending:
            self.clear()
            return
        fields = {k: self.encode(v) for k, v in pending.items()}
        body = {"case_id": case_id, "fields": fields}
        if self._last == json.dumps(body, ensure_ascii=False, sort_keys=True):
            return
        self._last = json.dumps(body, ensure_ascii=False, sort_keys=True)
        record = {**body, "written_at": datetime.now(UTC).isoformat(timespec="seconds")}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomically(self.path, json.dumps(record, ensure_ascii=False, indent=1))

    def clear(self) -> None:
        if self._last is None and not self.path.exists():
            return
        self.path.unlink(missing_ok=True)
        self._last = None

    def read(self) -> JournalEntry | None:
        """What the last run left, or None (no file, or one that cannot be read: nothing to offer)."""
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            case_id = raw.get("case_id")
            fields = raw["fields"]
            if case_id is not None and (isinstance(case_id, bool) or not isinstance(case_id, int)):
                return None
            if not isinstance(fields, dict) or not fields:
                return None
            clean = {str(k): str(v) for k, v in fields.items() if isinstance(v, str | int | float)}
            return JournalEntry(case_id, MappingProxyType(clean), str(raw.get("written_at", "")))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
