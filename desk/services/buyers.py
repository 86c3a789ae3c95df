"""Repeat claimers: a local record of who the buyer of a case is, and how often they asked before.

A buyer is recognised by the platform's buyer id, by the nickname the case already holds, and by phone and
address. Phone and address are never stored in clear outside the imported order they came from: buyer_keys
holds HMAC-SHA256 of their normalised form under a secret of this desk, kept in a file beside the data
(never in the database). A copy of the database alone, or of a backup archive, does not give a phone back,
even by trying every possible number.

`history(case_id)` says "该买家 90 天内第 N 次售后（申诉成功 M 次）": the buyer's cases registered in the 90
days up to this one (this one included; trashed ones left out) and how many of them ended with an appeal the
shop won. `histories(ids)` answers the same for a screenful of the case list in a few queries.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Integer, String, and_, case, column, delete, exists, func, or_, select, values
from sqlalchemy.orm import Session, aliased, sessionmaker

from desk.db import models as m
from desk.db import models_orders as mo
from desk.db import models_outcomes as mx
from desk.db.types import utcnow
from desk.domain import AppealResult, BuyerKeyKind, CaseId, CaseStatus, Changes, EventKind, Platform
from desk.errors import DeskError, NotFound, ValidationFailed
from desk.fileops import fsync_dir
from desk.services.events import new_event

SECRET_FILE = "buyer-keys.secret"
SECRET_BYTES = 32
WINDOW_DAYS = 90
MAX_BUYER_ID = 64
MAX_ADDRESS = 500
# Kinds that name one account on one platform; a phone or an address is the same person anywhere.
PLATFORM_SCOPED = frozenset({BuyerKeyKind.NICK, BuyerKeyKind.BUYER_ID})
WON_RESULTS = (AppealResult.WON, AppealResult.PARTIAL)
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class BuyerHistory:
    """How often the buyer of a case asked for after-sales within the window, and appeals the shop won."""

    case_id: CaseId
    count: int  # the buyer's cases in the window up to this one, this one included; 0: buyer unknown
    wins: int  # of those, cases with an appeal the shop won (申诉成功 or 部分支持)
    window_days: int = WINDOW_DAYS
    matched_by: tuple[BuyerKeyKind, ...] = ()  # what linked the other cases (nickname, phone …)

    @property
    def known(self) -> bool:
        return self.count > 0

    def sentence(self) -> str:
        if not self.known:
            return ""
        return f"该买家 {self.window_days} 天内第 {self.count} 次售后（申诉成功 {self.wins} 次）"


# -- normalised values -------------------------------------------------------------------------------------


def _digits(text: str) -> str:
    # Full-width and other digit forms count as the digits they are (１３８… is 138…).
    return "".join(str(d) for d in (unicodedata.decimal(c, None) for c in text) if d is not None)


def normalise_phone(text: str) -> str:
    """Digits only, without the country code +86 / 0086 ("+86 138-0013-8000" → "13800138000"); a landline
    written with +86 gets its leading 0 back ("+86 10 6552 9988" → "01065529988")."""
    digits = _digits(text)
    international = False
    if digits.startswith("0086"):
        digits, international = digits[4:], True
    elif digits.startswith("86") and (
        (len(digits) == 13 and digits[2] == "1") or "+" in text or "＋" in text
    ):
        digits, international = digits[2:], True
    # After +86 an area code has lost its 0; mobiles start 13–19, Beijing's area code is 10.
    if international and digits and (digits[0] not in "01" or digits.startswith("10")):
        digits = "0" + digits
    return digits


def normalise_address(text: str) -> str:
    """Letters and digits only, in one width and case: spaces, punctuation and symbols are folded away
    ("浙江省 杭州市，西湖区 文三路1号" and "浙江省杭州市西湖区文三路１号" are one address)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(c for c in folded if unicodedata.category(c)[0] in "LN")


