"""What a restored database must look like: exactly the schema and settings the migrations create.

A restore compares the archive's database with a reference database built by running this desk's own
migrations, up to the revision the archive records, on an empty SQLite file. Every table, index, trigger
and view is compared by its whole CREATE statement — not only by name — because a same-named object
with different SQL changes what the desk's own queries do: a UNIQUE or partial index makes inserts
fail or vanish, an extra CHECK or column rejects rows, a trigger runs hidden statements.

The statements are compared after normalisation that forgives only what cannot change meaning:
whitespace, comments, the letter case of keywords and plain identifiers, and the quoting of a plain
identifier ("cases" = cases = [cases]). String literals, numbers, operators and every word stay as they
are, so any semantic change is a difference.
"""

from __future__ import annotations

import re
import sqlite3
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from desk.names import shown

# SQLite's keywords (sqlite.org/lang_keywords.html). A quoted identifier spelled like one of these is
# kept quoted: unquoted it would be the keyword, a different token.
_KEYWORD_TEXT = (
    "abort action add after all alter always analyze and as asc attach autoincrement before begin between "
    "by cascade case cast check collate column commit conflict constraint create cross current current_date "
    "current_time current_timestamp database default deferrable deferred delete desc detach distinct do drop "
    "each else end escape except exclude exclusive exists explain fail filter first following for foreign "
    "from full generated glob group groups having if ignore immediate in index indexed initially inner "
    "insert instead intersect into is isnull join key last left like limit match materialized natural no "
    "not nothing notnull null nulls of offset on or order others outer over partition plan pragma preceding "
    "primary query raise range recursive references regexp reindex release rename replace restrict "
    "returning right rollback row rows savepoint select set table temp temporary then ties to transaction "
    "trigger unbounded union unique update using vacuum values view virtual when where window with without "
    "true false rowid oid _rowid_"
)
_KEYWORDS = frozenset(_KEYWORD_TEXT.split())

_TOKEN = re.compile(
    r"""
      (?P<space>\s+)
    | (?P<line_comment>--[^\n]*+)
    | (?P<block_comment>/\*(?:[^*]|\*(?!/))*+(?:\*/)?)
    | (?P<blob>[xX]'[^']*+')
    | (?P<string>'(?:[^']|'')*+')
    | (?P<quoted>"(?:[^"]|"")*+"|`(?:[^`]|``)*+`|\[[^\]]*+\])
    | (?P<number>0[xX][0-9A-Fa-f]++|(?:\d++(?:\.\d*+)?|\.\d++)(?:[eE][+-]?\d++)?)
    | (?P<word>[A-Za-z_\u0080-\U0010ffff][A-Za-z0-9_$\u0080-\U0010ffff]*+)
    | (?P<op>\|\||<<|>>|<=|>=|==|!=|<>|->>|->|.)
    """,
    re.VERBOSE | re.DOTALL,
)
_PLAIN_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

Token = tuple[str, str]


def _lower(text: str) -> str:
    # SQLite folds only ASCII letters when it compares identifiers and keywords.
    return text.translate(_ASCII_LOWER)


def normalise_sql(sql: str | None) -> tuple[Token, ...]:
    """The statement as tokens, with only meaning-free differences removed (see the module doc)."""
    if sql is None:
        return ()
    out: list[Token] = []
    for m in _TOKEN.finditer(sql):
        kind = m.lastgroup
        text = m.group()
        if kind in ("space", "line_comment", "block_comment"):
            continue
        if kind == "word":
            out.append(("w", _lower(text)))
        elif kind == "quoted":
            inner = text[1:-1]
            if text[0] == '"':
                inner = inner.replace('""', '"')
            elif text[0] == "`":
                inner = inner.replace("``", "`")
            if _PLAIN_IDENTIFIER.fullmatch(inner) and _lower(inner) not in _KEYWORDS:
                out.append(("w", _lower(inner)))
            else:
                out.append(("q", inner))
        elif kind == "string":
            out.append(("s", text[1:-1].replace("''", "'")))
        elif kind == "blob":
            out.append(("x", _lower(text[2:-1])))
        elif kind == "number":
            out.append(("n", _lower(text)))
        else:
            out.append(("p", text))
    while out and out[-1] == ("p", ";"):
        out.pop()
    # "CREATE … IF NOT EXISTS x" stores the same object as "CREATE … x".
    for i in range(1, min(len(out), 5)):
        if out[i : i + 3] == [("w", "if"), ("w", "not"), ("w", "exists")] and out[0] == ("w", "create"):
            del out[i : i + 3]
            break
    return tuple(out)


# type, name (case-folded) -> table it belongs to (case-folded), normalised SQL
ObjectKey = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Schema:
    objects: dict[ObjectKey, tuple[str, tuple[Token, ...]]]
    raw_sizes: dict[ObjectKey, int]
    settings: dict[str, object]


