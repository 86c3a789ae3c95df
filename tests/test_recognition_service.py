"""Reading evidence pictures as the operator meets it (desk/services/recognition.py): what a picture says
becomes searchable (phone numbers never in clear), values found in it are suggestions that change the case
only when accepted and never overwrite what it holds, reading after an import happens in the background
and never holds the import up, and a read can be cancelled.

A stand-in reader plays the engine here (the worker process is tested in test_recognition.py), so these run
in a second each and without the engine; the last test drives the real CLI with the real engine."""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path

import pytest
from PIL import Image

from desk.db.engine import make_sessionmaker
from desk.domain import CaseDraft, CaseId, EvidenceId
from desk.errors import ValidationFailed
from desk.orders.model import WeightKind
from desk.progress import Cancelled
from desk.recognition.client import EngineMissing
from desk.recognition.engine import engine_id
from desk.recognition.types import Line, Reading
from desk.services.recognition import RecognitionService
from tests.test_recognition import needs_engine

REPO = Path(__file__).resolve().parents[1]
BOX = ((0.0, 0.0), (100.0, 0.0), (100.0, 20.0), (0.0, 20.0))
CHAT = ("买家：收到的货少件了，只有两个", "联系电话 13800138000", "退款 ¥25.50")
COURIER = ("运单号 SF1234567890123", "揽收称重 1.25kg", "订单号 261120-123456789012345")


class FakeReader:
    """Reads a picture as the lines given for its colour; can be held until released, or until cancelled."""

    engine = "stand-in engine 1"

    def __init__(self, texts: dict[str, tuple[str, ...]], hold: threading.Event | None = None) -> None:
        self.texts = texts
        self.hold = hold
        self.reads: list[str] = []
        self.cancelled = threading.Event()

    def read_path(self, path: Path, sha256: str) -> Reading:
        if self.hold is not None:
            while not self.hold.wait(0.02):
                if self.cancelled.is_set():
                    self.cancelled.clear()
                    raise Cancelled()
        self.reads.append(sha256)
        colour = Image.open(path).convert("RGB").getpixel((0, 0))
        lines = tuple(Line(t, BOX, 0.99) for t in self.texts.get(str(colour), ()))
        return Reading(sha256, self.engine, 40, 40, lines, 0.1)

    def cancel(self) -> None:
        self.cancelled.set()

    def close(self) -> None:
        pass


def picture(folder: Path, name: str, colour: tuple[int, int, int]) -> Path:
    path = folder / name
    buf = io.BytesIO()
    Image.new("RGB", (40, 40), colour).save(buf, "PNG")
    path.write_bytes(buf.getvalue())
    return path


def service(desk, reader: FakeReader, *, installed: bool = True) -> RecognitionService:  # type: ignore[no-untyped-def]
    """The desk's reading service with a stand-in reader; installed=False: as without the engine."""
    svc = RecognitionService(
        make_sessionmaker(desk.engine),
        desk.evidence,
        desk.cases,
        desk.weights,
        desk.profile.root,
        reader_factory=lambda: reader,
        engine=lambda: FakeReader.engine if installed else None,
    )
    desk.evidence._importer.after_store = svc.imported
    return svc


RED, BLUE = (200, 0, 0), (0, 0, 200)
TEXTS = {str(RED): CHAT, str(BLUE): COURIER}


def add(desk, case_id: CaseId, path: Path) -> EvidenceId:  # type: ignore[no-untyped-def]
    report = desk.evidence.import_files(case_id, [path])
    assert report.added, report.summary()
    return report.added[0].id


