"""The weights the weight tab offers from a case's pictures (RecognitionService.weight_suggestions): only
what was read already (asking never starts the engine, so the tab can ask on every case it opens), each
with its picture, the list shrinking as the operator accepts, and a weight that disagrees with the
records of its kind flagged. A stand-in reader plays the engine (tests/test_recognition_service.py)."""

from __future__ import annotations

from pathlib import Path

from desk.db.engine import make_sessionmaker
from desk.domain import CaseDraft, EvidenceId
from desk.orders.model import WeightKind
from desk.services.recognition import RecognitionService
from tests.test_recognition_service import BLUE, RED, TEXTS, FakeReader, add, picture

GREEN = (0, 160, 0)
# A courier page with every labelled weight: 揽收 and 计费 agree (one record between them), 上车 and 下车.
PAGE = (
    "运单号 YT1234567890123",
    "揽收称重 1.25kg",
    "计费重量：1.25 kg",
    "上车扫描，发往杭州转运中心，称重 1.24kg",
    "下车扫描，到达杭州转运中心，称重 1.26kg",
)


class Started:
    """A reader factory that counts how often the desk asked for the engine."""

    def __init__(self, reader: FakeReader) -> None:
        self.reader = reader
        self.count = 0

    def __call__(self) -> FakeReader:
        self.count += 1
        return self.reader


def make_service(desk, started: Started, *, installed: bool = True) -> RecognitionService:  # type: ignore[no-untyped-def]
    return RecognitionService(
        make_sessionmaker(desk.engine),
        desk.evidence,
        desk.cases,
        desk.weights,
        desk.profile.root,
        reader_factory=started,
        engine=lambda: FakeReader.engine if installed else None,
    )


def offered(svc: RecognitionService, case_id) -> list[tuple[WeightKind, int, EvidenceId, str]]:  # type: ignore[no-untyped-def]
    return [(w.kind, w.grams, w.evidence_id, w.picture_name) for w in svc.weight_suggestions(case_id)]


