"""Repeat claimers: one buyer, however the phone or address is spelled, is one key; the history line counts
the buyer's cases of the last 90 days and the appeals won; no phone or address is ever stored in clear."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from desk.db import models as m
from desk.domain import AppealResult, BuyerKeyKind, CaseDraft, CaseStatus, CaseType, Platform
from desk.errors import DeskError, ValidationFailed
from desk.services.buyers import (
    BuyerService,
    load_or_create_secret,
    normalise_address,
    normalise_phone,
    usable_nick,
)

PHONE = "13800138000"
ADDRESS = "浙江省杭州市西湖区文三路 100 号 3 幢 501 室"

# -- normalisation (no database) -----------------------------------------------------------------------------

mobiles = st.builds(
    lambda second, rest: f"1{second}{rest}", st.sampled_from("3456789"), st.from_regex(r"\A[0-9]{9}\Z")
)
_FULL = str.maketrans("0123456789+()-", "０１２３４５６７８９＋（）－")


def spellings(number: str) -> list[str]:
    """How buyers and exports write one mobile number."""
    a, b, c = number[:3], number[3:7], number[7:]
    return [
        number,
        f"{a} {b} {c}",
        f"{a}-{b}-{c}",
        f"+86 {number}",
        f"+86-{a}-{b}-{c}",
        f"(+86) {a} {b} {c}",
        f"0086 {number}",
        f"86{number}",
        f"+86{number}".translate(_FULL),
        f"手机：{a}.{b}.{c}",
    ]


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> BuyerService:
    # key_for needs no database: only the secret.
    return BuyerService(None, tmp_path_factory.mktemp("secret") / "buyer-keys.secret")  # type: ignore[arg-type]


@given(mobiles)
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_spelling_of_a_mobile_is_one_key(keys: BuyerService, number: str) -> None:
    found = {keys.key_for(BuyerKeyKind.PHONE, text) for text in spellings(number)}
    assert found == {keys.key_for(BuyerKeyKind.PHONE, number)}
    assert {normalise_phone(text) for text in spellings(number)} == {number}


@given(mobiles, mobiles)
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_different_numbers_are_different_keys(keys: BuyerService, one: str, other: str) -> None:
    if one == other:
        return
    assert keys.key_for(BuyerKeyKind.PHONE, spellings(one)[3]) != keys.key_for(BuyerKeyKind.PHONE, other)


def test_landlines_keep_their_area_code() -> None:
    assert normalise_phone("+86 10 6552 9988") == normalise_phone("010-65529988") == "01065529988"
    assert normalise_phone("+86 755 8601 3388") == normalise_phone("(0755) 8601-3388") == "075586013388"
    assert normalise_phone("+852 9123 4567") == "85291234567"  # not mistaken for +86


@given(
    st.lists(
        st.sampled_from(["", " ", "  ", "\u3000", "，", ",", "-", "·", "（", "）", "#", "\t"]),
        min_size=8,
        max_size=8,
    )
)
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_addresses_fold_spaces_and_punctuation(keys: BuyerService, seps: list[str]) -> None:
    parts = ["浙江省", "杭州市", "西湖区", "文三路", "100号", "3幢", "501", "室"]
    typed = "".join(p + s for p, s in zip(parts, seps, strict=True))
    assert normalise_address(typed) == "浙江省杭州市西湖区文三路100号3幢501室"
    assert keys.key_for(BuyerKeyKind.ADDRESS, typed) == keys.key_for(
        BuyerKeyKind.ADDRESS, "浙江省杭州市西湖区文三路１００号３幢５０１室"
    )
    assert keys.key_for(BuyerKeyKind.ADDRESS, typed) != keys.key_for(
        BuyerKeyKind.ADDRESS, typed.replace("501", "502")
    )


def test_buyer_ids_are_per_platform(keys: BuyerService) -> None:
    pdd = keys.key_for(BuyerKeyKind.BUYER_ID, "u123", Platform.PDD)
    assert pdd == keys.key_for(BuyerKeyKind.BUYER_ID, " u123 ", Platform.PDD)
    assert pdd != keys.key_for(BuyerKeyKind.BUYER_ID, "u123", Platform.TAOBAO)
    # A phone is the same person on any platform.
    assert keys.key_for(BuyerKeyKind.PHONE, PHONE, Platform.PDD) == keys.key_for(BuyerKeyKind.PHONE, PHONE)


def test_masked_nicknames_name_nobody() -> None:
    assert usable_nick("小雨点") and usable_nick("tb_12")
    assert not usable_nick("用户***") and not usable_nick("t**1") and not usable_nick("  ")


# -- the secret ----------------------------------------------------------------------------------------------


def test_secret_is_made_once_private_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "buyer-keys.secret"
    first = load_or_create_secret(path)
    assert len(first) == 32 and load_or_create_secret(path) == first
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["buyer-keys.secret"]  # no temporary file left
    # Two desks with the same key file make the same keys; another key file makes others.
    a = BuyerService(None, path).key_for(BuyerKeyKind.PHONE, PHONE)  # type: ignore[arg-type]
    b = BuyerService(None, path).key_for(BuyerKeyKind.PHONE, PHONE)  # type: ignore[arg-type]
    c = BuyerService(None, tmp_path / "other.secret").key_for(BuyerKeyKind.PHONE, PHONE)  # type: ignore[arg-type]
    assert a == b != c


def test_a_damaged_secret_is_refused_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / "buyer-keys.secret"
    path.write_bytes(b"short")
    with pytest.raises(DeskError) as info:
        load_or_create_secret(path)
    assert "已损坏" in info.value.message
    assert path.read_bytes() == b"short"


# -- the desk ------------------------------------------------------------------------------------------------


def _case(desk: Any, nick: str = "小雨点", platform: Platform = Platform.PDD, **kw: Any) -> Any:
    case, _ = desk.cases.create(
        CaseDraft(platform=platform, buyer_nick=nick, case_type=CaseType.MALICIOUS, **kw)
    )
    return case


def _age(desk: Any, case_id: int, days: float) -> None:
    """Move a case's registration into the past."""
    when = datetime.now(UTC) - timedelta(days=days)
    with desk.engine.begin() as conn:
        conn.execute(update(m.Case).where(m.Case.id == case_id).values(created_at=when))


