"""Logging to the profile's log folder: the traceback goes there, the operator sees plain words."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"


def setup_logging(logs_dir: Path, *, verbose: bool = False) -> Path:
    logs_dir.mkdir(parents=True, exist_ok=True)
    path = logs_dir / "desk.log"
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_desk_handler", False):
            root.removeHandler(h)
            h.close()
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=5_000_000, backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter(FORMAT))
    handler._desk_handler = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    return path