def normalise_plain(text: str) -> str:
    """A buyer id or nickname: one line, outer spaces removed."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def usable_nick(nick: str) -> bool:
    """Platforms mask nicknames in their exports (用户***, t**1): a masked one names nobody in particular."""
    return bool(nick.strip()) and "*" not in nick and "＊" not in nick


# -- the secret --------------------------------------------------------------------------------------------


def load_or_create_secret(path: Path) -> bytes:
    """The desk's key for buyer hashes; made once (random, readable by this user only), never replaced.

    Two desks starting at once both write a candidate beside it and link it into place; the link fails
    for the second, which then reads the first one's. A damaged file is an error, not a reason to make a
    new key: a new key would silently stop recognising every buyer recorded so far.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        data = _create_secret(path)
    except OSError as exc:
        raise DeskError(f"无法读取买家识别密钥“{path}”：{exc.strerror or exc}") from exc
    if len(data) != SECRET_BYTES:
        raise DeskError(
            f"买家识别密钥“{path}”已损坏（长度不对）。请从备份找回这个文件；"
            "或删除它，之后会生成新的密钥，但之前记录的手机号、地址将无法再比对。"
        )
    return data


def _create_secret(path: Path) -> bytes:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(secrets.token_bytes(SECRET_BYTES))
                fh.flush()
                os.fsync(fh.fileno())
            try:
                os.link(tmp, path)  # fails if another desk made it first: theirs is the key
            except FileExistsError:
                pass
            except OSError:
                if not path.exists():  # a file system without hard links: a rename, still whole or absent
                    os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        fsync_dir(path.parent)
        return path.read_bytes()
    except OSError as exc:
        raise DeskError(f"无法保存买家识别密钥“{path}”：{exc.strerror or exc}") from exc


# -- the service -------------------------------------------------------------------------------------------