def test_history_counts_the_buyers_cases_of_90_days_and_the_appeals_won(desk: Any) -> None:
    old = _case(desk)
    _age(desk, old.id, 120)  # outside the window
    first = _case(desk)
    _age(desk, first.id, 60)
    second = _case(desk, status=CaseStatus.OPEN)
    _age(desk, second.id, 30)
    desk.outcomes.record_appeal(second.id, appeal_kind="goods", result=AppealResult.WON, amount_returned="20")
    other_platform = _case(desk, platform=Platform.TAOBAO)
    stranger = _case(desk, nick="路人甲")
    trashed = _case(desk)
    desk.cases.trash([trashed.id])
    now = _case(desk)

    h = desk.buyers.history(now.id)
    assert (h.count, h.wins) == (3, 1)  # first, second and this one; the win of the second
    assert h.sentence() == "该买家 90 天内第 3 次售后（申诉成功 1 次）"
    assert h.matched_by == (BuyerKeyKind.NICK,)
    # Each case counts the 90 days before it: the old one is within the first's window, not within now's.
    assert desk.buyers.history(first.id).sentence() == "该买家 90 天内第 2 次售后（申诉成功 0 次）"
    assert desk.buyers.history(old.id).count == 1
    assert desk.buyers.history(other_platform.id).count == 1  # the same nickname elsewhere is someone else
    assert desk.buyers.history(stranger.id).count == 1
    # The list asks for a screenful at once: the same answers.
    ids = [old.id, first.id, second.id, other_platform.id, stranger.id, now.id]
    assert desk.buyers.histories(ids) == {i: desk.buyers.history(i) for i in ids}


def test_a_phone_links_cases_across_platforms_and_nicknames(desk: Any) -> None:
    a = _case(desk, nick="用户***")  # a masked nickname alone names nobody
    b = _case(desk, nick="晴天", platform=Platform.TAOBAO)
    assert not desk.buyers.history(a.id).known
    desk.buyers.remember(a.id, phone="+86 138-0013-8000")
    desk.buyers.remember(b.id, phone="13800138000")
    h = desk.buyers.history(b.id)
    assert (h.count, h.matched_by) == (2, (BuyerKeyKind.PHONE,))
    assert desk.buyers.kinds(b.id) == frozenset({BuyerKeyKind.PHONE})


