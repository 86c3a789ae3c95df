"""A debug check: no database session is opened on a thread that must never wait on the database.

The window's GUI thread hands every call to the services to its task runner (ui/tasks.py); a call made
on the GUI thread itself freezes the window for as long as the database takes (a lock held by another
desk: up to 10 s). Every service opens its sessions through the sessionmaker of
desk/db/engine.py:make_sessionmaker, so that is where this check runs: once `forbid_thread` named a
thread, a session opened on it raises WrongThread instead of quietly blocking.

`callers` narrows the check to calls into the core made by some packages' code (e.g. ``("ui",)``): a
test's own set-up and assertions run on the same thread as the window it drives (even inside its event
loop), read the database directly, and are not the window. Off by default and costs one comparison per session; the window turns it on for its GUI
thread (DESK_DEBUG_THREADS=1, and always under the tests).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

__all__ = [
    "WrongThread",
    "allow",
    "allowed",
    "check",
    "forbid_thread",
    "forbidden_thread",
    "is_reader_thread",
    "mark_reader_thread",
    "report_to",
]


class WrongThread(RuntimeError):
    """A database session was opened on a thread that must never wait on the database."""


@dataclass(frozen=True, slots=True)
class _Forbidden:
    ident: int
    name: str
    callers: tuple[str, ...]


# One immutable value, replaced whole: readers on any thread see the old or the new one, never half.
_forbidden: _Forbidden | None = None
# Threads inside an `allowed()` block, with how deep (blocks nest).
_allowed: dict[int, int] = {}
_report: Callable[[WrongThread], None] | None = None


def forbid_thread(ident: int | None = None, *, callers: tuple[str, ...] = ()) -> None:
    """From now on a session opened on thread `ident` (default: this one) raises WrongThread.

    callers: module-name prefixes ("ui" covers ui and ui.*); when given, only a session counts whose
    service was called by code of one of them (the nearest function on the stack outside the core and
    SQLAlchemy). Replaces whatever was forbidden before.
    """
    global _forbidden
    ident = threading.get_ident() if ident is None else ident
    thread = next((t for t in threading.enumerate() if t.ident == ident), None)
    name = thread.name if thread is not None else f"thread {ident}"
    _forbidden = _Forbidden(ident, name, tuple(callers))


def allow() -> None:
    """Sessions may be opened on any thread again."""
    global _forbidden
    _forbidden = None


def report_to(report: Callable[[WrongThread], None] | None) -> None:
    """Also hand every WrongThread to `report` before raising it (None: stop), so that code which catches
    every exception (a paint that must not fail) cannot hide one from a test run."""
    global _report
    _report = report


def forbidden_thread() -> int | None:
    """The ident of the thread the check guards, or None when it is off."""
    forbidden = _forbidden
    return forbidden.ident if forbidden is not None else None


@contextmanager
def allowed() -> Iterator[None]:
    """Let this thread open sessions inside the block (a phase that may wait on purpose, named by the
    caller in a comment: e.g. start-up before the window is there to freeze)."""
    ident = threading.get_ident()
    _allowed[ident] = _allowed.get(ident, 0) + 1
    try:
        yield
    finally:
        if _allowed[ident] == 1:
            del _allowed[ident]
        else:
            _allowed[ident] -= 1


def check() -> None:
    """Raise WrongThread if this thread may not open a session now; called for every session made."""
    forbidden = _forbidden
    if forbidden is None or threading.get_ident() != forbidden.ident or forbidden.ident in _allowed:
        return
    culprit = _caller_in(forbidden.callers) if forbidden.callers else ""
    if forbidden.callers and not culprit:
        return
    where = f" by {culprit}" if culprit else ""
    error = WrongThread(
        f"a database session was opened{where} on the thread {forbidden.name!r}, which must never wait on "
        "the database (the window's GUI thread). Run the service call through the task runner instead: "
        "ui/tasks.py Op(lambda: service.call(...), parent=widget).on_success(show).run(runner)."
    )
    report = _report
    if report is not None:
        report(error)
    raise error


# Modules whose frames lie between a session being made and whoever called the service (the core, the ORM,
# and `with` machinery a service may open its session through).
_CORE = ("desk", "sqlalchemy", "contextlib")


def _caller_in(prefixes: tuple[str, ...]) -> str:
    """Who called into the core (as module:function), if that code is of one of the packages; else ""."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and _within(frame.f_globals.get("__name__", ""), _CORE):
        frame = frame.f_back
    if frame is None:
        return ""
    module = frame.f_globals.get("__name__", "")
    return f"{module}:{frame.f_code.co_name} (line {frame.f_lineno})" if _within(module, prefixes) else ""


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


_role = threading.local()


def mark_reader_thread() -> None:
    """This thread only reads (the window's read worker): its SQLite transactions start deferred.

    A deferred BEGIN in WAL mode takes no lock, so a read there runs beside the writer instead of queueing
    for the write lock behind it (and behind another desk's write, up to the 10-second busy timeout). Kept
    here, not in desk/db/engine.py, so the window can mark its thread without importing SQLAlchemy before
    its first paint.
    """
    _role.reader = True


def is_reader_thread() -> bool:
    return bool(getattr(_role, "reader", False))