class BuyerService:
    """Buyer keys of cases, and the buyer's history; one unit of work per call."""

    def __init__(
        self, sessions: sessionmaker[Session], secret_path: Path, *, window_days: int = WINDOW_DAYS
    ) -> None:
        self._sessions = sessions
        self._secret_path = secret_path
        self._secret: bytes | None = None
        self.window_days = window_days

    @property
    def secret_path(self) -> Path:
        """The file holding the key of this desk's buyer hashes (to keep with the data, never in it)."""
        return self._secret_path

    def _key_bytes(self) -> bytes:
        if self._secret is None:
            self._secret = load_or_create_secret(self._secret_path)
        return self._secret

    def key_for(self, kind: BuyerKeyKind, value: str, platform: Platform | None = None) -> str:
        """The stored key of a value ("" when the normalised value is empty)."""
        kind = BuyerKeyKind(kind)
        normal = _normalise(kind, value)
        if not normal:
            return ""
        scope = Platform(platform).value if kind in PLATFORM_SCOPED and platform is not None else ""
        message = f"{kind.value}\x1f{scope}\x1f{normal}".encode()
        return hmac.new(self._key_bytes(), message, hashlib.sha256).hexdigest()

    # -- writes -------------------------------------------------------------------------------------------

    def remember(
        self,
        case_id: CaseId,
        *,
        buyer_id: str | None = None,
        phone: str | None = None,
        address: str | None = None,
    ) -> Changes:
        """Keep what identifies the case's buyer, as keys only. None leaves a kind as it is; "" forgets it.

        Nothing typed here is stored or logged in clear, and refusals never repeat the value.
        """
        given = {BuyerKeyKind.BUYER_ID: buyer_id, BuyerKeyKind.PHONE: phone, BuyerKeyKind.ADDRESS: address}
        wanted = {k: v for k, v in given.items() if v is not None}
        for kind, value in wanted.items():
            _check(kind, value)
        with self._sessions.begin() as s:
            c = s.get(m.Case, case_id)
            if c is None:
                raise NotFound(f"售后记录 #{case_id} 不存在（可能已被彻底删除）")
            keys = {kind: self.key_for(kind, value, c.platform) for kind, value in wanted.items()}
            return self._store_keys(s, c, keys)

    def remember_from_order(self, case_id: CaseId) -> Changes:
        """Keys of the receiver's phone and address of the case's imported order, where the shop keeps them
        (the order keeps them in clear; the keys let other cases find this buyer)."""
        with self._sessions.begin() as s:
            c = s.get(m.Case, case_id)
            if c is None:
                raise NotFound(f"售后记录 #{case_id} 不存在（可能已被彻底删除）")
            if not c.order_no:
                return Changes()
            order = s.scalars(
                select(mo.Order).where(mo.Order.order_no == c.order_no, mo.Order.platform == c.platform)
            ).first()
            if order is None:
                return Changes()
            keys: dict[BuyerKeyKind, str] = {}
            for kind, value in (
                (BuyerKeyKind.PHONE, order.receiver_phone),
                (BuyerKeyKind.ADDRESS, order.receiver_address),
            ):
                if value and _normalise(kind, value):
                    keys[kind] = self.key_for(kind, value)
            return self._store_keys(s, c, keys) if keys else Changes()

    def _store_keys(self, s: Session, c: m.Case, keys: dict[BuyerKeyKind, str]) -> Changes:
        rows = {r.kind: r for r in s.scalars(select(mx.BuyerKey).where(mx.BuyerKey.case_id == c.id))}
        set_kinds: list[BuyerKeyKind] = []
        cleared: list[BuyerKeyKind] = []
        now = utcnow()
        for kind, key in keys.items():
            row = rows.get(kind)
            if not key:
                if row is not None:
                    s.delete(row)
                    cleared.append(kind)
            elif row is None:
                s.add(mx.BuyerKey(case_id=c.id, kind=kind, key=key, created_at=now))
                set_kinds.append(kind)
            elif row.key != key:
                row.key, row.created_at = key, now
                set_kinds.append(kind)
        # The timeline says which kinds were recorded, never their values.
        if set_kinds:
            s.add(
                new_event(c.id, EventKind.BUYER_RECORDED, at=now, data={"action": "set", "kinds": set_kinds})
            )
        if cleared:
            s.add(
                new_event(c.id, EventKind.BUYER_RECORDED, at=now, data={"action": "clear", "kinds": cleared})
            )
        return Changes(cases=frozenset({CaseId(c.id)})) if set_kinds or cleared else Changes()

    def forget(self, case_id: CaseId) -> Changes:
        """Drop every buyer key of a case."""
        with self._sessions.begin() as s:
            kinds = list(s.scalars(select(mx.BuyerKey.kind).where(mx.BuyerKey.case_id == case_id)))
            if not kinds:
                return Changes()
            s.execute(delete(mx.BuyerKey).where(mx.BuyerKey.case_id == case_id))
            s.add(new_event(case_id, EventKind.BUYER_RECORDED, data={"action": "clear", "kinds": kinds}))
        return Changes(cases=frozenset({case_id}))

    # -- reads --------------------------------------------------------------------------------------------

    def kinds(self, case_id: CaseId) -> frozenset[BuyerKeyKind]:
        """What is recorded about the case's buyer besides the nickname (for the form: 手机号已记录)."""
        with self._sessions() as s:
            return frozenset(s.scalars(select(mx.BuyerKey.kind).where(mx.BuyerKey.case_id == case_id)))

    def history(self, case_id: CaseId) -> BuyerHistory:
        """The buyer's cases in the window up to this one and the appeals won among them."""
        found = self.histories([case_id])
        if case_id not in found:
            raise NotFound(f"售后记录 #{case_id} 不存在（可能已被彻底删除）")
        return found[case_id]

    def histories(self, ids: Sequence[CaseId]) -> dict[CaseId, BuyerHistory]:
        """history() of many cases at once (a screenful of the list): a handful of queries, whatever the
        number of rows.

        The buyer's earlier cases are found two ways. A key (buyer id, phone, address) names one buyer, so
        the few cases sharing a key are read and compared here. A nickname can be common (小雨点, jojo):
        hundreds of cases in the window share it, so those are counted by the database, per target, and
        only the number comes back. A case found both ways counts once."""
        if not ids:
            return {}
        window = timedelta(days=self.window_days)
        c = m.Case
        with self._sessions() as s:
            targets = {
                int(r.id): r
                for chunk in _chunks(list(ids))
                for r in s.execute(
                    select(c.id, c.platform, c.buyer_nick, c.created_at).where(c.id.in_(chunk))
                )
            }
            if not targets:
                return {}
            target_keys = _keys_of(s, targets)
            by_nick = _nick_matches(s, targets, target_keys, window)
            earliest = min(t.created_at for t in targets.values()) - window
            latest = max(t.created_at for t in targets.values())
            # Wrapped so SQLite looks the buyer up by key, not by the trash or time indexes.
            live = [
                func.coalesce(c.deleted_at, None).is_(None),
                func.coalesce(c.created_at, None) > earliest,
                func.coalesce(c.created_at, None) <= latest,
            ]
            candidates: dict[int, Any] = {}
            wanted_keys = sorted({k for keys in target_keys.values() for k in keys.values()})
            for chunk in _chunks(wanted_keys):
                for r in s.execute(
                    select(c.id, c.platform, c.buyer_nick, c.created_at)
                    .join(mx.BuyerKey, mx.BuyerKey.case_id == c.id)
                    .where(mx.BuyerKey.key.in_(chunk), *live)
                ):
                    candidates[int(r.id)] = r
            candidate_keys = _keys_of(s, candidates)
            won = _won_cases(s, sorted(set(candidates) | set(targets)))
        by_key: dict[str, list[int]] = {}
        for o_id, keys in candidate_keys.items():
            for key in keys.values():
                by_key.setdefault(key, []).append(o_id)
        out: dict[CaseId, BuyerHistory] = {}
        for case_id, t in targets.items():
            mine = target_keys.get(case_id, {})
            if not usable_nick(t.buyer_nick) and not mine:  # nothing names the buyer: unknown
                out[CaseId(case_id)] = BuyerHistory(CaseId(case_id), 0, 0, self.window_days)
                continue
            nick_count, nick_wins = by_nick.get(case_id, (0, 0))
            count = 1 + nick_count  # the case itself counts
            wins = int(case_id in won) + nick_wins
            how = {BuyerKeyKind.NICK} if nick_count else set[BuyerKeyKind]()
            related: set[int] = set()
            for key in mine.values():
                related.update(by_key.get(key, ()))
            for o_id in related:
                o = candidates[o_id]
                if o_id == case_id or not _in_window(o, t, window):
                    continue
                by = _same_buyer(t, mine, o, candidate_keys.get(o_id, {}))
                how.update(by)
                if by and BuyerKeyKind.NICK not in by:  # a nickname match is in the database's count
                    count += 1
                    wins += o_id in won
            out[CaseId(case_id)] = BuyerHistory(
                CaseId(case_id), count, wins, self.window_days, tuple(k for k in BuyerKeyKind if k in how)
            )
        return out


