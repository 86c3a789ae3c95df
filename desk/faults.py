"""Named crash points for the kill -9 tests: DESK_CRASHPOINT=name[:nth] kills the process there."""

from __future__ import annotations

import os
import signal
import threading

ENV = "DESK_CRASHPOINT"
_lock = threading.Lock()
_hits: dict[str, int] = {}


def crashpoint(name: str) -> None:
    spec = os.environ.get(ENV)
    if not spec:
        return
    target, _, nth = spec.partition(":")
    if target != name:
        return
    with _lock:
        _hits[name] = _hits.get(name, 0) + 1
        count = _hits[name]
    if count >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
