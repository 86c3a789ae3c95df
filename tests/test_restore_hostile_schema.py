"""Generated schema attacks on a real backup: every change to what the migrations create is refused.

Two layers:
- restore: a good archive's database gets one or more random schema or setting changes (drop or add a
  column, an index made UNIQUE, partial or reordered, a trigger, view, table or CHECK added, a definition
  or trigger body rewritten, a pragma changed), is packed again with a correctly re-signed manifest, and
  must be refused with the profile unchanged. A sweep covers every kind each run; hypothesis combines them.
- normalisation: respelling a real statement harmlessly (whitespace, comments, keyword case, quoting of
  plain names) never changes its normal form; changing a token always does.
"""

from __future__ import annotations

import random
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from desk.app import open_desk
from desk.backup import backup_profile
from desk.backup.schema import _KEYWORDS, _TOKEN, normalise_sql
from desk.errors import RestoreRefused
from desk.profile import Profile
from tests.reliability.oracles import snapshot
from tests.test_backup import _db_bytes, fill, rewrite
from tests.test_restore_hostile import edit_sql

pytestmark = pytest.mark.sqlite_only


@dataclass(frozen=True)
class Catalogue:
    """What the good archive's database holds, for choosing targets."""

    tables: list[str]
    columns: dict[str, list[str]]
    indexes: list[str]
    triggers: list[str]
    views: list[str]
    statements: list[str]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path, Catalogue]:
    base = tmp_path_factory.mktemp("schema-attacks")
    source = base / "source"
    d = open_desk(source)
    try:
        fill(d, cases=2, per_case=2)
    finally:
        d.close()
    good = backup_profile(Profile(source), base / "good.deskbackup").path
    target = base / "target"
    d = open_desk(target)
    try:
        fill(d, cases=1, per_case=1)
    finally:
        d.close()
    db = base / "probe.sqlite3"
    db.write_bytes(_db_bytes(good))
    con = sqlite3.connect(db)
    try:
        rows = con.execute("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL").fetchall()
        shadow = re.compile(r"_(data|idx|docsize|config|content)$")
        virtual = {n for t, n, s in rows if t == "table" and s.upper().startswith("CREATE VIRTUAL")}
        tables = sorted(
            n
            for t, n, s in rows
            if t == "table" and n not in virtual and not shadow.search(n) and n != "alembic_version"
        )
        columns = {t: [r[1] for r in con.execute(f'PRAGMA table_info("{t}")') if not r[5]] for t in tables}
        catalogue = Catalogue(
            tables=tables,
            columns=columns,
            indexes=sorted(n for t, n, _s in rows if t == "index"),
            triggers=sorted(n for t, n, _s in rows if t == "trigger"),
            views=sorted(n for t, n, _s in rows if t == "view"),
            statements=[s for _t, _n, s in rows],
        )
    finally:
        con.close()
    return good, target, base, catalogue


# -- the mutations ------------------------------------------------------------------------------------

Mutation = Callable[[sqlite3.Connection, random.Random, Catalogue], None]