def _nick_matches(
    s: Session, targets: dict[int, Any], target_keys: dict[int, dict[BuyerKeyKind, str]], window: timedelta
) -> dict[int, tuple[int, int]]:
    """Per target with a usable nickname: how many live cases before it in the window carry that
    nickname on its platform (unless both name different buyer ids), and how many of those won an
    appeal. The targets travel as a table of values, so a screenful is one statement (one round trip to a
    shared PostgreSQL); the database walks each nickname's cases in the window by index
    (ix_cases_buyer_history) and sends back two numbers per target."""
    c = m.Case
    wanted = [
        (
            tid,
            t.platform,
            t.buyer_nick,
            t.created_at - window,
            t.created_at,
            target_keys.get(tid, {}).get(BuyerKeyKind.BUYER_ID, ""),
        )
        for tid, t in targets.items()
        if usable_nick(t.buyer_nick)
    ]
    out: dict[int, tuple[int, int]] = {}
    for chunk in _chunks(wanted):
        tv = (
            values(
                column("tid", Integer),
                column("platform", c.platform.type),
                column("nick", String),
                column("start", c.created_at.type),
                column("created", c.created_at.type),
                column("bid", String),
                name="targets",
            )
            .data(chunk)
            .cte()
        )
        k = aliased(mx.BuyerKey)
        other_buyer = exists().where(k.case_id == c.id, k.kind == BuyerKeyKind.BUYER_ID, k.key != tv.c.bid)
        won = or_(
            c.status == CaseStatus.APPEAL_WON,
            exists().where(mx.AppealOutcome.case_id == c.id, mx.AppealOutcome.result.in_(WON_RESULTS)),
        )
        query = (
            select(tv.c.tid, func.count(c.id), func.sum(case((won, 1), else_=0)))
            .select_from(tv)
            .join(
                c,
                and_(
                    c.buyer_nick == tv.c.nick,
                    c.platform == tv.c.platform,
                    c.created_at > tv.c.start,
                    or_(c.created_at < tv.c.created, and_(c.created_at == tv.c.created, c.id < tv.c.tid)),
                    c.deleted_at.is_(None),
                    or_(tv.c.bid == "", ~other_buyer),
                ),
            )
            .group_by(tv.c.tid)
        )
        for tid, count, wins in s.execute(query):
            out[int(tid)] = (int(count), int(wins or 0))
    return out


