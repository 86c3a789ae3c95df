"""The recognition worker: `python -m desk.recognition.worker [--threads N]`, one picture at a time.

Talks JSON lines: it first writes {"ready": ENGINE_ID} (or {"missing": why} and exits), then for each
request {"id": n, "path": "..."} on stdin writes one answer {"id": n, "width", "height", "lines": [[box,
text, confidence], ...], "seconds"} or {"id": n, "error": why} on stdout. It ends when stdin closes.

Only this process imports the engine; the desk (desk/recognition/client.py) kills it to cancel and starts a
new one after a crash. Its stdout carries only answers: anything the engine prints goes to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import io
import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from desk.recognition.display import reread
from desk.recognition.engine import engine_id, missing_detail, missing_message


def _load_engine(threads: int) -> Any:
    # The threads a model may use must be fixed before onnxruntime starts its pools.
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=1)


def _picture(path: str) -> Any:
    """The picture as the engine wants it (BGR array), upright as the desk shows it (EXIF rotation)."""
    import numpy as np
    from PIL import Image, ImageOps

    try:
        import pillow_heif

        pillow_heif.register_heif_opener()
    except ImportError:  # pragma: no cover - pillow-heif is a dependency of the desk
        pass
    with Image.open(path) as im:
        im.draft(
            "RGB", (4096, 4096)
        )  # a huge JPEG decodes at a fraction of its size: the engine shrinks it anyway
        upright = ImageOps.exif_transpose(im).convert("RGB")
    return np.asarray(upright)[:, :, ::-1].copy()


def _read(engine: Any, path: str) -> dict[str, Any]:
    img = _picture(path)
    started = time.perf_counter()
    # The direction classifier turns digits upside down ("46.92" -> "269h") and screenshots are upright.
    result, _ = engine(img, use_cls=False)
    lines = [
        [[[float(x), float(y)] for x, y in box], str(text), float(score)] for box, text, score in result or []
    ]
    lines = reread(img, lines)  # scale displays: the engine reads unlit segments as 8s
    seconds = time.perf_counter() - started
    return {"width": int(img.shape[1]), "height": int(img.shape[0]), "lines": lines, "seconds": seconds}


def _trimmer() -> Callable[[], object]:
    """glibc keeps freed memory of a picture for the next one; handing it back after each picture keeps the
    worker's peak lower (measured: 800+ MB → 520-620 MB over courier pages and chats) at no measurable cost.
    Lowering malloc's mmap threshold instead did the same but made reading three times slower."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL("libc.so.6")
            return lambda: libc.malloc_trim(0)
        except OSError:  # not glibc (musl)
            pass
    return lambda: None


def serve(requests: TextIO, answers: TextIO, threads: int) -> int:
    def say(message: dict[str, Any]) -> None:
        answers.write(json.dumps(message, ensure_ascii=False) + "\n")
        answers.flush()

    ident = engine_id()
    try:
        if ident is None:
            raise ImportError(missing_detail())
        engine = _load_engine(threads)
    except (ImportError, OSError) as exc:  # not installed, or its native library cannot load
        say({"missing": missing_message(str(exc) or type(exc).__name__)})
        return 3
    say({"ready": ident, "pid": os.getpid()})
    trim = _trimmer()
    for raw in requests:
        if not raw.strip():
            continue
        request = json.loads(raw)
        try:
            say({"id": request["id"], **_read(engine, request["path"])})
        except Exception as exc:  # one bad picture must not end the worker: the next one is read as usual
            say({"id": request["id"], "error": f"{type(exc).__name__}: {exc}"})
        trim()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m desk.recognition.worker")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--nice", type=int, default=0, help="lower this process's priority by this much")
    args = parser.parse_args(argv)
    if args.nice > 0 and hasattr(os, "nice"):
        # Reading beside an import or the window yields the cores to them (not on Windows: no os.nice).
        with contextlib.suppress(OSError):
            os.nice(args.nice)
    # Answers get their own copy of stdout; whatever the engine or a native library prints (Python or C)
    # goes to stderr, so it can never break an answer.
    sys.stdout.flush()
    answers = io.TextIOWrapper(os.fdopen(os.dup(1), "wb"), encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    requests = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8")
    return serve(requests, answers, max(1, args.threads))


if __name__ == "__main__":
    sys.exit(main())
