"""Case search: Chinese substrings of every length are found, hostile input is literal, the index keeps up."""

from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from desk.db import search_schema
from desk.domain import CaseDraft, CaseFilter, CaseStatus, CaseType, Platform

# Notes written the way operators write them: no spaces between words.
NOTES = [
    "买家申请退货退款，快递单号SF1234567890",
    "收到的保温杯外壳破损，买家拍了开箱视频",
    "买家张伟反馈少件，仓库称重1.25kg与揽收重量一致",
    "发错颜色：下单灰色收到米白色，已补发灰色",
    "不想要了，七天无理由退货，运费买家承担",
    "恶意售后：照片中的商品并非本店商品",
    "快递途中破损，已申请快递理赔，理赔单号LP0012",
    "台灯灯罩有裂痕，买家承认是自己摔落",
    "运费申诉已提交，等待平台审核结果",
    "买家要求仅退款不退货，协商补差价5元",
]


def draft(i: int, note: str) -> CaseDraft:
    return CaseDraft(
        platform=Platform.PDD,
        order_no=f"261120-{i:015d}",
        after_sales_no=f"91028475{i:05d}",
        tracking_no=f"YT75120493{i:05d}",
        buyer_nick=["小雨点", "阿杰", "王芳", "木子李", "晴天"][i % 5],
        case_type=list(CaseType)[i % 5],
        description=note,
    )


# Everything the search covers of each seeded case, to compute what a search must find.
TEXTS = [
    "\n".join((d.order_no, d.after_sales_no, d.tracking_no, d.buyer_nick, d.description))
    for d in (draft(i, n) for i, n in enumerate(NOTES))
]


@pytest.fixture
def seeded(desk):  # type: ignore[no-untyped-def]
    ids = []
    for i, note in enumerate(NOTES):
        case, _ = desk.cases.create(draft(i, note))
        ids.append(case.id)
    return desk, ids


def found(desk, text: str) -> set[int]:  # type: ignore[no-untyped-def]
    return set(desk.cases.list_ids(text))


def expected(text: str, ids: list[int]) -> set[int]:
    return {ids[i] for i, t in enumerate(TEXTS) if text.lower() in t.lower()}


@pytest.mark.parametrize(
    "word",
    # 2-character words (the trigram index alone finds none of these), 1 character, 3+ characters.
    [
        "退货",
        "破损",
        "张伟",
        "少件",
        "补发",
        "运费",
        "理赔",
        "退",
        "灰",
        "1",
        "退货退款",
        "保温杯",
        "快递理赔",
        "sf123",
        "SF1234567890",
        "1.25kg",
    ],
)
def test_recall_on_chinese_text(seeded, word: str) -> None:  # type: ignore[no-untyped-def]
    desk, ids = seeded
    want = expected(word, ids)
    assert want, f"the fixture should contain {word!r}"
    assert found(desk, word) == want


