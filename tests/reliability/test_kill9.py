"""kill -9 at random moments and at named crash points; after each restart nothing acknowledged is lost
and nothing is half applied (reliability plan T1, T7).

Iterations: 50 random kills by default; RELIABILITY_LEVEL=full (or DESK_KILL_ITERATIONS=N) for more.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from desk.backup import read_manifest
from tests.reliability.oracles import assert_check_clean, sha_file, snapshot

pytestmark = [pytest.mark.crash, pytest.mark.sqlite_only]

REPO = Path(__file__).resolve().parents[2]
DRIVER = REPO / "tests" / "reliability" / "driver.py"
FULL = os.environ.get("RELIABILITY_LEVEL", "pr") == "full"
ITERATIONS = int(os.environ.get("DESK_KILL_ITERATIONS", "200" if FULL else "50"))
SEED = int(os.environ.get("DESK_KILL_SEED", "20261127"))


def env(**extra: str) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("DESK_")}
    e.update(PYTHONPATH=str(REPO), DESK_AUTO_BACKUP="0", **extra)
    return e


@dataclass
class Model:
    """What the driver acknowledged so far, across all runs on one profile."""

    edits: dict[int, str] = field(default_factory=dict)
    evidence: dict[int, str] = field(default_factory=dict)
    deleted: dict[int, str] = field(default_factory=dict)  # SQLite may reuse the id: keep the content
    packets: dict[int, str] = field(default_factory=dict)
    backups: list[str] = field(default_factory=list)
    acks: int = 0

    def apply(self, lines: list[str]) -> dict[str, Any] | None:
        inflight: dict[str, Any] | None = None
        for line in lines:
            kind, _, rest = line.partition(" ")
            if kind == "START":
                inflight = json.loads(rest)
            elif kind == "ACK":
                doc = json.loads(rest)
                inflight = None
                self.acks += 1
                op = doc["op"]
                if op == "edit":
                    self.edits[doc["case"]] = doc["token"]
                elif op == "import":
                    self.evidence[doc["evidence"]] = doc["sha"]
                    self.deleted.pop(doc["evidence"], None)
                elif op == "delete":
                    self.evidence.pop(doc["evidence"], None)
                    self.deleted[doc["evidence"]] = doc["sha"]
                elif op == "packet":
                    self.packets[doc["packet"]] = doc["path"]
                elif op == "backup":
                    self.backups.append(doc["path"])
        return inflight


def run_driver(
    profile: Path,
    seed: int,
    *,
    kill_after: float | None,
    only: str | None = None,
    crashpoint: str | None = None,
    ops: int = 400,
) -> tuple[list[str], int]:
    args = [sys.executable, str(DRIVER), "--profile", str(profile), "--seed", str(seed), "--ops", str(ops)]
    if only:
        args += ["--only", only]
    extra = {"DESK_CRASHPOINT": crashpoint} if crashpoint else {}
    proc = subprocess.Popen(
        args,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env(**extra),
        start_new_session=True,
        cwd=REPO,
    )
    assert proc.stdout is not None
    out = b""
    if kill_after is not None:
        deadline = time.monotonic() + 60
        while b"READY" not in out and time.monotonic() < deadline:
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break
            out += chunk
        time.sleep(kill_after)
        os.killpg(proc.pid, signal.SIGKILL)
    rest, err = proc.communicate(timeout=120)
    out += rest
    lines = out.decode("utf-8").splitlines()
    if proc.returncode not in (0, -signal.SIGKILL):
        raise AssertionError(f"driver failed ({proc.returncode}):\n{err.decode()[-3000:]}")
    return lines, proc.returncode


def verify(profile: Path, model: Model, inflight: dict[str, Any] | None) -> None:
    """Restart (the app's own recovery runs), then compare the data with what was acknowledged."""
    assert_check_clean(profile)
    con = sqlite3.connect(f"{(profile / 'desk.sqlite3').as_uri()}?mode=ro", uri=True)
    try:
        cases = {
            r[0]: r[1:] for r in con.execute("SELECT id, courier, buyer_nick, description, notes FROM cases")
        }
        evidence = dict(con.execute("SELECT id, sha256 FROM evidence").fetchall())
        packets = {r[0]: (r[1], r[2]) for r in con.execute("SELECT id, file_name, sha256 FROM packets")}
    finally:
        con.close()
    for case_id, fields in cases.items():
        tokens = {f.split(" ")[0] for f in fields}
        assert len(tokens) == 1, f"case {case_id} is half edited: {fields}"
        token = tokens.pop()
        if case_id in model.edits:
            allowed = {model.edits[case_id]}
            if inflight and inflight["op"] == "edit" and inflight["case"] == case_id:
                allowed.add(inflight["token"])
            assert token in allowed, (case_id, token, allowed)
    deleting = inflight["evidence"] if inflight and inflight["op"] == "delete" else None
    for ev_id, sha in model.evidence.items():
        if ev_id == deleting and ev_id not in evidence:
            continue  # the un-acknowledged delete went through completely: allowed
        assert evidence.get(ev_id) == sha, f"acknowledged evidence #{ev_id} lost"
    for ev_id, sha in model.deleted.items():
        assert evidence.get(ev_id) != sha, f"deleted evidence #{ev_id} came back"
    for packet_id, path in model.packets.items():
        assert packet_id in packets, f"acknowledged packet #{packet_id} lost"
        file_name, sha = packets[packet_id]
        assert file_name == path and sha_file(Path(path)) == sha
    # An un-acknowledged operation that did complete is now part of the state the next run builds on.
    if inflight and inflight["op"] == "edit":
        model.edits[inflight["case"]] = cases[inflight["case"]][0].split(" ")[0]
    if deleting is not None and deleting not in evidence and deleting in model.evidence:
        model.deleted[deleting] = model.evidence.pop(deleting)
    for path in model.backups:
        assert read_manifest(Path(path)).counts["cases"] >= 3
    if inflight and inflight["op"] == "backup" and Path(inflight["path"]).exists():
        read_manifest(Path(inflight["path"]))  # if it exists under its final name, it is complete


def test_random_kills_lose_nothing_acknowledged(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    profile = tmp_path / "p"
    model = Model()
    started = time.monotonic()
    for i in range(ITERATIONS):
        seed = SEED + i
        lines, _rc = run_driver(profile, seed, kill_after=rng.uniform(0.0, 0.8))
        inflight = model.apply(lines)
        try:
            verify(profile, model, inflight)
        except AssertionError as exc:
            raise AssertionError(f"iteration {i} (seed {seed}, DESK_KILL_SEED={SEED}): {exc}") from exc
    assert model.acks > ITERATIONS, "the driver hardly ran: the kills tested nothing"
    assert model.backups and model.packets and model.edits and model.deleted
    print(f"{ITERATIONS} kills, {model.acks} acknowledged operations, {time.monotonic() - started:.0f} s")


CRASH_POINTS = [
    ("blob-temp-written", "import"),
    ("blob-renamed", "import"),
    ("evidence-before-commit", "import"),
    ("evidence-after-commit", "import"),
    ("backup-middle", "backup"),
    ("backup-before-rename", "backup"),
]


@pytest.mark.parametrize(("point", "op"), CRASH_POINTS, ids=[p for p, _ in CRASH_POINTS])
def test_named_crash_points(point: str, op: str, tmp_path: Path) -> None:
    profile = tmp_path / "p"
    model = Model()
    # Some acknowledged work first, so there is something to lose.
    lines, _ = run_driver(profile, 1, kill_after=None, ops=6, only="import")
    model.apply(lines)
    for nth in (1, 2, 3) if not FULL else range(1, 11):
        lines, rc = run_driver(
            profile, 100 + nth, kill_after=None, only=op, crashpoint=f"{point}:{nth}", ops=nth + 2
        )
        assert rc == -signal.SIGKILL, f"crash point {point}:{nth} was never reached"
        inflight = model.apply(lines)
        assert inflight is not None and inflight["op"] == op
        verify(profile, model, inflight)
        if op == "backup":
            folder = tmp_path / "driver-backups"
            assert not Path(inflight["path"]).exists()  # killed before the rename: no archive
            assert sorted(p.name for p in folder.glob("*.deskbackup")) == sorted(
                Path(p).name for p in model.backups
            )


def _cli(profile: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desk", "--profile", str(profile), *args],
        capture_output=True,
        text=True,
        env=env(**extra),
        cwd=REPO,
        timeout=120,
    )


@pytest.fixture
def restore_pair(tmp_path: Path) -> tuple[Path, Path, dict[str, Any], dict[str, Any]]:
    old, new = tmp_path / "old", tmp_path / "new"
    run_driver(old, 5, kill_after=None, ops=8, only="import")
    run_driver(new, 6, kill_after=None, ops=12, only="import")
    run_driver(new, 7, kill_after=None, ops=4, only="edit")
    archive = tmp_path / "new.deskbackup"
    assert _cli(new, "backup", str(archive)).returncode == 0
    return old, archive, snapshot(old), snapshot(new)


@pytest.mark.parametrize(
    ("point", "expect"), [("restore-staged", "old"), ("restore-swapped", "old"), ("restore-committed", "new")]
)
def test_restore_killed_is_old_or_new_never_mixed(point: str, expect: str, restore_pair: Any) -> None:
    old, archive, before, after = restore_pair
    proc = _cli(old, "restore", str(archive), "--no-safety-backup", DESK_CRASHPOINT=point)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert_check_clean(old)  # opening runs the recovery
    assert snapshot(old) == (before if expect == "old" else after)
    assert not [p for p in old.iterdir() if p.name.startswith((".restore", "restore-journal"))]


def test_restore_killed_at_random_moments(restore_pair: Any) -> None:
    old, archive, before, after = restore_pair
    archive_old = old.parent / "old.deskbackup"
    assert _cli(old, "backup", str(archive_old)).returncode == 0
    rng = random.Random(SEED)
    outcomes = []
    for i in range(20 if FULL else 5):
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "desk",
                "--profile",
                str(old),
                "restore",
                str(archive),
                "--no-safety-backup",
            ],
            env=env(),
            cwd=REPO,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.2, 1.0))
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        assert_check_clean(old)
        state = snapshot(old)
        assert state in (before, after), f"kill {i}: the profile is a mix of old and new"
        outcomes.append("new" if state == after else "old")
        if state == after:  # back to the old data for the next kill
            assert _cli(old, "restore", str(archive_old), "--no-safety-backup").returncode == 0
            assert snapshot(old) == before
    print("restore kills ended as:", outcomes)


