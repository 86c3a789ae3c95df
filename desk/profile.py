"""Where one desk keeps its data: a single profile folder with a documented layout."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "AfterSalesDesk"
ENV_HOME = "DESK_HOME"


@dataclass(frozen=True, slots=True)
class Profile:
    """The folders and files of one desk profile."""

    root: Path

    @property
    def database(self) -> Path:
        return self.root / "desk.sqlite3"

    @property
    def evidence_dir(self) -> Path:
        return self.root / "evidence"

    @property
    def evidence_tmp(self) -> Path:
        return self.root / "evidence" / "tmp"

    @property
    def thumbnails_dir(self) -> Path:
        return self.root / "cache" / "thumbnails"

    @property
    def packet_cache_dir(self) -> Path:
        """Pictures prepared for packets (desk/pdf/cache.py); safe to delete, rebuilt on demand."""
        return self.root / "cache" / "packet-images"

    @property
    def packets_dir(self) -> Path:
        return self.root / "packets"

    @property
    def backups_dir(self) -> Path:
        return self.root / "backups"

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    def ensure(self) -> None:
        for d in (
            self.root,
            self.evidence_dir,
            self.evidence_tmp,
            self.thumbnails_dir,
            self.packets_dir,
            self.backups_dir,
            self.logs_dir,
        ):
            d.mkdir(parents=True, exist_ok=True)


def default_root() -> Path:
    """The profile folder when neither --profile nor DESK_HOME says otherwise."""
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def resolve_profile(cli_value: str | os.PathLike[str] | None = None) -> Profile:
    """--profile wins over DESK_HOME, which wins over the platform's user data folder."""
    if cli_value:
        return Profile(Path(cli_value).expanduser().resolve())
    env = os.environ.get(ENV_HOME)
    if env:
        return Profile(Path(env).expanduser().resolve())
    return Profile(default_root())
