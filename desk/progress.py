"""How slow work reports progress and hears 取消: one vocabulary for imports, packets, kits, backups and checks.

The window's task runner (ui/tasks.py) and the CLI hand a job a `Progress` and a `Cancel`; the job calls
`progress(done, total, what)` as it goes and asks `cancel()` between steps. A job that stops part-way
raises `Cancelled` inside itself and turns it into its own plain message at its edge ("已取消",
"备份已取消，…"), so what the operator reads still says which job stopped and what was kept.
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[int, int, str], None]
Cancel = Callable[[], bool]


class Cancelled(Exception):
    """The operator pressed 取消. Raised and caught inside a job, never shown as it is: each job says in
    its own words what stopping meant (nothing written, the profile unchanged, rows kept so far)."""


def stop_if_cancelled(cancel: Cancel | None) -> None:
    """Raise Cancelled once the operator has asked to stop."""
    if cancel is not None and cancel():
        raise Cancelled
