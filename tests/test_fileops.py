"""The one helper every command uses to open an input file: pipes and devices are refused at once."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import pytest

from desk.fileops import NotAFile, open_failure_reason, open_regular


def test_a_regular_file_opens_and_reads(tmp_path: Path) -> None:
    p = tmp_path / "a.bin"
    p.write_bytes(b"hello")
    with open_regular(p) as fh:
        assert fh.read() == b"hello"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_without_a_writer_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "orders.csv"
    os.mkfifo(fifo)
    result: list[BaseException] = []
    t = threading.Thread(target=lambda: _try(fifo, result), daemon=True)
    t.start()
    t.join(5)
    assert not t.is_alive(), "opening a FIFO blocked"
    assert isinstance(result[0], NotAFile)
    assert "管道" in open_failure_reason(result[0])


def _try(p: Path, out: list[BaseException]) -> None:
    try:
        open_regular(p).close()
    except OSError as exc:
        out.append(exc)


def test_a_folder_and_a_device_are_refused(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError):
        open_regular(tmp_path)
    if sys.platform != "win32":
        with pytest.raises(NotAFile):
            open_regular(Path("/dev/zero"))
