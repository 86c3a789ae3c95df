"""Commands from outside the core: the CLI finds them through the `desk.commands` entry points (the demo is
one), and one that cannot be loaded is named in plain words while every other command keeps working."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest

from desk import cli


def _only_these(monkeypatch: pytest.MonkeyPatch, *declared: tuple[str, str]) -> None:
    points = importlib.metadata.EntryPoints(
        importlib.metadata.EntryPoint(name=name, value=value, group=cli.PLUGIN_GROUP)
        for name, value in declared
    )
    real = importlib.metadata.entry_points

    def entry_points(**params: str) -> importlib.metadata.EntryPoints:
        return points if params.get("group") == cli.PLUGIN_GROUP else real(**params)

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)


def test_the_demo_command_comes_from_its_entry_point() -> None:
    args = cli.build_parser().parse_args(["demo"])
    # Fails when the checkout was not re-installed after the entry point was declared:
    # .venv/bin/python -m pip install -e . --no-deps
    assert args.func.__module__ == "desk_demo.cli"
    assert not any(name.endswith(".demo") for name in cli.COMMAND_MODULES)  # the core does not name it


@pytest.mark.parametrize(
    ("value", "cause"),
    [
        ("no_such_desk_plugin.cli", "no_such_desk_plugin"),  # its package was removed, the metadata stayed
        ("json", "register"),  # it loads but is no command module
    ],
)
def test_a_command_that_cannot_be_loaded_says_so_and_the_others_still_run(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    value: str,
    cause: str,
) -> None:
    _only_these(monkeypatch, ("ghost", value))
    profile = tmp_path / "profile"

    assert cli.main(["--profile", str(profile), "ghost"]) == 2
    err = capsys.readouterr().err
    assert "命令“ghost”无法加载" in err and value in err and cause in err and "重新安装" in err
    assert "Traceback" not in err
    assert not profile.exists()  # refused before anything was opened or created

    assert cli.main(["--profile", str(profile), "cases", "--json"]) == 0
    assert capsys.readouterr().out.strip() == "[]"