def test_live_backup_while_importing(tmp_path: Path) -> None:
    """Backups taken while another process imports and edits: each restores clean, with every
    operation acknowledged before the backup began (reliability plan T7, live backup)."""
    from desk.backup import backup_profile, restore_backup
    from desk.profile import Profile

    profile = tmp_path / "p"
    run_driver(profile, 1, kill_after=None, ops=3, only="import")  # the profile exists
    args = [sys.executable, str(DRIVER), "--profile", str(profile), "--seed", "77", "--ops", "400"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env(), cwd=REPO)
    assert proc.stdout is not None
    acked_before: list[list[str]] = []
    seen: list[str] = []
    archives = []
    try:
        while len(archives) < 3:
            line = proc.stdout.readline().decode()
            if not line:
                break
            seen.append(line.strip())
            if line.startswith("ACK") and sum(1 for s in seen if s.startswith("ACK")) % 40 == 0:
                acked_before.append([s for s in seen if s.startswith("ACK")])
                archives.append(
                    backup_profile(Profile(profile), tmp_path / f"live-{len(archives)}.deskbackup").path
                )
    finally:
        proc.kill()
        proc.wait()
    assert len(archives) == 3, "the driver finished before three backups were taken"
    for i, (archive, acks) in enumerate(zip(archives, acked_before, strict=True)):
        target = tmp_path / f"restored-{i}"
        restore_backup(archive, Profile(target))
        assert_check_clean(target)
        model = Model()
        model.apply(acks)
        con = sqlite3.connect(target / "desk.sqlite3")
        have = dict(con.execute("SELECT id, sha256 FROM evidence").fetchall())
        con.close()
        for ev_id, sha in model.evidence.items():
            assert have.get(ev_id) == sha, f"backup {i} misses evidence #{ev_id} acknowledged before it began"