def _sql(con: sqlite3.Connection, name: str) -> str:
    return str(con.execute("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).fetchone()[0])


def _recreate_index(con: sqlite3.Connection, name: str, change: Callable[[str], str]) -> None:
    sql = _sql(con, name)
    con.execute(f'DROP INDEX "{name}"')
    con.execute(change(sql))


def add_column(con: sqlite3.Connection, rng: random.Random, cat: Catalogue) -> None:
    table = rng.choice(cat.tables)
    con.execute(f'ALTER TABLE "{table}" ADD COLUMN extra_{rng.randrange(1000)} TEXT')


def drop_column(con: sqlite3.Connection, rng: random.Random, cat: Catalogue) -> None:
    # SQLite refuses to drop an indexed, key or trigger-used column: try others until one goes.
    pairs = [(t, c) for t in cat.tables for c in cat.columns[t]]
    rng.shuffle(pairs)
    for table, column in pairs:
        try:
            con.execute(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
            return
        except sqlite3.Error:
            continue
    raise AssertionError("no column could be dropped")


def rename_column(con: sqlite3.Connection, rng: random.Random, cat: Catalogue) -> None:
    table = rng.choice(cat.tables)
    column = rng.choice(cat.columns[table])
    con.execute(f'ALTER TABLE "{table}" RENAME COLUMN "{column}" TO "{column}_x"')


def index_unique(con: sqlite3.Connection, rng: random.Random, cat: Catalogue) -> None:
    name = rng.choice([i for i in cat.indexes if not i.startswith("sqlite_")])
    unique = _sql(con, name).replace("CREATE INDEX", "CREATE UNIQUE INDEX", 1)
    con.execute(f'DROP INDEX "{name}"')
    try:
        con.execute(unique)
    except sqlite3.IntegrityError:
        # Duplicates already there: a UNIQUE index over no rows yet, which bites on the next insert.
        con.execute(unique + " WHERE 0")


def index_partial(con: sqlite3.Connection, rng: random.Random, cat: Catalogue) -> None:
    name = rng.choice([i for i in cat.indexes if not i.startswith("sqlite_")])
    _recreate_index(con, name, lambda sql: sql + " WHERE rowid > 0" if "WHERE" not in sql else sql + " AND 1")


def index_reordered(con: sqlite3.Connection, rng: random.Random, cat: Catalogue) -> None:
    name = rng.choice([i for i in cat.indexes if not i.startswith("sqlite_")])
    _recreate_index(con, name, lambda sql: sql[: sql.rindex(")")] + " DESC)" + sql[sql.rindex(")") + 1 :])


def drop_object(con: sqlite3.Connection, rng: random.Random, cat: Catalogue) -> None:
    kind, names = rng.choice(
        [("INDEX", [i for i in cat.indexes if not i.startswith("sqlite_")]), ("TRIGGER", cat.triggers)]
    )
    con.execute(f'DROP {kind} "{rng.choice(names)}"')


def add_trigger(con: sqlite3.Connection, rng: random.Random, cat: Catalogue) -> None:
    table = rng.choice(cat.tables)
    when = rng.choice(["AFTER INSERT", "BEFORE UPDATE", "AFTER DELETE"])
    con.execute(f'CREATE TRIGGER zz_trap_{rng.randrange(1000)} {when} ON "{table}" BEGIN SELECT 1; END')


def add_view(con: sqlite3.Connection, rng: random.Random, cat: Catalogue) -> None:
    con.execute(f'CREATE VIEW zz_view_{rng.randrange(1000)} AS SELECT * FROM "{rng.choice(cat.tables)}"')


def add_table(con: sqlite3.Connection, rng: random.Random, cat: Catalogue) -> None:
    con.execute(f"CREATE TABLE zz_table_{rng.randrange(1000)} (x)")


def add_index(con: sqlite3.Connection, rng: random.Random, cat: Catalogue) -> None:
    table = rng.choice(cat.tables)
    con.execute(f'CREATE INDEX zz_ix_{rng.randrange(1000)} ON "{table}" ("{rng.choice(cat.columns[table])}")')


def add_check(con: sqlite3.Connection, rng: random.Random, cat: Catalogue) -> None:
    table = rng.choice(cat.tables)
    sql = _sql(con, table)
    end = sql.rindex(")")
    edit_sql(con, table, sql, sql[:end] + ", CHECK (1)" + sql[end:])


def change_default(con: sqlite3.Connection, rng: random.Random, cat: Catalogue) -> None:
    table = rng.choice([t for t in cat.tables if "NOT NULL" in _sql(con, t)])
    edit_sql(con, table, "NOT NULL", f"NOT NULL DEFAULT {rng.randrange(10)}")


def trigger_body(con: sqlite3.Connection, rng: random.Random, cat: Catalogue) -> None:
    name = rng.choice(cat.triggers)
    edit_sql(con, name, "BEGIN", "BEGIN SELECT 1;")


def view_text(con: sqlite3.Connection, rng: random.Random, cat: Catalogue) -> None:
    name = rng.choice(cat.views)
    edit_sql(con, name, "SELECT", "SELECT DISTINCT")


def pragma(con: sqlite3.Connection, rng: random.Random, cat: Catalogue) -> None:
    choice = rng.choice(["user_version", "application_id", "auto_vacuum", "journal_mode"])
    if choice == "auto_vacuum":
        con.execute(f"PRAGMA auto_vacuum={rng.choice([1, 2])}")
        con.execute("VACUUM")
    elif choice == "journal_mode":
        con.execute("PRAGMA journal_mode=WAL")
    else:
        con.execute(f"PRAGMA {choice}={rng.randrange(1, 2**31)}")


MUTATIONS: dict[str, Mutation] = {
    f.__name__: f
    for f in (
        add_column,
        drop_column,
        rename_column,
        index_unique,
        index_partial,
        index_reordered,
        drop_object,
        add_trigger,
        add_view,
        add_table,
        add_index,
        add_check,
        change_default,
        trigger_body,
        view_text,
        pragma,
    )
}


def mutated(world: tuple[Path, Path, Path, Catalogue], names: list[str], seed: int, label: str) -> Path:
    good, _target, base, cat = world
    db = base / f"{label}.sqlite3"
    db.write_bytes(_db_bytes(good))
    rng = random.Random(seed)
    applied = 0
    con = sqlite3.connect(db, isolation_level=None)
    try:
        for name in names:
            try:
                MUTATIONS[name](con, rng, cat)
                applied += 1
            except sqlite3.Error:
                continue  # this target cannot take this change (the sweep checks each kind applies)
    finally:
        con.close()
    assume(applied > 0)
    return rewrite(good, base / f"{label}.deskbackup", replace={"database.sqlite3": db.read_bytes()})


def assert_refused(world: tuple[Path, Path, Path, Catalogue], archive: Path) -> str:
    _good, target, _base, _cat = world
    before = snapshot(target)
    from desk.backup import restore_backup

    with pytest.raises(RestoreRefused) as info:
        restore_backup(archive, Profile(target))
    message = info.value.message
    assert "没有任何改动" in message, message
    assert any(w in message for w in ("结构", "设置", "WAL")), message
    assert snapshot(target) == before
    assert not [p for p in target.iterdir() if p.name.startswith(".restore")]
    return message


@pytest.mark.parametrize("kind", sorted(MUTATIONS))
def test_every_kind_of_schema_change_is_refused(kind: str, world: tuple[Path, Path, Path, Catalogue]) -> None:
    for seed in range(3):
        good, _t, base, cat = world
        db = base / f"sweep-{kind}-{seed}.sqlite3"
        db.write_bytes(_db_bytes(good))
        con = sqlite3.connect(db, isolation_level=None)
        try:
            MUTATIONS[kind](
                con, random.Random(seed), cat
            )  # must apply: a sweep that changes nothing proves nothing
        finally:
            con.close()
        archive = rewrite(
            good, base / f"sweep-{kind}-{seed}.deskbackup", replace={"database.sqlite3": db.read_bytes()}
        )
        assert_refused(world, archive)


@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    names=st.lists(st.sampled_from(sorted(MUTATIONS)), min_size=1, max_size=3),
    seed=st.integers(0, 2**32 - 1),
)
def test_random_combinations_of_schema_changes_are_refused(
    names: list[str], seed: int, world: tuple[Path, Path, Path, Catalogue]
) -> None:
    archive = mutated(world, names, seed, "combo")
    assert_refused(world, archive)


# -- normalisation ------------------------------------------------------------------------------------

SPACES = [" ", "\n", "\t", "  ", " /* note */ ", " -- note\n", "\r\n  "]


def respell(sql: str, rng: random.Random) -> str:
    """The same statement with different whitespace, comments, letter case and quoting of plain names."""
    parts = []
    for m in _TOKEN.finditer(sql):
        kind, text = m.lastgroup, m.group()
        if kind in ("space", "line_comment", "block_comment"):
            continue
        if kind == "word":
            text = "".join(
                c.upper() if rng.random() < 0.5 and c.isascii() else c.lower() if c.isascii() else c
                for c in text
            )
            if (
                re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text)
                and text.lower() not in _KEYWORDS
                and rng.random() < 0.5
            ):
                text = rng.choice(['"{}"', "[{}]", "`{}`"]).format(text)
        parts.append(text)
    return "".join(p + rng.choice(SPACES) for p in parts)


def raw_tokens(sql: str) -> list[str]:
    return [
        m.group()
        for m in _TOKEN.finditer(sql)
        if m.lastgroup not in ("space", "line_comment", "block_comment")
    ]


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_harmless_respelling_keeps_the_normal_form(
    data: st.DataObject, world: tuple[Path, Path, Path, Catalogue]
) -> None:
    sql = data.draw(st.sampled_from(world[3].statements))
    rng = random.Random(data.draw(st.integers(0, 2**32 - 1)))
    assert normalise_sql(respell(sql, rng)) == normalise_sql(sql)


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_any_token_change_changes_the_normal_form(
    data: st.DataObject, world: tuple[Path, Path, Path, Catalogue]
) -> None:
    sql = data.draw(st.sampled_from(world[3].statements))
    tokens = raw_tokens(sql)
    i = data.draw(st.integers(0, len(tokens) - 1))
    how = data.draw(st.sampled_from(["delete", "word", "string", "number", "swap", "unquote"]))
    changed = list(tokens)
    if how == "delete":
        del changed[i]
    elif how == "word":
        word = data.draw(st.sampled_from(["unique", "null", "x", "desc", "collate", "nocase"]))
        assume(changed[i].lower() != word)
        changed[i] = word
    elif how == "string":
        assume(changed[i].startswith("'"))
        changed[i] = changed[i][:-1] + "x'"
    elif how == "number":
        assume(changed[i].isdigit())
        changed[i] = str(int(changed[i]) + 1)
    elif how == "swap":
        assume(i + 1 < len(tokens) and normalise_sql(tokens[i]) != normalise_sql(tokens[i + 1]))
        changed[i], changed[i + 1] = changed[i + 1], changed[i]
    else:
        # A quoted keyword-name ("key") and the bare keyword (key) are different tokens.
        assume(changed[i].startswith('"') and changed[i][1:-1].lower() in _KEYWORDS)
        changed[i] = changed[i][1:-1]
    assert normalise_sql(" ".join(changed)) != normalise_sql(sql)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("CREATE INDEX ix ON t (a, b)", 'create index IX on "t"(a,b)'),
        (
            "CREATE TABLE t (\n\tid INTEGER NOT NULL, \n\tPRIMARY KEY (id)\n)",
            "CREATE TABLE [t] (id integer not null, primary key(`id`))",
        ),
        ("CREATE VIEW v AS SELECT a || 'x' FROM t", "CREATE VIEW v AS SELECT a||'x' FROM t -- trailing"),
        ("CREATE TABLE IF NOT EXISTS t (a)", "CREATE TABLE t (a)"),
    ],
)
def test_known_harmless_pairs_normalise_equal(a: str, b: str) -> None:
    assert normalise_sql(a) == normalise_sql(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("CREATE INDEX ix ON t (a, b)", "CREATE UNIQUE INDEX ix ON t (a, b)"),
        ("CREATE INDEX ix ON t (a, b)", "CREATE INDEX ix ON t (a, b) WHERE a > 0"),
        ("CREATE INDEX ix ON t (a, b)", "CREATE INDEX ix ON t (b, a)"),
        ("CREATE TABLE t (a DEFAULT 'x')", "CREATE TABLE t (a DEFAULT 'X')"),
        ("CREATE TABLE t (a DEFAULT NULL)", 'CREATE TABLE t (a DEFAULT "NULL")'),
        ('CREATE TABLE t ("key" TEXT)', "CREATE TABLE t (key TEXT)"),
        ("CREATE TABLE t (a TEXT)", "CREATE TABLE t (a TEXT COLLATE NOCASE)"),
        ("CREATE TABLE t (a INTEGER)", "CREATE TABLE t (a INTEGER) WITHOUT ROWID"),
        ("CREATE TABLE t (a CHECK (a <> 1))", "CREATE TABLE t (a CHECK (a <> 2))"),
    ],
)
def test_known_semantic_pairs_normalise_differently(a: str, b: str) -> None:
    assert normalise_sql(a) != normalise_sql(b)