def test_different_buyer_ids_keep_a_shared_nickname_apart(desk: Any) -> None:
    a, b = _case(desk, nick="小熊"), _case(desk, nick="小熊")
    desk.buyers.remember(a.id, buyer_id="pdd-1001")
    desk.buyers.remember(b.id, buyer_id="pdd-2002")
    assert desk.buyers.history(b.id).count == 1
    desk.buyers.remember(b.id, buyer_id="")  # forgotten: the nickname links them again
    assert desk.buyers.history(b.id).count == 2


def test_a_settled_appeal_counts_as_won_by_its_status(desk: Any) -> None:
    a = _case(desk)
    with desk.engine.begin() as conn:  # settled before decisions were recorded
        conn.execute(update(m.Case).where(m.Case.id == a.id).values(status=CaseStatus.APPEAL_WON))
    b = _case(desk)
    assert desk.buyers.history(b.id).wins == 1


def _every_cell(desk: Any) -> str:
    """Every value of every table of the desk's database, as text."""
    out: list[str] = []
    with desk.engine.connect() as conn:
        for table in m.Base.metadata.sorted_tables:
            for row in conn.execute(select(table)):
                out.extend(str(v) for v in row)
    return "\n".join(out)


def test_no_phone_or_address_is_stored_in_clear(desk: Any) -> None:
    case = _case(desk)
    changes = desk.buyers.remember(case.id, phone=f"+86 {PHONE}", address=ADDRESS, buyer_id="pdd-778")
    assert case.id in changes.cases
    cells = _every_cell(desk)
    assert PHONE not in cells and "0013" not in cells
    assert "文三路" not in cells and "pdd-778" not in cells
    line = desk.cases.timeline(case.id)[-1].words().line()
    assert line == "记录买家信息：买家编号、手机号、收货地址（只保存加密摘要，不保存原文）"
    # The secret that makes the keys lives beside the data (the shared evidence folder for a shared
    # database, so every computer makes the same keys), never in it.
    shared = os.environ.get("DESK_BLOB_DIR")
    assert desk.buyers.secret_path.parent == (Path(shared) if shared else desk.profile.root)
    assert desk.buyers.secret_path.read_bytes().hex() not in cells


def test_refusals_never_repeat_what_was_typed(desk: Any) -> None:
    case = _case(desk)
    with pytest.raises(ValidationFailed) as info:
        desk.buyers.remember(case.id, phone="138001")
    assert "138001" not in info.value.message and "手机号无效" in info.value.message


def test_keys_from_the_imported_order(desk: Any) -> None:
    from desk.db import models_orders as mo

    a = _case(desk, order_no="261201-000000000000001")
    b = _case(desk, nick="另一个昵称")
    with desk.engine.begin() as conn:  # the shop keeps receivers (orders.store_buyer_info)
        conn.execute(
            mo.Order.__table__.insert().values(
                platform="PDD",
                order_no="261201-000000000000001",
                receiver_phone=PHONE,
                receiver_address=ADDRESS,
                status="",
                after_sales_status="",
                goods_summary="",
                tracking_no="",
                courier="",
                merchant_note="",
                buyer_message="",
                buyer_nick="",
                receiver_name="",
                source_file="",
                imported_at=datetime.now(UTC),
                updated_at=datetime.now(UTC),
            )
        )
    desk.buyers.remember_from_order(a.id)
    desk.buyers.remember(b.id, address=ADDRESS.replace(" ", ""))
    assert desk.buyers.history(b.id).matched_by == (BuyerKeyKind.ADDRESS,)


def test_forgetting_a_buyer(desk: Any) -> None:
    a, b = _case(desk, nick="用户***"), _case(desk, nick="用户***")
    desk.buyers.remember(a.id, phone=PHONE)
    desk.buyers.remember(b.id, phone=PHONE)
    assert desk.buyers.history(b.id).count == 2
    assert b.id in desk.buyers.forget(b.id).cases
    assert desk.buyers.kinds(b.id) == frozenset() and not desk.buyers.history(b.id).known
    assert desk.cases.timeline(b.id)[-1].words().line() == "清除买家信息：手机号"
    assert not desk.buyers.forget(b.id).cases  # nothing left to forget