def test_search_finds_what_a_picture_says_but_never_a_phone_number(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    svc = service(desk, FakeReader(TEXTS))
    chat_case, _ = desk.cases.create(CaseDraft(order_no="261120-000000000000001"))
    other, _ = desk.cases.create(CaseDraft(order_no="261120-000000000000002"))
    chat = add(desk, chat_case.id, picture(tmp_path, "chat.png", RED))
    add(desk, other.id, picture(tmp_path, "courier.png", BLUE))
    assert desk.cases.search("少件").ids == frozenset()  # not read yet

    assert set(svc.pending(None)) == {chat, svc.pending(other.id)[0]}
    summary = svc.read_all(svc.pending(None))
    assert (summary.read, summary.failed) == (2, ())
    assert desk.cases.search("少件").ids == {chat_case.id}
    assert desk.cases.search("揽收称重").ids == {other.id}
    assert desk.cases.search("少").ids == {chat_case.id}  # the 1–2 character index has it too
    assert desk.cases.search("13800138000").ids == frozenset()
    assert desk.cases.search("0013800").ids == frozenset()
    assert svc.pending(None) == ()

    # The picture removed: its words go with it.
    desk.evidence.remove(chat)
    assert desk.cases.search("少件").ids == frozenset()


def test_a_picture_is_read_once_and_the_text_is_kept_per_content(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    reader = FakeReader(TEXTS)
    svc = service(desk, reader)
    case, _ = desk.cases.create(CaseDraft(order_no="261120-000000000000003"))
    ev = add(desk, case.id, picture(tmp_path, "chat.png", RED))
    first = svc.read(ev)
    again = svc.read(ev)
    assert not first.cached and again.cached
    assert len(reader.reads) == 1
    assert first.lines == CHAT


def test_suggestions_are_written_only_when_accepted_and_never_over_the_case(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    svc = service(desk, FakeReader(TEXTS))
    case, _ = desk.cases.create(CaseDraft(order_no="261120-999999999999999"))
    ev = add(desk, case.id, picture(tmp_path, "courier.png", BLUE))
    found = {s.kind: s for s in svc.read(ev).suggestions}
    assert desk.weights.records(case.id) == []  # nothing written by reading
    assert desk.cases.get(case.id).tracking_no == ""

    weight = svc.accept_suggestion(ev, found["weight"].key)
    assert weight.applied and not weight.differs
    (record,) = desk.weights.records(case.id)
    assert (record.kind, record.grams, record.evidence_id) == (WeightKind.COURIER_PICKUP, 1250, ev)
    assert not svc.accept_suggestion(ev, found["weight"]).applied  # accepted twice: still one record

    waybill = svc.accept_suggestion(ev, found["waybill"])
    assert waybill.applied and desk.cases.get(case.id).tracking_no == "SF1234567890123"

    assert found["order"].differs  # the picture's order number is not the case's
    order = svc.accept_suggestion(ev, found["order"])
    assert order.differs and not order.applied
    assert desk.cases.get(case.id).order_no == "261120-999999999999999"
    assert "不一致" in order.message

    chat = add(desk, case.id, picture(tmp_path, "chat.png", RED))
    money = next(s for s in svc.read(chat).suggestions)
    assert money.kind == "money" and not money.acceptable
    with pytest.raises(ValidationFailed, match="只供参考"):
        svc.accept_suggestion(chat, money.key)
    with pytest.raises(ValidationFailed, match="重新查看"):
        svc.accept_suggestion(ev, "weight:99")


def test_reading_after_an_import_runs_in_the_background_and_never_holds_the_import(
    desk,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    hold = threading.Event()
    svc = service(desk, FakeReader(TEXTS, hold))
    svc.background = True
    case, _ = desk.cases.create(CaseDraft(order_no="261120-000000000000004"))
    started = time.monotonic()
    report = desk.evidence.import_files(
        case.id, [picture(tmp_path, "chat.png", RED), picture(tmp_path, "courier.png", BLUE)]
    )
    assert len(report.added) == 2 and time.monotonic() - started < 5  # returned while the reader is held
    assert desk.cases.search("少件").ids == frozenset()
    hold.set()
    deadline = time.monotonic() + 10
    while desk.cases.search("少件").ids != {case.id} or desk.cases.search("揽收").ids != {case.id}:
        assert time.monotonic() < deadline, "the background reading never finished"
        time.sleep(0.05)
    svc.close()


def test_reading_is_queued_once_the_import_is_over_never_beside_it(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """An import of several batches hands all it stored to reading in one go when it is over (reading
    beside it took its cores: 81 % of its speed in bench_ocr), also when it was cancelled part way."""
    from desk.services.evidence_import import IMPORT_BATCH

    calls: list[tuple[int, int]] = []  # (pictures handed over, pictures in the case at that moment)
    case, _ = desk.cases.create(CaseDraft(order_no="261120-000000000000014"))
    desk.evidence._importer.after_store = lambda added: calls.append(
        (len(added), len(desk.evidence.list(case.id)))
    )
    count = IMPORT_BATCH * 2 + 3
    paths = [picture(tmp_path, f"p{i:02d}.png", (i, 7, 200)) for i in range(count)]
    report = desk.evidence.import_files(case.id, paths)
    assert len(report.added) == count
    assert calls == [(count, count)]

    calls.clear()
    other, _ = desk.cases.create(CaseDraft(order_no="261120-000000000000015"))
    asked = 0

    def cancel() -> bool:
        nonlocal asked
        asked += 1
        return asked > IMPORT_BATCH + 2  # part way through the second batch

    desk.evidence._importer.after_store = lambda added: calls.append(
        (len(added), len(desk.evidence.list(other.id)))
    )
    report = desk.evidence.import_files(other.id, paths, cancel=cancel)
    assert report.cancelled and 0 < len(report.added) < count
    assert calls == [(len(report.added), len(report.added))]


def test_a_read_is_cancelled_at_once_and_background_reading_stops(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    reader = FakeReader(TEXTS, threading.Event())
    svc = service(desk, reader)
    case, _ = desk.cases.create(CaseDraft(order_no="261120-000000000000005"))
    ev = add(desk, case.id, picture(tmp_path, "chat.png", RED))
    asked = threading.Event()
    threading.Timer(0.2, asked.set).start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        svc.read(ev, asked.is_set)
    assert time.monotonic() - started < 2
    assert reader.reads == [] and svc.pending(case.id) == (ev,)

    svc.background = True
    svc.imported([desk.evidence.get(ev)] * 3)
    svc.close()
    assert svc.queued() == 0 and reader.reads == []


def test_without_the_engine_nothing_is_read_and_the_desk_says_so(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    reader = FakeReader(TEXTS)
    svc = service(desk, reader, installed=False)
    svc.background = True
    case, _ = desk.cases.create(CaseDraft(order_no="261120-000000000000006"))
    ev = add(desk, case.id, picture(tmp_path, "chat.png", RED))
    assert svc.pending(None) == () and svc.queued() == 0 and reader.reads == []
    assert not svc.available()
    with pytest.raises(EngineMissing, match="图片文字识别已关闭"):
        svc.read_all([ev])


@needs_engine
def test_cli_reads_what_it_adds_and_reads_the_rest_with_progress(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from desk.cli import main

    monkeypatch.setenv("DESK_RECOGNITION", "on")  # tests/conftest.py switches reading off for other tests

    profile = str(tmp_path / "profile")
    page = REPO / "tests" / "data" / "ocr" / "courier-000-table.png"
    assert main(["--profile", profile, "case", "new", "--order-no", "261120-000000000000007"]) == 0
    assert main(["--profile", profile, "evidence", "add", "1", str(page), "--no-read"]) == 0
    capsys.readouterr()
    assert main(["--profile", profile, "evidence", "read", "--all"]) == 0
    out = capsys.readouterr()
    assert "识别中 1/1" in out.err and "已识别 1 张图片" in out.out
    assert main(["--profile", profile, "evidence", "read", "--all"]) == 0
    assert "没有待识别的图片" in capsys.readouterr().out


def test_switched_off_the_desk_reads_nothing_and_says_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """DESK_RECOGNITION=off (docs/recognition.md): an engine that is installed stays unused, without a word."""
    from desk.cli import main
    from desk.recognition.engine import engine_if_on

    monkeypatch.setenv("DESK_RECOGNITION", "off")
    assert engine_if_on() is None
    profile = str(tmp_path / "profile")
    page = REPO / "tests" / "data" / "ocr" / "courier-000-table.png"
    assert main(["--profile", profile, "case", "new", "--order-no", "261120-000000000000008"]) == 0
    capsys.readouterr()
    assert main(["--profile", profile, "evidence", "add", "1", str(page)]) == 0
    out = capsys.readouterr()
    assert out.err == "" and "识别" not in out.out
    assert not (Path(profile) / "recognized").exists() or not any((Path(profile) / "recognized").iterdir())
    monkeypatch.setenv("DESK_RECOGNITION", "on")
    assert engine_if_on() == engine_id()
