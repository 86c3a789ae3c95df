"""The desk's side of the recognition worker: start it, hand it one picture at a time, cancel by killing it,
start a new one after a crash, keep its memory in check. Qt-free; safe to call from one worker thread while
another thread cancels.

Why a plain child process (`python -m desk.recognition.worker`, JSON lines over its stdin and stdout) and
not multiprocessing: the child starts from a clean interpreter and imports only the worker, never the
program that started it (multiprocessing's spawn re-imports the parent's main module, which in the window
is main.py and its Qt); killing it is a plain kill with no pool state to mend; its stderr shows what the
engine said when it fails; and the protocol is readable with a terminal.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from desk.errors import DeskError
from desk.progress import Cancelled
from desk.recognition.engine import engine_id, missing_detail, missing_message
from desk.recognition.types import Line, Quad, Reading

log = logging.getLogger(__name__)

MEMORY_LIMIT_MB = 800  # after a picture that left the worker bigger than this, the next one gets a new worker
READ_TIMEOUT_S = 120.0  # one picture; the engine takes seconds, so this is a hang, not a slow picture

_said_missing = False


class EngineMissing(DeskError):
    """Reading is off: the engine or a part it needs is not installed."""


class RecognitionFailed(DeskError):
    """One picture could not be read (the worker crashed, hung, or the picture could not be decoded)."""


def say_missing_once(message: str) -> bool:
    """Log the missing-engine sentence the first time only; True when this was the first time."""
    global _said_missing
    if _said_missing:
        return False
    _said_missing = True
    log.warning("%s", message)
    return True


def resident_mb(pid: int) -> tuple[float, float]:
    """(resident now, peak resident) of a process in MB, from /proc; (0, 0) where there is no /proc."""
    now = peak = 0.0
    try:
        for row in Path(f"/proc/{pid}/status").read_text().splitlines():
            if row.startswith("VmRSS:"):
                now = int(row.split()[1]) / 1024
            elif row.startswith("VmHWM:"):
                peak = int(row.split()[1]) / 1024
    except OSError:
        pass
    return now, peak


def _quad(raw: Any) -> Quad:
    pts = [(float(p[0]), float(p[1])) for p in raw]
    return (pts[0], pts[1], pts[2], pts[3])


class Reader:
    """One recognition worker, started on first use. Use as a context manager, or call close()."""

    def __init__(
        self,
        *,
        threads: int = 1,
        env: Mapping[str, str] | None = None,
        timeout: float = READ_TIMEOUT_S,
        memory_limit_mb: float = MEMORY_LIMIT_MB,
        nice: int = 0,
    ) -> None:
        self.threads = threads
        self.nice = nice  # the worker lowers its own priority by this much (reading behind an import)
        self.env = dict(env) if env is not None else None
        self.timeout = timeout
        self.memory_limit_mb = memory_limit_mb
        self.engine: str | None = None
        self.peak_mb = 0.0  # the largest resident size any of this reader's workers reached
        self.restarts = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._cancelled = False
        self._next_id = 0

    # -- life of the worker ------------------------------------------------------------------------

    def _start(self) -> subprocess.Popen[bytes]:
        if engine_id() is None:
            raise EngineMissing(missing_message(missing_detail()))
        env = {**os.environ, **(self.env or {})}
        proc = subprocess.Popen(
            [sys.executable, "-m", "desk.recognition.worker", "--threads", str(self.threads)]
            + (["--nice", str(self.nice)] if self.nice > 0 else []),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL if not log.isEnabledFor(logging.DEBUG) else None,
            env=env,
        )
        self._proc = proc  # cancel() may kill it while the engine loads
        assert proc.stdout is not None
        first = self._answer(proc, proc.stdout)
        if first is None or "missing" in first:
            code = proc.wait()
            self._stop()
            if self._cancelled:
                raise Cancelled()
            if first is None:
                raise RecognitionFailed(f"文字识别进程启动失败（退出码 {code}）")
            raise EngineMissing(str(first["missing"]))
        self.engine = str(first["ready"])
        return proc

    def _answer(self, proc: subprocess.Popen[bytes], out: IO[bytes]) -> dict[str, Any] | None:
        """The next answer line, or None when the worker died or hung (then it is killed)."""
        timer = threading.Timer(self.timeout, proc.kill)
        timer.start()
        try:
            raw = out.readline()
        finally:
            timer.cancel()
        if not raw:
            return None
        answer: dict[str, Any] = json.loads(raw)
        return answer

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()

    def close(self) -> None:
        with self._lock:
            self._stop()

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def cancel(self) -> None:
        """Stop the picture being read now (from any thread): its read() raises Cancelled."""
        self._cancelled = True
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.kill()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    # -- reading -------------------------------------------------------------------------------------

    def read_path(self, path: Path, sha256: str) -> Reading:
        """Read one picture in the worker. Raises EngineMissing, Cancelled or RecognitionFailed; after a
        crash or a cancel the next call starts a new worker."""
        with self._lock:
            self._cancelled = False
            if self._proc is None or self._proc.poll() is not None:
                if self._proc is not None:
                    self.restarts += 1
                    self._stop()
                self._proc = self._start()
            proc = self._proc
            assert proc.stdin is not None and proc.stdout is not None
            self._next_id += 1
            request = {"id": self._next_id, "path": str(path)}
            try:
                proc.stdin.write((json.dumps(request) + "\n").encode())
                proc.stdin.flush()
            except OSError:
                answer = None
            else:
                answer = self._answer(proc, proc.stdout)
            if answer is None:
                self._stop()
                if self._cancelled:
                    raise Cancelled()
                raise RecognitionFailed(
                    f"文字识别进程在读取“{path.name}”时意外退出或超时（{self.timeout:.0f} 秒）；"
                    "下一张图片会由新的进程读取"
                )
            now, peak = resident_mb(proc.pid)
            self.peak_mb = max(self.peak_mb, peak)
            if now > self.memory_limit_mb:
                log.info("recognition worker at %.0f MB after %s: starting a new one", now, path.name)
                self._stop()
        if "error" in answer:
            raise RecognitionFailed(f"无法识别“{path.name}”中的文字：{answer['error']}")
        lines = tuple(Line(str(t), _quad(b), float(c)) for b, t, c in answer["lines"])
        return Reading(
            sha256=sha256,
            engine=self.engine or "",
            width=int(answer["width"]),
            height=int(answer["height"]),
            lines=lines,
            seconds=float(answer["seconds"]),
        )
