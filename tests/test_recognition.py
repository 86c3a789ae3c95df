"""Reading text in evidence pictures through the worker process (desk/recognition): what an operator sees.

The generated pictures of tests/data/ocr (desk_demo/ocr_set.py, exact truth in truth.json) are read once by
one worker for the whole module: phone numbers in chats and courier weights and waybills must be found. The
worker is cancelled, killed and fed a broken picture, and the desk goes on; a rerun reads nothing; without
the engine, reading is off with one clear sentence and the rest of the CLI works.

The engine is installed by scripts/quickstart.sh (the [ocr] extra); on a machine without it the tests that
need it are skipped, except in CI, where a missing engine fails them."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from desk.progress import Cancelled
from desk.recognition.cache import ReadingCache, read_cached
from desk.recognition.client import EngineMissing, Reader, RecognitionFailed, resident_mb, say_missing_once
from desk.recognition.engine import engine_id
from desk.recognition.fields import find_fields, find_phones, find_weights, propose_redactions
from desk.recognition.types import Reading

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data" / "ocr"
TRUTH = json.loads((DATA / "truth.json").read_text(encoding="utf-8"))

needs_engine = pytest.mark.skipif(
    engine_id() is None and not os.environ.get("CI"),
    reason="text recognition engine not installed (scripts/quickstart.sh installs the [ocr] extra)",
)


@pytest.fixture(autouse=True)
def _reading_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESK_RECOGNITION", "on")  # tests/conftest.py switches it off for other tests


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def readings() -> dict[str, Reading]:
    """Every picture of the small set, read by one worker (one thread, as the desk runs it)."""
    if engine_id() is None and not os.environ.get("CI"):
        pytest.skip("text recognition engine not installed")
    out = {}
    with Reader() as reader:
        for name in TRUTH:
            out[name] = reader.read_path(DATA / name, sha(DATA / name))
        assert reader.peak_mb <= 800, f"the worker grew to {reader.peak_mb:.0f} MB"
    return out


@needs_engine
@pytest.mark.no_database
def test_every_full_phone_number_in_the_chats_is_found_and_no_masked_one(
    readings: dict[str, Reading],
) -> None:
    for name, truth in TRUTH.items():
        if truth["kind"] != "chat":
            continue
        lines = readings[name].lines
        found = [f.value for f in find_phones(lines)]
        assert sorted(found) == sorted(truth["phones"]), (name, [ln.text for ln in lines])
        # One box to black out per number, inside the picture.
        boxes = propose_redactions(lines)
        assert len(boxes) == len(truth["phones"])
        for red in boxes:
            assert all(0 <= x <= readings[name].width and 0 <= y <= readings[name].height for x, y in red.box)
        assert not any(m.replace("*", "") in "".join(found) for m in truth["masked"])


@needs_engine
@pytest.mark.no_database
def test_a_freight_voucher_offers_the_amount_paid_its_waybill_and_when(readings: dict[str, Reading]) -> None:
    """A payment receipt for a return's freight: the amount paid is the one amount offered (the big
    -10.50 and 10.50元 are the same payment), the waybill is read beside a 28-digit transaction number
    that is not one, and the time paid is read to the second."""
    vouchers = [(name, truth) for name, truth in TRUTH.items() if truth["kind"] == "voucher"]
    assert vouchers
    for name, truth in vouchers:
        fields = find_fields(readings[name].lines)
        assert [f.value for f in fields if f.kind == "money"] == [truth["amount"]], name
        assert [f.value for f in fields if f.kind == "waybill"] == [truth["waybill"]], name
        assert truth["time"] in [f.value for f in fields if f.kind == "time"], name
        assert find_phones(readings[name].lines) == []


@needs_engine
@pytest.mark.no_database
def test_courier_weights_with_their_labels_and_the_waybill_are_read_exactly(
    readings: dict[str, Reading],
) -> None:
    for name, truth in TRUTH.items():
        if truth["kind"] != "courier":
            continue
        lines = readings[name].lines
        weights = {(f.label, f.value, f.unit) for f in find_weights(lines)}
        for label, value in truth["weights"].items():
            assert (label, value, "kg") in weights, (name, label, value, sorted(weights))
        waybills = {f.value for f in find_fields(lines) if f.kind == "waybill"}
        assert truth["waybill"] in waybills, (name, waybills)
        assert find_phones(lines) == []  # the masked 139****2211 / 138****1234 stays unproposed


@needs_engine
@pytest.mark.no_database
def test_a_rerun_reads_nothing_and_a_new_engine_reads_again(
    tmp_path: Path, readings: dict[str, Reading]
) -> None:
    name = next(iter(TRUTH))
    cache = ReadingCache(tmp_path)
    cache.put(readings[name])
    with Reader() as reader:
        again, cached = read_cached(reader, cache, DATA / name, sha(DATA / name))
        assert cached and again.lines == readings[name].lines
        assert reader.pid is None  # no worker was even started
    # The same picture read by another engine version counts as not read.
    old = replace(readings[name], engine="rapidocr-onnxruntime 1.4.3 / PP-OCRv4 / desk 1")
    cache.put(old)
    assert cache.get(old.sha256, readings[name].engine) is None
    # A damaged cache file is read again, not an error.
    cache.path_for(old.sha256).write_text("{not json", encoding="utf-8")
    assert cache.get(old.sha256, readings[name].engine) is None
    assert not list(cache.root.rglob(".tmp-*"))


def small_picture(folder: Path, text: str = "运单号 SF1234567890123") -> Path:
    """A small picture of one line of text: quick to read, for tests about the worker rather than the text."""
    from PIL import Image, ImageDraw, ImageFont

    from desk.resources import resource

    # Not smaller than 736 px a side: the engine enlarges a picture to that before finding text in it.
    img = Image.new("RGB", (736, 736), "white")
    font = ImageFont.truetype(str(resource("fonts", "wqy-microhei.ttc")), 24)
    ImageDraw.Draw(img).text((40, 368), text, font=font, fill="black", anchor="lm")
    path = folder / "small.png"
    img.save(path)
    return path


@needs_engine
@pytest.mark.no_database
def test_cancel_kills_the_worker_and_the_next_picture_is_read_by_a_new_one(tmp_path: Path) -> None:
    chat = next(n for n in TRUTH if TRUTH[n]["kind"] == "chat")
    small = small_picture(tmp_path)
    with Reader() as reader:
        timer = threading.Timer(1.5, reader.cancel)
        timer.start()
        started = time.perf_counter()
        with pytest.raises(Cancelled):
            reader.read_path(DATA / chat, sha(DATA / chat))
        assert time.perf_counter() - started < 4  # stopped at once, not after the picture
        assert reader.pid is None
        reading = reader.read_path(small, sha(small))
        assert any("SF1234567890123" in ln.text for ln in reading.lines)


@needs_engine
@pytest.mark.no_database
def test_a_crashed_worker_and_a_broken_picture_fail_one_picture_only(tmp_path: Path) -> None:
    small = small_picture(tmp_path)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    with Reader() as reader:
        with pytest.raises(RecognitionFailed, match=r"broken\.png"):
            reader.read_path(broken, "0" * 64)
        pid = reader.pid
        assert pid is not None and resident_mb(pid)[0] > 0
        assert reader.read_path(small, sha(small)).lines  # the same worker goes on
        assert reader.pid == pid
        os.kill(pid, 9)  # as a native crash in the engine would
        time.sleep(0.2)
        assert reader.read_path(small, sha(small)).lines
        assert reader.restarts == 1 and reader.pid != pid


def _fake_missing_engine(tmp_path: Path) -> dict[str, str]:
    """An environment in which importing the engine fails, as on a machine where it is not installed."""
    fake = tmp_path / "fake" / "rapidocr_onnxruntime"
    fake.mkdir(parents=True, exist_ok=True)
    (fake / "__init__.py").write_text("raise ImportError(\"No module named 'rapidocr_onnxruntime'\")\n")
    return {"PYTHONPATH": os.pathsep.join([str(fake.parent), str(REPO)])}


@pytest.mark.no_database
def test_without_the_engine_reading_is_off_and_says_so_in_one_sentence(tmp_path: Path) -> None:
    with Reader(env=_fake_missing_engine(tmp_path)) as reader, pytest.raises(EngineMissing) as caught:
        reader.read_path(DATA / "courier-000-table.png", sha(DATA / "courier-000-table.png"))
    message = caught.value.message
    assert message.startswith("未安装文字识别组件（") and message.endswith("图片文字识别已关闭")
    assert "rapidocr" in message and "pip install" in message
    # Said once: a background stage asking for every picture does not repeat it.
    assert say_missing_once(message) is True
    assert say_missing_once(message) is False


def test_the_cli_reads_a_picture_and_without_the_engine_says_what_is_missing(tmp_path: Path) -> None:
    from desk.app import open_desk
    from desk.domain import CaseDraft, CaseType

    profile = tmp_path / "profile"
    desk = open_desk(profile)
    try:
        case, _ = desk.cases.create(
            CaseDraft(order_no="240101-123456789012345", case_type=CaseType.MISSING_ITEM)
        )
        courier = "courier-002-compact.png"  # the smallest picture: quick to read twice
        (added,) = desk.evidence.import_files(case.id, [DATA / courier]).added
    finally:
        desk.close()

    def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        full = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
        full.pop("DESK_HOME", None)
        return subprocess.run(
            [sys.executable, "-m", "desk", "--profile", str(profile), *args],
            capture_output=True,
            text=True,
            cwd=REPO,
            env=full,
            timeout=300,
        )

    off = cli("evidence", "read", str(added.id), "--json", env=_fake_missing_engine(tmp_path))
    assert off.returncode == 1 and "图片文字识别已关闭" in off.stderr and "Traceback" not in off.stderr
    assert cli("evidence", "list", str(case.id), env=_fake_missing_engine(tmp_path)).returncode == 0
    if engine_id() is None and not os.environ.get("CI"):
        return
    out = cli("evidence", "read", str(added.id), "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert (
        data["cached"] is False and data["lines"] and {"text", "box", "confidence"} <= set(data["lines"][0])
    )
    weights = {(f["label"], f["value"], f["unit"]) for f in data["fields"] if f["kind"] == "weight"}
    assert {(k, v, "kg") for k, v in TRUTH[courier]["weights"].items()} <= weights
    assert TRUTH[courier]["waybill"] in {f["value"] for f in data["fields"] if f["kind"] == "waybill"}
    again = json.loads(cli("evidence", "read", str(added.id), "--json").stdout)
    assert again["cached"] is True and again["fields"] == data["fields"]
    words = cli("evidence", "read", str(added.id))
    assert "找到揽收重量：" in words.stdout and "找到运单号：" in words.stdout