def _normalise(kind: BuyerKeyKind, value: str) -> str:
    if kind == BuyerKeyKind.PHONE:
        return normalise_phone(value)
    if kind == BuyerKeyKind.ADDRESS:
        return normalise_address(value)
    return normalise_plain(value)


def _check(kind: BuyerKeyKind, value: str) -> None:
    """Refuse what cannot be the thing named; the message never repeats the value (it may be a phone)."""
    if not value.strip():
        return
    if kind == BuyerKeyKind.PHONE:
        digits = normalise_phone(value)
        if not 7 <= len(digits) <= 20:
            raise ValidationFailed("手机号无效：应为 7 到 20 位数字（可带 +86、空格或横线）")
    elif kind == BuyerKeyKind.ADDRESS:
        if len(value) > MAX_ADDRESS or not normalise_address(value):
            raise ValidationFailed(f"收货地址无效：应有文字或数字，且不超过 {MAX_ADDRESS} 个字符")
    elif len(normalise_plain(value)) > MAX_BUYER_ID:
        raise ValidationFailed(f"买家编号太长（上限 {MAX_BUYER_ID} 个字符）")


def _keys_of(s: Session, cases: dict[int, Any]) -> dict[int, dict[BuyerKeyKind, str]]:
    out: dict[int, dict[BuyerKeyKind, str]] = {}
    for chunk in _chunks(list(cases)):
        for case_id, kind, key in s.execute(
            select(mx.BuyerKey.case_id, mx.BuyerKey.kind, mx.BuyerKey.key).where(
                mx.BuyerKey.case_id.in_(chunk)
            )
        ):
            out.setdefault(int(case_id), {})[kind] = key
    return out


def _won_cases(s: Session, ids: list[int]) -> set[int]:
    """Cases with an appeal the shop won: by a recorded decision, or by the status of a case whose appeal
    was settled before decisions were recorded."""
    won: set[int] = set()
    for chunk in _chunks(ids):
        won.update(
            s.scalars(
                select(mx.AppealOutcome.case_id).where(
                    mx.AppealOutcome.case_id.in_(chunk), mx.AppealOutcome.result.in_(WON_RESULTS)
                )
            )
        )
        won.update(
            s.scalars(select(m.Case.id).where(m.Case.id.in_(chunk), m.Case.status == CaseStatus.APPEAL_WON))
        )
    return won


def _in_window(o: Any, t: Any, window: timedelta) -> bool:
    before = o.created_at < t.created_at or (o.created_at == t.created_at and o.id < t.id)
    return before and o.created_at > t.created_at - window


def _same_buyer(
    t: Any, mine: dict[BuyerKeyKind, str], o: Any, theirs: dict[BuyerKeyKind, str]
) -> set[BuyerKeyKind]:
    """What makes case o's buyer the target's: a shared key, or the same nickname on the same platform
    unless both cases name different buyer ids."""
    by: set[BuyerKeyKind] = {
        k
        for k in (BuyerKeyKind.BUYER_ID, BuyerKeyKind.PHONE, BuyerKeyKind.ADDRESS)
        if k in mine and mine.get(k) == theirs.get(k)
    }
    if (
        usable_nick(t.buyer_nick)
        and o.platform == t.platform
        and o.buyer_nick == t.buyer_nick
        and not (
            BuyerKeyKind.BUYER_ID in mine
            and BuyerKeyKind.BUYER_ID in theirs
            and BuyerKeyKind.BUYER_ID not in by
        )
    ):
        by.add(BuyerKeyKind.NICK)
    return by


def _chunks(items: list[Any]) -> Iterable[list[Any]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def secret_path_for(profile_root: Path, shared_folder: Path | None) -> Path:
    """Where the key lives: beside the data every desk of a shared database reads (the shared evidence
    folder), else in the profile folder. Each computer needs the same key, or none would recognise the
    buyers the others recorded."""
    return (shared_folder if shared_folder is not None else profile_root) / SECRET_FILE
