"""The recognition engine, named without importing it: which one, which version, whether it is there.

The engine itself (rapidocr-onnxruntime with its bundled PP-OCRv4 models, onnxruntime, opencv) is only ever
imported in the worker process (desk/recognition/worker.py): opencv brings native libraries of its own that
must not share the window's process with PySide6's Qt, and a native crash there must not take the desk down.
"""

from __future__ import annotations

import os
from importlib import metadata
from importlib.util import find_spec

ENGINE_PACKAGE = "rapidocr-onnxruntime"
ENGINE_MODULE = "rapidocr_onnxruntime"
MODELS = "PP-OCRv4"
# Bump when the way the desk calls the engine changes what it reads (the direction step, thresholds,
# how pictures are decoded): every cached reading is then read again.
SETTINGS_VERSION = 2  # 2: scale displays re-read from their segments (desk/recognition/display.py)
# What the desk needs beside the engine, by import name; opencv may be either flavour (headless preferred).
NEEDED_MODULES = (ENGINE_MODULE, "onnxruntime", "cv2", "numpy", "pyclipper", "shapely", "yaml")

INSTALL_HINT = "pip install --no-deps rapidocr-onnxruntime==1.4.4 && pip install -e '.[ocr]'"


def missing_message(detail: str) -> str:
    """The one sentence the desk says when reading is off because the engine is not installed."""
    return f"未安装文字识别组件（{detail}；安装：{INSTALL_HINT}），图片文字识别已关闭"


SWITCH_ENV = (
    "DESK_RECOGNITION"  # =off: the desk reads no picture (docs/recognition.md, "Switching reading off")
)


def switched_off() -> bool:
    return os.environ.get(SWITCH_ENV, "").strip().lower() in {"0", "off", "no", "false"}


def engine_if_on() -> str | None:
    """The engine's id, or None when it is not installed or reading is switched off."""
    return None if switched_off() else engine_id()


def engine_id() -> str | None:
    """ "rapidocr-onnxruntime 1.4.4 / PP-OCRv4 / onnxruntime 1.x / desk 2": the key cached readings carry,
    or None when the engine or a part it needs is not installed (nothing is imported to find out)."""
    for module in NEEDED_MODULES:
        if find_spec(module) is None:
            return None
    try:
        version = metadata.version(ENGINE_PACKAGE)
        runtime = metadata.version("onnxruntime")
    except metadata.PackageNotFoundError:
        return None
    return f"{ENGINE_PACKAGE} {version} / {MODELS} / onnxruntime {runtime} / desk {SETTINGS_VERSION}"


def missing_detail() -> str:
    """Which needed module is not installed, in plain words, for missing_message."""
    absent = [m for m in NEEDED_MODULES if find_spec(m) is None]
    return "缺少 " + "、".join(absent) if absent else f"无法读取 {ENGINE_PACKAGE} 的版本"