def test_every_field_and_evidence_captions_are_searched(seeded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.test_backup import png

    desk, ids = seeded
    assert found(desk, "261120-000000000000003") == {ids[3]}  # order number
    assert found(desk, "9102847500004") == {ids[4]}  # after-sales number
    assert found(desk, "YT7512049300005") == {ids[5]}  # tracking number
    assert found(desk, "木子李") == {ids[3], ids[8]}  # buyer
    desk.cases.update(ids[0], notes="已电话联系，约定周五回电")
    assert found(desk, "周五") == {ids[0]}  # notes, 2 characters
    report = desk.evidence.import_bytes(ids[1], png(7), "称重.png")
    evidence_id = report.added[0].id
    desk.evidence.update(evidence_id, caption="仓库复称一点二五公斤")
    assert found(desk, "复称") == {ids[1]}
    assert found(desk, "一点二五公斤") == {ids[1]}
    desk.evidence.update(evidence_id, caption="改过的说明")
    assert found(desk, "复称") == set()
    assert found(desk, "改过") == {ids[1]}
    desk.evidence.remove(evidence_id)
    assert found(desk, "改过") == set()


def test_edits_move_a_case_in_and_out_of_results(seeded) -> None:  # type: ignore[no-untyped-def]
    desk, ids = seeded
    desk.cases.update(ids[2], description="换了一段话", buyer_nick="新买家")
    assert ids[2] not in found(desk, "张伟")
    assert found(desk, "换了") == {ids[2]}
    assert found(desk, "新买家") == {ids[2]}


def test_terms_separated_by_spaces_must_all_occur(seeded) -> None:  # type: ignore[no-untyped-def]
    desk, ids = seeded
    assert found(desk, "破损 理赔") == {ids[6]}
    assert found(desk, "破损  保温杯") == {ids[1]}
    assert found(desk, "退货 快递") == {ids[0]}


def test_full_width_input_finds_half_width_text(seeded) -> None:  # type: ignore[no-untyped-def]
    desk, ids = seeded
    assert found(desk, "ＳＦ１２３") == {ids[0]}
    assert found(desk, "ＬＰ") == {ids[6]}


def test_search_combines_with_filters_and_trash(seeded) -> None:  # type: ignore[no-untyped-def]
    desk, ids = seeded
    assert found(desk, "破损") == {ids[1], ids[6]}
    assert set(desk.cases.list_ids(CaseFilter(search="破损", case_types=(CaseType.WRONG_ITEM,)))) == {
        ids[1],
        ids[6],
    }
    assert desk.cases.list_ids(CaseFilter(search="破损", case_types=(CaseType.QUALITY,))) == []
    desk.cases.update(ids[6], status=CaseStatus.NEGOTIATING)
    assert desk.cases.list_ids(CaseFilter(search="破损", statuses=(CaseStatus.NEGOTIATING,))) == [ids[6]]
    desk.cases.trash([ids[1]])
    assert found(desk, "保温杯") == set()
    assert set(desk.cases.list_ids(CaseFilter(search="保温杯", trash=True))) == {ids[1]}
    desk.cases.restore([ids[1]])
    assert found(desk, "保温杯") == {ids[1]}


def test_purged_cases_leave_the_index(seeded) -> None:  # type: ignore[no-untyped-def]
    desk, ids = seeded
    desk.cases.trash([ids[7]])
    desk.cases.purge([ids[7]])
    assert found(desk, "灯罩") == set()
    assert desk.cases.search("灯罩").ids == frozenset()


HOSTILE = [
    '"',
    '""',
    '"退货',
    "'",
    "'; DROP TABLE cases; --",
    "NEAR(退货 破损)",
    "NEAR(",
    "*",
    "退*",
    "**",
    ")",
    "(",
    "()",
    "AND",
    "OR",
    "NOT",
    "AND OR NOT",
    "退货 AND",
    "NOT 退货",
    "description:退货",
    "body:破损",
    "^退货",
    "-退货",
    "+",
    "{退货}",
    "[",
    ":",
    "\x00",
    "退\x00货",
    "\ud800",
    "退\udfff货",
    "\x01\x02",
    "\u200b",
    "\u3000",
    "%",
    "_",
    "\\",
    "%_\\",
    "a" * 101,
    "退 " * 20,
    "\U000e0000",
    "😀",
    "¨",
    "㈱",
    "NEAR(a b, 2)",
    '"a" OR "b"',
]


@pytest.mark.parametrize("query", HOSTILE, ids=lambda q: repr(q)[:30])
def test_hostile_search_never_raises(seeded, query: str) -> None:  # type: ignore[no-untyped-def]
    desk, ids = seeded
    result = desk.cases.query(CaseFilter(search=query))
    # Either searched literally (no note contains these strings) or answered with a hint.
    cleaned = "".join(ch for ch in query if ch not in "\x00\ud800\udfff\x01\x02\u200b\U000e0000").strip()
    if result.hint:
        assert not result.ids
        assert "搜索" in result.hint
    elif cleaned:
        terms = cleaned.lower().split()
        assert set(result.ids) == {
            i for i, t in zip(ids, TEXTS, strict=True) if all(x in t.lower() for x in terms)
        }
    else:
        assert len(result.ids) == len(ids)  # nothing searchable left: no search at all
    assert len(desk.cases.list_ids()) == len(ids)  # the table is still there


def test_literal_operators_are_found_as_text(desk) -> None:  # type: ignore[no-untyped-def]
    odd = [
        "NEAR(退货)",
        'a "quoted" word',
        "100%_好评",
        "x*y",
        "AND OR NOT",
        "col:val",
        "'; DROP TABLE cases; --",
    ]
    made = {}
    for text in odd:
        case, _ = desk.cases.create(CaseDraft(notes=text))
        made[text] = case.id
    for text, case_id in made.items():
        for term in text.split():
            assert case_id in desk.cases.list_ids(term), (text, term)
    assert desk.cases.list_ids("NEAR(退货)") == [made["NEAR(退货)"]]


def test_too_long_input_gets_a_hint(desk) -> None:  # type: ignore[no-untyped-def]
    result = desk.cases.query(CaseFilter(search="退货" * 60))
    assert result.ids == [] and "太长" in result.hint
    result = desk.cases.query(
        CaseFilter(
            search=" ".join("退货破损运费理赔补发少件张伟王芳晴天"[i : i + 2] for i in range(0, 20, 2))
        )
    )
    assert result.ids == [] and "太多" in result.hint


# -- the index on SQLite ---------------------------------------------------------------------------

TRIGGERS = {
    "case_search_ai",
    "case_search_bu",
    "case_search_au",
    "case_search_bd",
    "case_search_cases_ai",
    "case_search_cases_au",
    "case_search_cases_ad",
    "case_search_evidence_ai",
    "case_search_evidence_au",
    "case_search_evidence_ad",
}


def _sqlite_objects(path: Path) -> set[tuple[str, str]]:
    con = sqlite3.connect(path)
    try:
        return {
            (t, n)
            for t, n in con.execute("SELECT type, name FROM sqlite_master WHERE name LIKE 'case_search%'")
        }
    finally:
        con.close()


@pytest.mark.sqlite_only
def test_every_search_trigger_survives_the_migrations_in_any_order(tmp_path: Path) -> None:
    """Sibling branches may run in any order; none may drop the triggers (a table rebuild would)."""
    from alembic import command

    from desk.db.engine import make_engine
    from desk.db.migrate import alembic_config, head_revisions, upgrade

    upgrade(make_engine(f"sqlite:///{tmp_path / 'heads.sqlite3'}"))
    reference = _sqlite_objects(tmp_path / "heads.sqlite3")
    assert {n for t, n in reference if t == "trigger"} == TRIGGERS
    assert {("table", "case_search"), ("table", "case_search_tri"), ("table", "case_search_bi")} <= reference
    for i, order in enumerate(itertools.permutations(sorted(head_revisions()))):
        path = tmp_path / f"order{i}.sqlite3"
        engine = make_engine(f"sqlite:///{path}")
        cfg = alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            for rev in order:
                command.upgrade(cfg, rev)
        engine.dispose()
        assert _sqlite_objects(path) == reference, order


@pytest.mark.sqlite_only
def test_index_matches_the_cases_after_many_edits(seeded) -> None:  # type: ignore[no-untyped-def]
    from desk.check import check_profile

    desk, ids = seeded
    for i, case_id in enumerate(ids):
        desk.cases.update(case_id, description=NOTES[(i + 3) % len(NOTES)], notes="第" + str(i) * 70)
    desk.cases.trash(ids[:2])
    desk.cases.purge(ids[:1])
    with desk.engine.connect() as conn:
        for table in (search_schema.TRIGRAM, search_schema.BIGRAM):
            conn.exec_driver_sql(f"INSERT INTO {table}({table}) VALUES('integrity-check')")
    report = check_profile(desk)
    assert not [f for f in report.findings if f.code == "search-index"]


@pytest.mark.sqlite_only
def test_migration_indexes_cases_that_were_already_there(tmp_path: Path) -> None:
    """A profile from before the index (0001): its cases are searchable right after the upgrade."""
    from alembic import command

    from desk.app import open_desk
    from desk.db.engine import make_engine
    from desk.db.migrate import alembic_config

    root = tmp_path / "p"
    root.mkdir()
    engine = make_engine(f"sqlite:///{root / 'desk.sqlite3'}")
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.exec_driver_sql(
            "INSERT INTO cases (platform, order_no, after_sales_no, tracking_no, courier, buyer_nick, case_type,"
            " status, description, notes, created_at, updated_at, version) VALUES ('拼多多', '261120-1', '', '',"
            " '', '张伟', '漏发少件', '待处理', '买家说少了一个收纳盒', '', '2026-11-20 08:00:00',"
            " '2026-11-20 08:00:00', 1)"
        )
    engine.dispose()
    desk = open_desk(root)
    try:
        assert len(desk.cases.list_ids("收纳盒")) == 1
        assert len(desk.cases.list_ids("张伟")) == 1
        assert len(desk.cases.list_ids("少")) == 1
    finally:
        desk.close()


def test_status_is_not_searched_but_filtered(seeded) -> None:  # type: ignore[no-untyped-def]
    desk, ids = seeded
    desk.cases.update(ids[0], status=CaseStatus.NEGOTIATING)
    assert desk.cases.list_ids(CaseFilter(statuses=(CaseStatus.NEGOTIATING,))) == [ids[0]]
    assert desk.cases.list_ids("协商中") == []


# -- invisible characters and whitespace ---------------------------------------------------------------

ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\ufeff", "\u2060", "\u00ad", "\u200e", "\u202e"]
SPACES = [" ", "\t", "\n", "\r\n", "\u3000", "\u00a0", "\u2028", "  "]


@pytest.mark.parametrize(
    "query", ["退款\n申请", "退款\t申请", "退款\r\n申请", "退款\u3000申请", "\t退款\n申请\n"]
)
def test_line_ends_and_tabs_in_a_query_separate_terms(desk, query: str) -> None:  # type: ignore[no-untyped-def]
    case, _ = desk.cases.create(CaseDraft(description="买家退款，已提交申请"))
    other, _ = desk.cases.create(CaseDraft(description="买家没有退货"))
    assert desk.cases.list_ids(query) == [case.id]
    assert other.id not in desk.cases.list_ids(query)


@pytest.mark.parametrize("invisible", ZERO_WIDTH, ids=lambda c: f"U+{ord(c):04X}")
def test_text_with_invisible_characters_is_found_by_what_it_shows(desk, invisible: str) -> None:  # type: ignore[no-untyped-def]
    case, _ = desk.cases.create(
        CaseDraft(order_no=f"2612{invisible}04-1234", description=f"退{invisible}款申{invisible}请已提交")
    )
    (ev_case, _) = desk.cases.create(CaseDraft(description="另一条"))
    picture = desk.evidence.import_bytes(ev_case.id, _png(), "a.png").added[0]
    desk.evidence.update(picture.id, caption=f"买家承{invisible}认收到")
    for query in ("退款申请", "退款", "款申", "261204-1234", "2612"):
        assert desk.cases.list_ids(query) == [case.id], query
    # The same characters typed (pasted) into the query are dropped the same way.
    assert desk.cases.list_ids(f"退款{invisible}申请") == [case.id]
    assert desk.cases.list_ids("承认收到") == [ev_case.id]
    assert desk.cases.list_ids(f"承{invisible}认") == [ev_case.id]


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(out, "PNG")
    return out.getvalue()


_pieces = st.one_of(
    st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF), min_size=1, max_size=4),
    st.text(alphabet="abcXYZ0123456789-，。", min_size=1, max_size=3),
    st.sampled_from(ZERO_WIDTH),
    st.sampled_from(SPACES),
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(pieces=st.lists(_pieces, min_size=1, max_size=14), data=st.data())
def test_any_piece_of_the_text_finds_its_case(desk, pieces: list[str], data: st.DataObject) -> None:  # type: ignore[no-untyped-def]
    """Whatever invisible characters and spaces the text holds, searching for a piece of it (as copied
    from the screen, invisible characters included or not) finds the case."""
    from desk.services.search import parse

    text = "".join(pieces)
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    piece = text[start:end]
    for query in (piece, "".join(ch for ch in piece if ch not in ZERO_WIDTH)):
        parsed = parse(query)
        assume(parsed.terms and not parsed.hint)
    case, _ = desk.cases.create(CaseDraft(description=text))
    for query in (piece, "".join(ch for ch in piece if ch not in ZERO_WIDTH)):
        assert case.id in desk.cases.list_ids(query), (text, query)


