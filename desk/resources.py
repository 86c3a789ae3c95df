"""Where the shipped resources (fonts, platform profiles, playbooks, scripts) are, installed or not.

resources/ sits at the top of the source tree and is installed as the package ``desk_resources``
(pyproject's package-dir maps one to the other), so a wheel, an editable install and a frozen build all find
it through importlib.resources. A source checkout that was never installed falls back to the folder itself.
The desk needs real files (ReportLab, Pillow and Qt open fonts by path), and every way the desk is installed
keeps package data as files on disk, so a Traversable that is not a folder is refused loudly rather than
silently extracted.
"""

from __future__ import annotations

import functools
import importlib.resources
from pathlib import Path

PACKAGE = "desk_resources"


@functools.cache
def resource_dir() -> Path:
    try:
        root = importlib.resources.files(PACKAGE)
    except ModuleNotFoundError:
        return Path(__file__).resolve().parents[1] / "resources"
    path = Path(str(root))
    if not path.is_dir():
        raise RuntimeError(f"the desk's resources are not a folder on disk ({root!r}); reinstall the desk")
    return path


def resource(*parts: str) -> Path:
    """A shipped resource file or folder, e.g. resource("fonts", "wqy-microhei.ttc")."""
    return resource_dir().joinpath(*parts)
