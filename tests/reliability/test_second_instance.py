"""A second start on the same profile (reliability plan T5): refused by the lock, handed over to the first
window; after a kill -9 of the owner the next start takes over without anyone deleting a lock file."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desk.lock import ProfileLock
from tests.reliability.oracles import assert_check_clean
from tests.timing import SLACK

REPO = Path(__file__).resolve().parents[2]
HOLD = (
    "import sys, time; from pathlib import Path; from desk.lock import ProfileLock; "
    "l = ProfileLock(Path(sys.argv[1])).acquire(); print('HELD', flush=True); time.sleep(60)"
)


def env() -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("DESK_")}
    e.update(PYTHONPATH=str(REPO), QT_QPA_PLATFORM="offscreen", DESK_AUTO_BACKUP="0")
    return e


def test_lock_is_exclusive_and_survives_no_kill9(tmp_path: Path) -> None:
    root = tmp_path / "p"
    for _ in range(10):
        holder = subprocess.Popen(
            [sys.executable, "-c", HOLD, str(root)], stdout=subprocess.PIPE, env=env(), cwd=REPO
        )
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"HELD"
        lock = ProfileLock(root)
        assert not lock.try_acquire()
        assert lock.owner_pid() == holder.pid
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        started = time.monotonic()
        assert lock.try_acquire()  # stale lock recovered at once: the kernel dropped it
        assert time.monotonic() - started < 1 * SLACK
        lock.release()


def start_window(root: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "main.py", "--profile", str(root)],
        cwd=REPO,
        env=env(),
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def wait_listening(root: Path, proc: subprocess.Popen[str], timeout: float = 30) -> None:
    log = root / "logs" / "desk.log"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"first window exited: {proc.communicate()}")
        if log.exists() and "single instance: listening" in log.read_text(encoding="utf-8", errors="replace"):
            time.sleep(0.3)
            return
        time.sleep(0.1)
    raise AssertionError("the first window never started listening")


@pytest.mark.gui
def test_second_window_hands_over_and_kill9_recovers(tmp_path: Path) -> None:
    root = tmp_path / "p"
    rng = random.Random(5)
    for i in range(3):
        first = start_window(root)
        try:
            wait_listening(root, first)
            time.sleep(rng.uniform(0, 0.5))
            started = time.monotonic()
            second = subprocess.run(
                [sys.executable, "main.py", "--profile", str(root)],
                cwd=REPO,
                env=env(),
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert second.returncode == 0, second.stderr
            assert "已在另一个售后申诉工作台窗口中打开" in second.stdout
            assert time.monotonic() - started < 10 * SLACK
            log = (root / "logs" / "desk.log").read_text(encoding="utf-8", errors="replace")
            assert "handed over" in log
            assert first.poll() is None  # the first window is still running
        finally:
            os.killpg(first.pid, signal.SIGKILL)  # kill -9 the owner
            first.wait()
        # The next start takes over at once, with no lock file to delete by hand.
        assert_check_clean(root)
        lock = ProfileLock(root)
        assert lock.try_acquire(), f"round {i}: stale lock after kill -9"
        lock.release()
