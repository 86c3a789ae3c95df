"""The Qt shim guards None/True/False against the reference leak of PySide6 6.12 on CPython 3.11."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ui import qt

REPO = Path(__file__).resolve().parents[1]
# About the Qt binding, not the data: a window test.
pytestmark = pytest.mark.gui

# Each property() read of an unset property returns None, each emit() returns True: with the leaky
# binding, every one of these 20,000 rounds drops one reference to each singleton.
LEAKY_LOOP = """
import sys
{setup}
from PySide6.QtCore import QObject, Signal

class Sender(QObject):
    ping = Signal()

sender = Sender()
for _ in range(20_000):
    sender.property("unset")
    sender.ping.emit()
print("survived")
"""


def run_loop(setup: str) -> subprocess.CompletedProcess[str]:
    code = LEAKY_LOOP.format(setup=setup)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120, check=False
    )


def test_leaky_calls_do_not_abort_once_ui_qt_is_imported() -> None:
    out = run_loop("import ui.qt")
    assert out.returncode == 0, out.stderr[-2000:]
    assert "survived" in out.stdout


@pytest.mark.skipif(not qt.SINGLETONS_GUARDED, reason="this PySide6/CPython does not drop references")
def test_without_the_guard_the_binding_aborts() -> None:
    """The control: proves the guard is needed with the PySide6 and CPython installed here."""
    out = run_loop("")
    assert out.returncode != 0
    assert "_dealloc" in out.stderr


def test_singletons_are_safe_in_this_process() -> None:
    if qt.SINGLETONS_GUARDED:
        assert sys.getrefcount(None) > 1 << 39
        assert sys.getrefcount(True) > 1 << 39