@pytest.mark.sqlite_only
def test_migration_reindexes_text_with_invisible_characters(tmp_path: Path) -> None:
    """A profile indexed by version 1 (invisible characters kept): after the upgrade its text is found by
    what it shows, and the index agrees with the cases."""
    from alembic import command

    from desk.app import open_desk
    from desk.check import check_profile
    from desk.db.engine import make_engine
    from desk.db.migrate import alembic_config

    root = tmp_path / "p"
    root.mkdir()
    engine = make_engine(f"sqlite:///{root / 'desk.sqlite3'}")
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0007_packet_kind")
        # As a desk of version 1 left it: its triggers, its text.
        for name in search_schema.FILL_TRIGGER_NAMES:
            conn.exec_driver_sql(f"DROP TRIGGER {name}")
        for statement in search_schema.SQLITE_TRIGGERS_V1:
            conn.exec_driver_sql(statement)
        conn.exec_driver_sql(
            "INSERT INTO cases (platform, order_no, after_sales_no, tracking_no, courier, buyer_nick, case_type,"
            " status, description, notes, created_at, updated_at, version) VALUES ('拼多多', '261120-1', '', '',"
            " '', '张\u200b伟', '漏发少件', '待处理', '买家说少了一个\u200d收纳盒', '', '2026-11-20 08:00:00',"
            " '2026-11-20 08:00:00', 1)"
        )
        hits = conn.exec_driver_sql(
            f"SELECT count(*) FROM {search_schema.TRIGRAM} WHERE {search_schema.TRIGRAM} MATCH '\"个收纳\"'"
        ).scalar()
        assert hits == 0  # version 1 cannot find it
    engine.dispose()
    desk = open_desk(root)
    try:
        assert len(desk.cases.list_ids("一个收纳盒")) == 1
        assert len(desk.cases.list_ids("张伟")) == 1
        assert len(desk.cases.list_ids("个收")) == 1
        assert not [f for f in check_profile(desk, verify_hashes=False).findings if f.code == "search-index"]
        case, _ = desk.cases.create(CaseDraft(description="新\u2060记录"))  # the new triggers are in place
        assert desk.cases.list_ids("新记录") == [case.id]
    finally:
        desk.close()
