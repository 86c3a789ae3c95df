"""Hostile names through the command line and into written files.

Names that came from outside (evidence file names, captions, shop names, order numbers) may hold ESC
sequences, CR, line ends, C1 controls and bidi overrides. None of them may reach the terminal raw, every
listing keeps one line per item, JSON keeps the exact name, and every file the desk writes has a name
that is valid on Windows, macOS and Linux.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from PIL import Image
from test_names import HOSTILE, hostile_names, raw_controls, valid_everywhere

from desk.cli import main
from desk.domain import CaseDraft, CaseType, EvidenceKind, Platform

REPO = Path(__file__).resolve().parents[1]
NASTY = "\x1b[31m红\x1b[0m\r覆盖\n假行\t列\u202egpj.exe\x85\u2066\x07"


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(out, "PNG")
    return out.getvalue()


def fill(profile: Path, name: str) -> tuple[int, int]:
    """A case whose shop, numbers, description and one evidence carry `name`; (case id, evidence id)."""
    from desk.app import open_desk

    desk: Any = open_desk(profile)
    try:
        shop, _ = desk.shops.create(f"店{name}", Platform.PDD)
        case, _ = desk.cases.create(
            CaseDraft(
                platform=Platform.PDD,
                shop_id=shop.id,
                order_no=f"231204-{name}",
                after_sales_no=name,
                # Ready for the platform (申诉前检查): a buyer-caused 质量问题 with the chat admission.
                case_type=CaseType.QUALITY,
                appeal_type="goods",
                refund_amount=Decimal("10.00"),
                description=f"描述{name}：买家在聊天中承认是自己摔坏的，非商品质量问题。",
            )
        )
        (ev,) = desk.evidence.import_bytes(case.id, png(), f"{name}.png", kind=EvidenceKind.CHAT).added
        desk.evidence.update(ev.id, caption=f"说明{name}")
        return int(case.id), int(ev.id)
    finally:
        desk.close()


def cli(capsys: pytest.CaptureFixture[str], profile: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--profile", str(profile), *args])
    out, err = capsys.readouterr()
    return code, out, err


def assert_clean(*texts: str) -> None:
    for text in texts:
        assert raw_controls(text) == [], [hex(ord(c)) for c in raw_controls(text)][:10]


def test_listings_escape_names_and_keep_one_line_per_item(tmp_path: Path, capsys: Any) -> None:
    profile = tmp_path / "p"
    case_id, _ = fill(profile, NASTY)

    code, out, err = cli(capsys, profile, "evidence", "list", str(case_id))
    assert code == 0 and len(out.splitlines()) == 1
    assert "\\u001b[31m" in out and "\\u202e" in out and "\\u000a" in out and "\\u000d" in out
    assert_clean(out, err)

    code, out, err = cli(capsys, profile, "evidence", "list", str(case_id), "--json")
    assert_clean(out, err)
    assert json.loads(out)[0]["original_name"] == f"{NASTY}.png"  # JSON keeps the exact name

    code, out, err = cli(capsys, profile, "cases")
    assert code == 0 and len(out.splitlines()) == 2  # the case and "共 1 条"
    assert_clean(out, err)

    for args in (["case", "show", str(case_id)], ["preflight", str(case_id)], ["cases", "--json"]):
        code, out, err = cli(capsys, profile, *args)
        assert_clean(out, err)


def test_upload_kit_files_have_valid_names(tmp_path: Path, capsys: Any) -> None:
    profile = tmp_path / "p"
    case_id, _ = fill(profile, "CON\u202e\x1b[2J")
    code, out, err = cli(capsys, profile, "upload-kit", str(case_id), "-o", str(tmp_path / "kit"))
    assert code == 0, err
    for path in (tmp_path / "kit").iterdir():
        valid_everywhere(path.name)
    assert_clean(out, err)


def test_packet_default_name_is_valid(tmp_path: Path, capsys: Any) -> None:
    profile = tmp_path / "p"
    case_id, _ = fill(profile, "\u202e\x1b[2J\u2066")
    code, out, err = cli(capsys, profile, "packet", str(case_id))
    assert code == 0, err
    (packet,) = (profile / "packets" / f"case-{case_id}").iterdir()
    valid_everywhere(packet.name)
    assert_clean(out, err)


def test_export_to_a_reserved_name_writes_a_valid_one(tmp_path: Path, capsys: Any) -> None:
    profile = tmp_path / "p"
    fill(profile, "x")
    for given_name, written in (
        ("NUL.csv", "NUL_.csv"),
        ("con.xlsx", "con_.xlsx"),
        ("表\u202e格.csv", "表格.csv"),
    ):
        code, _, err = cli(capsys, profile, "cases", "--export", str(tmp_path / given_name))
        assert code == 0 and (tmp_path / written).is_file(), err


def test_evidence_export_copies_have_valid_names(tmp_path: Path) -> None:
    from desk.app import open_desk

    profile = tmp_path / "p"
    case_id, ev_id = fill(profile, "\u202e\x1b[2J")
    desk: Any = open_desk(profile)
    try:
        copies = [desk.evidence.export_copy(ev_id, tmp_path / "exported")]
        for name in ("CON.png", "nul", "COM1 .png", "\u202egnp.exe.png", "..png", "很长的名字" * 30 + ".png"):
            (other,) = desk.evidence.import_bytes(case_id, png() + name.encode(), name).added
            copies.append(desk.evidence.export_copy(other.id, tmp_path / "exported"))
        for copy in copies:
            valid_everywhere(copy.name)
    finally:
        desk.close()


def test_errors_and_rejections_escape_the_name(tmp_path: Path, capsys: Any) -> None:
    profile = tmp_path / "p"
    case_id, _ = fill(profile, "x")
    bad = tmp_path / f"{NASTY.replace('/', '')}.jpg"
    bad.write_bytes(b"not a picture")
    code, out, err = cli(
        capsys,
        profile,
        "evidence",
        "add",
        str(case_id),
        str(bad),
        str(tmp_path / "\x1b]0;title\x07不存在.jpg"),
    )
    assert code == 1
    assert "\\u001b" in err
    assert_clean(out, err)


def test_error_messages_escape_what_they_quote(tmp_path: Path, capsys: Any) -> None:
    """Messages the CLI passes on from the services (a shop that does not exist, an archive that cannot
    be read) reach the terminal escaped, whoever wrote them."""
    profile = tmp_path / "p"
    fill(profile, "x")
    code, out, err = cli(capsys, profile, "cases", "--shop", NASTY)
    assert code == 1 and "\\u001b[31m" in err and "\\u202e" in err
    assert_clean(out, err)
    archive = tmp_path / f"{NASTY.replace('/', '')}.deskbackup"
    code, out, err = cli(capsys, tmp_path / "q", "restore", str(archive))
    assert code == 1
    assert_clean(out, err)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=hostile_names.filter(lambda n: "\x00" not in n))
def test_generated_hostile_names_never_reach_the_terminal_raw(
    tmp_path_factory: pytest.TempPathFactory, capsys: Any, name: str
) -> None:
    root = tmp_path_factory.mktemp("h")
    profile = root / "p"
    case_id, _ = fill(profile, name)
    for args in (
        ["evidence", "list", str(case_id)],
        ["evidence", "list", str(case_id), "--json"],
        ["cases"],
        ["case", "show", str(case_id)],
        ["upload-kit", str(case_id), "-o", str(root / "kit")],
    ):
        code, out, err = cli(capsys, profile, *args)
        # The kit may refuse text its cover page cannot draw (a plain message, exit 1); the output
        # must be clean either way.
        assert code == 0 or (args[0] == "upload-kit" and code == 1 and err.startswith("错误：")), err
        assert_clean(out, err)
    assert len(cli(capsys, profile, "evidence", "list", str(case_id))[1].splitlines()) == 1
    for path in (root / "kit").iterdir() if (root / "kit").exists() else ():
        valid_everywhere(path.name)


def test_real_terminal_output_has_no_escape_sequences(tmp_path: Path) -> None:
    """The same through a real process: what a terminal would receive, byte for byte."""
    profile = tmp_path / "p"
    case_id, _ = fill(profile, NASTY)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("DESK_HOME", None)
    proc = subprocess.run(
        [sys.executable, "-m", "desk", "--profile", str(profile), "evidence", "list", str(case_id)],
        capture_output=True,
        cwd=REPO,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    for stream in (proc.stdout, proc.stderr):
        assert b"\x1b" not in stream and b"\r" not in stream and b"\x07" not in stream
        assert "\u202e".encode() not in stream and "\x85".encode() not in stream
    assert set(HOSTILE) & set(NASTY)
