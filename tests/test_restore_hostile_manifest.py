"""Manifests built to exhaust the stack, the memory or the clock: refused cheaply, in plain words.

- generated JSON of every shape: the pre-parse scan says "nested too deep" exactly when it is, and
  anything it lets through parses without RecursionError;
- generated nesting depths and sizes around the limits, through a real restore;
- the budget: the worst refused archives (a manifest of the largest allowed size with bomb claims,
  one far over it, deep nesting, a flood of tiny values, a huge string, a 1 GiB blob claim) are each
  refused in under 5 s with under 500 MB resident, measured in a child process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desk.backup.archive import MAX_MANIFEST_BYTES, MAX_MANIFEST_DEPTH, manifest_shape_problem
from desk.errors import RestoreRefused
from desk.profile import Profile
from tests.test_backup import sign
from tests.timing import SLACK

pytestmark = pytest.mark.sqlite_only

REPO = Path(__file__).resolve().parents[1]
BUDGET_SECONDS = 5.0 * SLACK
BUDGET_MB = 500


def depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    return 0


# Strings full of the characters the scan must not mistake for structure.
tricky_text = st.text(alphabet=st.sampled_from(list('[]{},:"\\ab\n\u00e9\u4e2d\U0001f600')), max_size=12)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | tricky_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(tricky_text, inner, max_size=4),
    max_leaves=60,
)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(value=json_values, ascii_only=st.booleans())
def test_scan_reports_depth_exactly(value: Any, ascii_only: bool) -> None:
    data = json.dumps(value, ensure_ascii=ascii_only).encode()
    problem = manifest_shape_problem(data)
    if depth(value) > MAX_MANIFEST_DEPTH:
        assert problem is not None and "嵌套" in problem
    else:
        assert problem is None or "个值" in problem, problem  # never "too deep" or "unbalanced"
    if problem is None:
        assert json.loads(data) == value or value != value  # parses, no RecursionError


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    openers=st.lists(st.sampled_from(["[", '{"k":']), min_size=1, max_size=40),
    pad=st.integers(0, 3),
)
def test_generated_nesting_is_refused_iff_deeper_than_the_limit(openers: list[str], pad: int) -> None:
    closers = "".join("]" if o == "[" else "}" for o in reversed(openers))
    data = ("".join(openers) + "1" + " " * pad + closers).encode()
    problem = manifest_shape_problem(data)
    if len(openers) > MAX_MANIFEST_DEPTH:
        assert problem is not None and "嵌套" in problem
    else:
        assert problem is None, problem
        json.loads(data)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(n=st.integers(1, 2_000_000))
def test_unbalanced_or_deep_openers_alone_are_refused(n: int) -> None:
    # Nothing closes, so the depth is unknowable; refused all the same, before json recurses into it.
    problem = manifest_shape_problem(b"[" * n)
    assert problem is not None and "括号不成对" in problem
    problem = manifest_shape_problem(b"[" * n + b"]")
    assert (problem is None) if n == 1 else ("括号不成对" in str(problem))


def _tar_with_manifest(path: Path, body: bytes | None, claimed: int | None = None) -> Path:
    """An archive whose first entry is a manifest (sparse zeros when body is None)."""
    size = len(body) if body is not None else int(claimed or 0)
    header = tarfile.TarInfo("manifest.json")
    header.size = size
    with open(path, "wb") as fh:
        fh.write(header.tobuf(format=tarfile.USTAR_FORMAT))
        if body is not None:
            fh.write(body)
            fh.write(b"\0" * (-size % 512 + 1024))
        else:
            fh.truncate(512 + size + (-size % 512) + 1024)
    return path


@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(offset=st.integers(-3 * 512, 3 * 512) | st.sampled_from([-1, 0, 1]))
def test_manifest_size_limit_is_exact_and_checked_before_reading(offset: int, tmp_path: Path) -> None:
    from desk.backup import restore_backup

    claimed = MAX_MANIFEST_BYTES + offset
    archive = _tar_with_manifest(tmp_path / f"size-{offset}.deskbackup", None, claimed)
    with pytest.raises(RestoreRefused) as info:
        restore_backup(archive, Profile(tmp_path / "p"))
    assert ("上限" in info.value.message) == (claimed > MAX_MANIFEST_BYTES), info.value.message
    assert "没有任何改动" in info.value.message
    archive.unlink()


@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(levels=st.integers(MAX_MANIFEST_DEPTH + 1, 3_000_000))
def test_generated_deep_manifests_are_refused_by_restore(levels: int, tmp_path: Path) -> None:
    from desk.backup import restore_backup

    body = b'{"format":"after-sales-desk-backup","x":' + b"[" * levels + b"]" * levels + b"}"
    if len(body) > MAX_MANIFEST_BYTES:
        body = b"[" * MAX_MANIFEST_BYTES
    archive = _tar_with_manifest(tmp_path / "deep.deskbackup", body)
    with pytest.raises(RestoreRefused) as info:
        restore_backup(archive, Profile(tmp_path / "p"))
    assert "嵌套" in info.value.message and "没有任何改动" in info.value.message
    archive.unlink()


# -- the budget -------------------------------------------------------------------------------------


def _signed(doc: dict[str, Any]) -> bytes:
    return sign(doc)


def _base_doc() -> dict[str, Any]:
    return {
        "format": "after-sales-desk-backup",
        "format_version": 1,
        "created_at": "2026-11-27T01:10:19+00:00",
        "app_version": "0.1.0",
        "schema_revision": "0007_packet_kind",
        "counts": {"cases": 1},
        "database": {"name": "database.sqlite3", "size": 4096, "sha256": "0" * 64},
        "blobs": [],
        "missing_blobs": [],
    }


def worst_case(kind: str, path: Path) -> Path:
    if kind == "largest-allowed-manifest-with-bomb-claims":
        doc = _base_doc()
        per_entry = len(json.dumps([f"{0:064x}", 123456789], separators=(",", ":"))) + 1
        n = (MAX_MANIFEST_BYTES - 2000) // per_entry
        doc["blobs"] = [[f"{i:064x}", 123456789] for i in range(n)]
        body = _signed(doc)
        assert len(body) <= MAX_MANIFEST_BYTES
        return _tar_with_manifest(path, body)
    if kind == "manifest-of-64-mib":
        return _tar_with_manifest(path, None, 64 << 20)
    if kind == "nesting-30-mb-deep":
        return _tar_with_manifest(path, b"[" * (30 << 20))
    if kind == "flood-of-empty-lists":
        n = (MAX_MANIFEST_BYTES - 100) // 3
        return _tar_with_manifest(path, b'{"x":[' + b"[]," * (n - 1) + b"[]]}")
    if kind == "small-strings-at-the-density-limit":
        # '"' + 22 letters + '",' = 24 bytes for two values: exactly as dense as the scan lets through.
        doc = _base_doc()
        n = (MAX_MANIFEST_BYTES - 2000) // 25
        doc["missing_blobs"] = [f"{i:022d}" for i in range(n)]
        return _tar_with_manifest(path, _signed(doc))
    if kind == "wide-object-at-the-density-limit":
        doc = _base_doc()
        n = (MAX_MANIFEST_BYTES - 2000) // 25
        doc["counts"] = {f"{i:020d}": 0 for i in range(n)}
        return _tar_with_manifest(path, _signed(doc))
    if kind == "one-huge-astral-string":
        doc = _base_doc()
        doc["app_version"] = "\U0001f600" * ((MAX_MANIFEST_BYTES - 2000) // 4)
        return _tar_with_manifest(path, _signed(doc))
    if kind == "one-gib-blob-claim":
        doc = _base_doc()
        doc["blobs"] = [["1" * 64, 1 << 30]]
        return _tar_with_manifest(path, _signed(doc))
    raise AssertionError(kind)


WORST_CASES = [
    "largest-allowed-manifest-with-bomb-claims",
    "manifest-of-64-mib",
    "nesting-30-mb-deep",
    "flood-of-empty-lists",
    "small-strings-at-the-density-limit",
    "wide-object-at-the-density-limit",
    "one-huge-astral-string",
    "one-gib-blob-claim",
]

CHILD = """
import json, resource, sys, time
from pathlib import Path
from desk.backup import restore_backup
from desk.errors import RestoreRefused
from desk.profile import Profile
usage = resource.getrusage(resource.RUSAGE_SELF)
cpu_before = usage.ru_utime + usage.ru_stime
started = time.perf_counter()
try:
    restore_backup(Path(sys.argv[1]), Profile(Path(sys.argv[2])))
    message = None