# Stored in the database header; a different value means the file was not made by this desk's
# migrations (user_version and application_id are the hooks other tools use to claim a file).
SETTINGS = ("user_version", "application_id", "auto_vacuum", "encoding")
KIND_NAMES = {"table": "表", "index": "索引", "trigger": "触发器", "view": "视图"}


def read_objects(con: sqlite3.Connection) -> dict[ObjectKey, tuple[str, str | None]]:
    """Every row of sqlite_master (autoindexes and SQLite's own tables too), unparsed."""
    out: dict[ObjectKey, tuple[str, str | None]] = {}
    for kind, name, table, sql in con.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"):
        key = (str(kind), _lower(str(name)))
        if key in out:
            # Two rows of the same name: only a hand-edited schema can have that.
            out[(str(kind), _lower(str(name)) + "\0duplicate")] = (_lower(str(table)), sql)
        else:
            out[key] = (_lower(str(table)), sql)
    return out


def read_settings(con: sqlite3.Connection) -> dict[str, object]:
    return {name: con.execute(f"PRAGMA {name}").fetchone()[0] for name in SETTINGS}


def read_schema(con: sqlite3.Connection) -> Schema:
    raw = read_objects(con)
    objects = {key: (table, normalise_sql(sql)) for key, (table, sql) in raw.items()}
    sizes = {key: len(sql or "") for key, (_table, sql) in raw.items()}
    return Schema(objects, sizes, read_settings(con))


_cache: dict[str, Schema] = {}
_cache_lock = threading.Lock()


def reference_schema(revision: str, work_dir: Path | None = None) -> Schema:
    """The schema this desk's migrations create for `revision` ("a+b" for several heads), built once
    per revision and process on an empty SQLite file in work_dir (default: the system temp folder)."""
    revision = "+".join(sorted(set(revision.split("+"))))
    with _cache_lock:
        cached = _cache.get(revision)
        if cached is not None:
            return cached
        with tempfile.TemporaryDirectory(prefix=".desk-schema-", dir=work_dir) as tmp:
            schema = _build_reference(revision, Path(tmp) / "reference.sqlite3")
        _cache[revision] = schema
        return schema


def _build_reference(revision: str, path: Path) -> Schema:
    from alembic import command

    from desk.db.engine import make_engine
    from desk.db.migrate import alembic_config

    # The same engine settings a profile's database is created with, then the same migrations.
    engine = make_engine(f"sqlite:///{path}")
    try:
        cfg = alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            for rev in revision.split("+"):
                command.upgrade(cfg, rev)
    finally:
        engine.dispose()
    con = sqlite3.connect(path)
    try:
        return read_schema(con)
    finally:
        con.close()


def _label(key: ObjectKey) -> str:
    kind, name = key
    return f"{KIND_NAMES.get(kind, kind)} {shown(name.split(chr(0))[0][:60])}"


def same_definition(reference: Schema, key: ObjectKey, table: str, sql: str | None) -> bool:
    """The object is the reference's own: same table, same statement after normalisation."""
    if key not in reference.objects:
        return False
    ref_table, ref_tokens = reference.objects[key]
    # Tokenised only when not absurdly longer than the reference's, so a huge SQL text costs nothing.
    if len(sql or "") > 4 * reference.raw_sizes[key] + 1024:
        return False
    return table == ref_table and normalise_sql(sql) == ref_tokens


def schema_differences(
    con: sqlite3.Connection, reference: Schema
) -> tuple[list[str], list[str], list[str], list[str]]:
    """(extra, missing, changed, settings) — each a list of short descriptions; all empty = identical.

    The names are compared first and an object's SQL is tokenised only when both sides have it and it is
    not absurdly longer than the reference's (same_definition), so a hostile schema costs no more than
    a real one.
    """
    raw = read_objects(con)
    extra = sorted(_label(k) for k in raw.keys() - reference.objects.keys())
    missing = sorted(_label(k) for k in reference.objects.keys() - raw.keys())
    changed = [
        _label(key)
        for key in sorted(raw.keys() & reference.objects.keys())
        if not same_definition(reference, key, *raw[key])
    ]
    settings = []
    actual = read_settings(con)
    for name in SETTINGS:
        if actual[name] != reference.settings[name]:
            settings.append(f"{name} 为 {shown(str(actual[name]))[:40]}，应为 {reference.settings[name]}")
    return extra, missing, changed, settings


def integrity_summary(rows: list[str]) -> tuple[str, int]:
    """The first problem or two and how many there are: integrity_check can print a hundred lines."""
    lines = [
        line.strip()
        for row in rows
        for line in str(row).splitlines()
        if line.strip() and not line.startswith("*** in database")
    ]
    return shown("；".join(lines[:2]))[:300], len(lines)