def test_only_pictures_read_already_are_offered_and_the_engine_is_never_started(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    started = Started(FakeReader(TEXTS))
    svc = make_service(desk, started)
    case, _ = desk.cases.create(CaseDraft(order_no="261120-000000000000021"))
    courier = add(desk, case.id, picture(tmp_path, "快递内网截图.png", BLUE))
    add(desk, case.id, picture(tmp_path, "聊天.png", RED))

    assert svc.weight_suggestions(case.id) == ()  # never read: nothing, and nothing read to find out
    assert started.count == 0 and started.reader.reads == []

    svc.read(courier)  # as after the import, or when the picture was viewed
    assert started.reader.reads != []
    reads = len(started.reader.reads)
    (w,) = svc.weight_suggestions(case.id)
    assert (w.kind, w.grams, w.evidence_id, w.picture_name) == (
        WeightKind.COURIER_PICKUP,
        1250,
        courier,
        "快递内网截图.png",
    )
    assert w.words == "快递揽收重量 1.25 kg · 来自 快递内网截图.png"
    assert not w.suggestion.differs
    assert len(started.reader.reads) == reads  # asking again reads nothing: the cache answers

    # Reading switched off (or no engine): nothing is offered, even from what was read before.
    off = make_service(desk, Started(FakeReader(TEXTS)), installed=False)
    assert off.weight_suggestions(case.id) == ()


def test_accepted_weights_leave_the_list_and_a_differing_one_is_flagged(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    svc = make_service(desk, Started(FakeReader({str(GREEN): PAGE})))
    case, _ = desk.cases.create(CaseDraft(order_no="261120-000000000000022"))
    page = add(desk, case.id, picture(tmp_path, "快递内网.png", GREEN))
    # The load weighed by hand says 1,300 g; the pickup was typed in by hand with the page's own figure.
    desk.weights.add(case.id, WeightKind.COURIER_LOAD, 1300)
    desk.weights.add(case.id, WeightKind.COURIER_PICKUP, 1250)
    svc.read(page)

    found = {w.kind: w for w in svc.weight_suggestions(case.id)}
    # 揽收 and 计费 agree: one suggestion; a record of the same weight typed by hand (no picture) does not
    # take its place: accepting gives the record its source.
    assert [(w.kind, w.grams) for w in svc.weight_suggestions(case.id)] == [
        (WeightKind.COURIER_PICKUP, 1250),
        (WeightKind.COURIER_LOAD, 1240),
        (WeightKind.COURIER_UNLOAD, 1260),
    ]
    assert not found[WeightKind.COURIER_PICKUP].suggestion.differs
    load = found[WeightKind.COURIER_LOAD]
    assert load.suggestion.differs and load.suggestion.current == "1300 克"
    assert load.words == "快递上车重量 1.24 kg（记录中为 1300 克） · 来自 快递内网.png"
    assert not found[WeightKind.COURIER_UNLOAD].suggestion.differs  # nothing of that kind to differ from

    accepted = svc.accept_suggestion(page, found[WeightKind.COURIER_UNLOAD].suggestion.key)
    assert accepted.applied
    assert [w.kind for w in svc.weight_suggestions(case.id)] == [
        WeightKind.COURIER_PICKUP,
        WeightKind.COURIER_LOAD,
    ]
    accepted = svc.accept_suggestion(page, load.suggestion.key)
    assert accepted.applied and accepted.differs  # recorded beside the 1,300 g, never over it
    assert [w.kind for w in svc.weight_suggestions(case.id)] == [WeightKind.COURIER_PICKUP]
    svc.accept_suggestion(page, found[WeightKind.COURIER_PICKUP].suggestion.key)
    assert svc.weight_suggestions(case.id) == ()
    sources = {(r.kind, r.grams, r.evidence_id) for r in desk.weights.records(case.id)}
    assert {
        (WeightKind.COURIER_PICKUP, 1250, page),
        (WeightKind.COURIER_LOAD, 1240, page),
        (WeightKind.COURIER_UNLOAD, 1260, page),
    } <= sources
    assert (WeightKind.COURIER_LOAD, 1300, None) in sources  # the operator's own record is untouched

    # Removing the record made from the picture offers its weight again.
    (from_page,) = [r for r in desk.weights.records(case.id) if r.kind == WeightKind.COURIER_UNLOAD]
    desk.weights.remove(from_page.id)
    assert [w.kind for w in svc.weight_suggestions(case.id)] == [WeightKind.COURIER_UNLOAD]


def test_a_picture_of_another_case_offers_its_weights_there_not_here(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The page's waybill is another case's: its weights are that case's, so this case's tab offers none
    (the viewer offers to move the picture); once moved, that case's tab offers them."""
    svc = make_service(desk, Started(FakeReader({str(GREEN): PAGE})))
    home, _ = desk.cases.create(CaseDraft(order_no="261120-000000000000023", tracking_no="YT9999999999999"))
    owner, _ = desk.cases.create(CaseDraft(order_no="261120-000000000000024", tracking_no="YT1234567890123"))
    page = add(desk, home.id, picture(tmp_path, "快递内网.png", GREEN))
    (waybill,) = [s for s in svc.read(page).suggestions if s.kind == "waybill"]
    assert waybill.elsewhere == owner.id

    assert svc.weight_suggestions(home.id) == ()
    svc.move_to_owner(page, waybill.key)
    assert [w.kind for w in svc.weight_suggestions(owner.id)] == [
        WeightKind.COURIER_PICKUP,
        WeightKind.COURIER_LOAD,
        WeightKind.COURIER_UNLOAD,
    ]


def test_accepting_a_weight_never_waits_for_a_picture_being_read(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Accepting runs on the database worker: with the reader busy on another picture (held here), a
    suggestion from a picture read before is written at once, not after that reading."""
    import threading

    hold = threading.Event()
    reader = FakeReader({str(GREEN): PAGE, str(BLUE): ("运单号 YT5555555555555",)})
    svc = make_service(desk, Started(reader))
    case, _ = desk.cases.create(CaseDraft(order_no="261120-000000000000025"))
    page = add(desk, case.id, picture(tmp_path, "快递内网.png", GREEN))
    other = add(desk, case.id, picture(tmp_path, "另一张.png", BLUE))
    svc.read(page)
    (first, *_) = svc.weight_suggestions(case.id)
    reader.hold = hold  # the next reading waits until released
    busy = threading.Thread(target=svc.read, args=(other,), daemon=True)
    busy.start()
    try:
        while not svc._reading.locked():  # the background reading holds the reader now
            threading.Event().wait(0.01)
        answers: list[object] = []
        accepting = threading.Thread(
            target=lambda: answers.append(svc.accept_suggestion(page, first.suggestion.key)), daemon=True
        )
        accepting.start()
        accepting.join(5)
        assert svc._reading.locked()  # the reading still goes on
        assert answers and answers[0].applied  # type: ignore[attr-defined]  # and the weight is written
    finally:
        hold.set()
        busy.join(10)