except RestoreRefused as exc:
    message = exc.message
seconds = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_SELF)
cpu = usage.ru_utime + usage.ru_stime
# VmHWM: this process's own peak. ru_maxrss would start at the forking parent's size (Linux keeps it
# across fork and exec), so it would measure pytest, not the restore.
try:
    status = Path("/proc/self/status").read_text()
    peak_mb = int(next(l for l in status.splitlines() if l.startswith("VmHWM:")).split()[1]) / 1024
except OSError:
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"message": message, "seconds": seconds, "cpu": cpu - cpu_before, "peak_mb": peak_mb}))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="ru_maxrss is a Unix measure")
@pytest.mark.parametrize("kind", WORST_CASES)
def test_worst_refusals_stay_within_budget(kind: str, tmp_path: Path) -> None:
    archive = worst_case(kind, tmp_path / f"{kind}.deskbackup")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(archive), str(tmp_path / "profile")],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    print(
        f"{kind}: {result['seconds']:.2f} s wall, {result['cpu']:.2f} s CPU, "
        f"peak {result['peak_mb']:.0f} MB — {result['message']}"
    )
    assert result["message"] is not None, "accepted"
    assert "没有任何改动" in result["message"]
    # CPU time is the budget's measure: on a quiet machine the refusal is single-threaded work and wall
    # time equals it, while on a busy CI runner wall time also counts other jobs. Wall time only
    # guards against waiting (a blocked open, a sleep) with a generous bound.
    assert result["cpu"] < BUDGET_SECONDS, result
    assert result["seconds"] < 3 * BUDGET_SECONDS, result
    assert result["peak_mb"] < BUDGET_MB, result
