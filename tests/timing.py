"""The one allowance for tests that assert on time: a slow or shared machine sets DESK_TEST_TIME_SLACK.

Every budget in seconds a test asserts (a refusal within 5 s, a lock given up within its timeout, the GUI
never blocked for a second) is multiplied by SLACK, so a busy CI runner or an old laptop can run the suite
with DESK_TEST_TIME_SLACK=3 instead of each test growing its own margin (below 1 tightens them, to see the
headroom). Left unset it is 1: the budgets are the ones the desk promises.
"""

from __future__ import annotations

import os


def _slack() -> float:
    raw = os.environ.get("DESK_TEST_TIME_SLACK", "").strip()
    if not raw:
        return 1.0
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"DESK_TEST_TIME_SLACK must be a number such as 1 or 2.5, not {raw!r}") from None
    if not value > 0:  # also refuses NaN, which would make every time assertion fail
        raise ValueError(f"DESK_TEST_TIME_SLACK must be a positive number, not {raw!r}")
    return value


SLACK = _slack()