def _reference_histories(cases: list[dict[str, Any]], window_days: int) -> dict[int, tuple[int, int]]:
    """The rules of the buyer history, written the plain way (every pair of cases): the target itself, and
    every live case before it within the window that shares a key with it (a buyer id on the same
    platform), or its nickname on its
    platform unless both name different buyer ids. A masked or empty nickname without keys: unknown."""
    window = timedelta(days=window_days)
    out: dict[int, tuple[int, int]] = {}
    for t in cases:
        nick_ok = usable_nick(t["nick"])
        if not nick_ok and not t["keys"]:
            out[t["id"]] = (0, 0)
            continue
        count, wins = 1, int(t["won"])
        for o in cases:
            before = o["at"] < t["at"] or (o["at"] == t["at"] and o["id"] < t["id"])
            if o is t or o["trashed"] or not before or o["at"] <= t["at"] - window:
                continue
            # A buyer id is the platform's: the same id on another platform is someone else.
            shared = {
                k
                for k, v in t["keys"].items()
                if o["keys"].get(k) == v and (k != "buyer_id" or o["platform"] == t["platform"])
            }
            both_ids = "buyer_id" in t["keys"] and "buyer_id" in o["keys"]
            by_nick = (
                nick_ok
                and o["platform"] == t["platform"]
                and o["nick"] == t["nick"]
                and not (both_ids and "buyer_id" not in shared)
            )
            if shared or by_nick:
                count += 1
                wins += int(o["won"])
        out[t["id"]] = (count, wins)
    return out


@pytest.mark.parametrize("seed", range(4))
def test_the_counts_of_a_screenful_match_the_rules_case_by_case(desk: Any, seed: int) -> None:
    """Generated buyers with shared and common nicknames, buyer ids that tell namesakes apart, phones that
    link across platforms, the trash, appeals won by decision or by status, and registrations at the
    very same second: the list's one-statement count equals the plain rules for every case."""
    import random

    rng = random.Random(seed)
    base = datetime(2026, 6, 1, tzinfo=UTC)
    cases: list[dict[str, Any]] = []
    for _ in range(60):
        nick = rng.choice(["小雨点", "小雨点", "jojo", "用户***", "", "晴天"])
        platform = rng.choice([Platform.PDD, Platform.PDD, Platform.TAOBAO])
        status = CaseStatus.APPEAL_WON if rng.random() < 0.15 else CaseStatus.OPEN
        case = _case(desk, nick=nick, platform=platform, status=status)
        keys: dict[str, str] = {}
        if rng.random() < 0.3:
            keys["buyer_id"] = rng.choice(["u1", "u2", "u3"])
        if rng.random() < 0.25:
            keys["phone"] = rng.choice(["13800138000", "13900139000"])
        if keys:
            desk.buyers.remember(case.id, **keys)
        won = status == CaseStatus.APPEAL_WON
        if rng.random() < 0.15:
            result = rng.choice([AppealResult.WON, AppealResult.PARTIAL, AppealResult.REJECTED])
            amount = "" if result == AppealResult.REJECTED else "5"
            desk.outcomes.record_appeal(case.id, appeal_kind="goods", result=result, amount_returned=amount)
            won = won or result != AppealResult.REJECTED
        at = base + timedelta(days=rng.choice([0, 10, 45, 89, 90, 91, 120, 150]), hours=rng.choice([0, 0, 5]))
        with desk.engine.begin() as conn:
            conn.execute(update(m.Case).where(m.Case.id == case.id).values(created_at=at))
        trashed = rng.random() < 0.1
        cases.append(
            {
                "id": case.id,
                "nick": nick,
                "platform": platform,
                "keys": keys,
                "won": won,
                "at": at,
                "trashed": trashed,
            }
        )
    desk.cases.trash([c["id"] for c in cases if c["trashed"]])
    ids = [c["id"] for c in cases]
    got = {int(k): (h.count, h.wins) for k, h in desk.buyers.histories(ids).items()}
    assert got == _reference_histories(cases, desk.buyers.window_days)
    # One case asked alone answers the same as in a screenful.
    assert {i: (desk.buyers.history(i).count, desk.buyers.history(i).wins) for i in ids[:10]} == {
        i: got[i] for i in ids[:10]
    }
