"""The case search index: SQLite objects kept up to date by triggers, and how migrations treat them.

SQLite (the desk's own file):

- ``case_search`` holds, per case, the searchable text of the case row (``fields``) and of its evidence
  captions (``captions``). Triggers on ``cases`` write ``fields`` and triggers on ``evidence`` write
  ``captions``; neither references the other table, so Alembic's batch mode may still rebuild either table
  (a trigger or view that names a dropped table makes SQLite refuse the rename that ends a rebuild).
- ``case_search_tri`` is an FTS5 trigram index over it: queries of 3+ characters, exact substring
  matches through phrase queries.
- ``case_search_bi`` is an FTS5 index of every 2-character window of the text (the last character of a
  field on its own), with a 1-character prefix index. It answers 1- and 2-character queries, which the
  trigram index cannot (and on which ``LIKE`` over a trigram table wrongly returns nothing before SQLite
  3.44 for non-ASCII text). The windows are produced in SQL by the view ``case_search_grams``.
- The ``case_search_*`` triggers keep both indexes in step with ``case_search``.

PostgreSQL (shared mode): no extra tables; the search is ``ILIKE`` over the same columns. When the server
lets the desk create the ``pg_trgm`` extension, GIN trigram indexes make those ``ILIKE`` lookups indexed.

None of these objects are in the SQLAlchemy metadata: they are derived data, created by
``create_sqlite_search``/``create_postgresql_search`` (migrations, and ``create_all`` via an
``after_create`` hook in ``desk.db.models``) and ignored by schema comparisons through ``include_object``.

A later migration that rebuilds ``cases`` or ``evidence`` with ``batch_alter_table(recreate="always")``
drops their triggers with the old table and must call ``create_sqlite_triggers`` again;
``tests/test_search.py`` fails if any trigger is missing after an upgrade.

Invisible characters: text pasted from chats and web pages carries zero-width spaces and joiners, soft
hyphens, byte-order marks and direction marks (``INVISIBLE``) that nobody sees and nobody types. Since
version 2 they are left out of the indexed text (``visible_sql``; ``translate`` on PostgreSQL), and
``desk.services.search`` drops the same characters from queries, so "退款\u200b申请" is found by
"退款申请". Version 2 changes only what the triggers write into ``case_search``; the tables, views and
FTS tables are those of version 1. ``upgrade_sqlite_search_v2`` brings an index of version 1 to version 2
(migration 0008_search_visible).

Version 3 indexes two more columns of a case, the 补发单号 and the 退货运单号 (``CASE_COLUMNS_V3``), so the
number a courier or a buyer gives is found like the outbound waybill. Only the triggers (and on PostgreSQL
the expression index on ``cases``) change; ``upgrade_sqlite_search_v3`` rewrites just the rows that hold
one of the two numbers (migration 0014_case_facts).

Version 4 indexes what evidence pictures say (``evidence.picture_text``, written by
``desk.services.recognition`` with phone numbers masked), joined to each picture's caption: searching 少件
finds the case whose chat screenshot says it. Only the evidence triggers change (and on PostgreSQL an index
on the new column); ``upgrade_sqlite_search_v4`` rewrites nothing, since no picture has been read when the
column is added (migration 0015_picture_text).

The DDL of each version below is frozen: a change of the index needs a new constant and a new migration.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

PREFIX = "case_search"
TABLE = "case_search"
TRIGRAM = "case_search_tri"
BIGRAM = "case_search_bi"

# Searchable columns of a case, in the order they are joined (one line each): versions 1 and 2.
CASE_COLUMNS = ("order_no", "after_sales_no", "tracking_no", "buyer_nick", "description", "notes")
# Version 3: the reship's and the return's waybills too (appended, so older rows read the same).
CASE_COLUMNS_V3 = (*CASE_COLUMNS, "reship_tracking_no", "return_tracking_no")

# Characters that are not indexed and not searched for (version 2): zero-width space, non-joiner and
# joiner, word joiner and the invisible operators, byte-order mark / zero-width no-break space, soft
# hyphen, Mongolian vowel separator, and the direction marks, embeddings, overrides and isolates.
INVISIBLE = (
    "\u00ad\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff"
)


def visible_sql(expr: str) -> str:
    """SQLite: `expr` without the INVISIBLE characters (one replace() each; SQLite has no translate())."""
    for ch in INVISIBLE:
        expr = f"replace({expr}, char({ord(ch)}), '')"
    return expr


def _pg_invisible_literal() -> str:
    return "U&'" + "".join(f"\\{ord(ch):04X}" for ch in INVISIBLE) + "'"


def _fields(row: str, columns: tuple[str, ...] = CASE_COLUMNS) -> str:
    return " || char(10) || ".join(f"{row}.{c}" for c in columns)


def _captions(case_id: str) -> str:
    return (
        "coalesce((SELECT group_concat(e.caption, char(10)) FROM evidence e "
        f"WHERE e.case_id = {case_id} AND e.caption <> ''), '')"
    )


# Every 2-character window of a text, plus its last character alone, separated by spaces. Long texts are
# cut into 64-character chunks (overlapping by one) first, because substr() walks UTF-8 from the start:
# without chunks a 20,000-character description would cost quadratic time.
def _grams(column: str) -> str:
    return (
        "(WITH RECURSIVE "
        f"chunk(k, c) AS (SELECT 0, substr({column}, 1, 65) UNION ALL "
        f"SELECT k + 1, substr({column}, (k + 1) * 64 + 1, 65) FROM chunk WHERE (k + 1) * 64 < length({column})), "
        "gram(k, n, c) AS (SELECT k, 1, c FROM chunk WHERE c <> '' UNION ALL "
        "SELECT k, n + 1, c FROM gram WHERE n < 64 AND n < length(c)) "
        "SELECT coalesce(group_concat(substr(c, n, 2), ' '), '') FROM gram)"
    )


# Token characters of the 2-character index: letters, digits, marks, punctuation, symbols, private use.
# Spaces and control characters separate tokens (a window that holds one yields just the other character).
BIGRAM_TOKENIZER = "unicode61 remove_diacritics 0 categories 'L* N* M* P* S* Co'"

SQLITE_SEARCH_V1: tuple[str, ...] = (
    f"CREATE TABLE {TABLE} (case_id INTEGER NOT NULL PRIMARY KEY, fields TEXT NOT NULL DEFAULT '', "
    "captions TEXT NOT NULL DEFAULT '')",
    f"CREATE VIEW {TABLE}_doc(case_id, body) AS SELECT case_id, fields || char(10) || captions FROM {TABLE}",
    f"CREATE VIEW {TABLE}_grams(case_id, grams) AS SELECT s.case_id, "
    f"{_grams('s.fields')} || ' ' || {_grams('s.captions')} FROM {TABLE} s",
    f"CREATE VIRTUAL TABLE {TRIGRAM} USING fts5(body, content='{TABLE}_doc', content_rowid='case_id', "
    "tokenize='trigram', detail='full')",
    f"CREATE VIRTUAL TABLE {BIGRAM} USING fts5(grams, content='{TABLE}_grams', content_rowid='case_id', tokenize=\"{BIGRAM_TOKENIZER}\", detail='none', prefix='1')",
    # case_search → both indexes. 'delete' must be given exactly what was indexed: the old row, read
    # before the change (BEFORE triggers; the views still show the old text then).
    f"CREATE TRIGGER {TABLE}_ai AFTER INSERT ON {TABLE} BEGIN "
    f"INSERT INTO {TRIGRAM}(rowid, body) SELECT case_id, body FROM {TABLE}_doc WHERE case_id = new.case_id; "
    f"INSERT INTO {BIGRAM}(rowid, grams) SELECT case_id, grams FROM {TABLE}_grams WHERE case_id = new.case_id; "
    "END",
    f"CREATE TRIGGER {TABLE}_bu BEFORE UPDATE ON {TABLE} BEGIN "
    f"INSERT INTO {TRIGRAM}({TRIGRAM}, rowid, body) SELECT 'delete', case_id, body FROM {TABLE}_doc "
    "WHERE case_id = old.case_id; "
    f"INSERT INTO {BIGRAM}({BIGRAM}, rowid, grams) SELECT 'delete', case_id, grams FROM {TABLE}_grams "
    "WHERE case_id = old.case_id; "
    "END",
    f"CREATE TRIGGER {TABLE}_au AFTER UPDATE ON {TABLE} BEGIN "
    f"INSERT INTO {TRIGRAM}(rowid, body) SELECT case_id, body FROM {TABLE}_doc WHERE case_id = new.case_id; "
    f"INSERT INTO {BIGRAM}(rowid, grams) SELECT case_id, grams FROM {TABLE}_grams WHERE case_id = new.case_id; "
    "END",
    f"CREATE TRIGGER {TABLE}_bd BEFORE DELETE ON {TABLE} BEGIN "
    f"INSERT INTO {TRIGRAM}({TRIGRAM}, rowid, body) SELECT 'delete', case_id, body FROM {TABLE}_doc "
    "WHERE case_id = old.case_id; "
    f"INSERT INTO {BIGRAM}({BIGRAM}, rowid, grams) SELECT 'delete', case_id, grams FROM {TABLE}_grams "
    "WHERE case_id = old.case_id; "
    "END",
)

# cases → case_search.fields, evidence → case_search.captions.
SQLITE_TRIGGERS_V1: tuple[str, ...] = (
    f"CREATE TRIGGER {TABLE}_cases_ai AFTER INSERT ON cases BEGIN "
    f"INSERT INTO {TABLE}(case_id, fields) VALUES (new.id, {_fields('new')}); END",
    f"CREATE TRIGGER {TABLE}_cases_au AFTER UPDATE OF {', '.join(CASE_COLUMNS)} ON cases BEGIN "
    f"UPDATE {TABLE} SET fields = {_fields('new')} WHERE case_id = new.id; END",
    f"CREATE TRIGGER {TABLE}_cases_ad AFTER DELETE ON cases BEGIN "
    f"DELETE FROM {TABLE} WHERE case_id = old.id; END",
    f"CREATE TRIGGER {TABLE}_evidence_ai AFTER INSERT ON evidence WHEN new.caption <> '' BEGIN "
    f"UPDATE {TABLE} SET captions = {_captions('new.case_id')} WHERE case_id = new.case_id; END",
    f"CREATE TRIGGER {TABLE}_evidence_au AFTER UPDATE OF caption, case_id ON evidence BEGIN "
    f"UPDATE {TABLE} SET captions = {_captions(TABLE + '.case_id')} "
    "WHERE case_id IN (old.case_id, new.case_id); END",
    f"CREATE TRIGGER {TABLE}_evidence_ad AFTER DELETE ON evidence WHEN old.caption <> '' BEGIN "
    f"UPDATE {TABLE} SET captions = {_captions('old.case_id')} WHERE case_id = old.case_id; END",
)

SQLITE_FILL_V1 = (
    f"INSERT INTO {TABLE}(case_id, fields, captions) "
    f"SELECT c.id, {_fields('c')}, {_captions('c.id')} FROM cases c"
)

# Version 2: the same triggers, writing the text without INVISIBLE characters.
SQLITE_TRIGGERS_V2: tuple[str, ...] = (
    f"CREATE TRIGGER {TABLE}_cases_ai AFTER INSERT ON cases BEGIN "
    f"INSERT INTO {TABLE}(case_id, fields) VALUES (new.id, {visible_sql(_fields('new'))}); END",
    f"CREATE TRIGGER {TABLE}_cases_au AFTER UPDATE OF {', '.join(CASE_COLUMNS)} ON cases BEGIN "
    f"UPDATE {TABLE} SET fields = {visible_sql(_fields('new'))} WHERE case_id = new.id; END",
    f"CREATE TRIGGER {TABLE}_cases_ad AFTER DELETE ON cases BEGIN "
    f"DELETE FROM {TABLE} WHERE case_id = old.id; END",
    f"CREATE TRIGGER {TABLE}_evidence_ai AFTER INSERT ON evidence WHEN new.caption <> '' BEGIN "
    f"UPDATE {TABLE} SET captions = {visible_sql(_captions('new.case_id'))} WHERE case_id = new.case_id; END",
    f"CREATE TRIGGER {TABLE}_evidence_au AFTER UPDATE OF caption, case_id ON evidence BEGIN "
    f"UPDATE {TABLE} SET captions = {visible_sql(_captions(TABLE + '.case_id'))} "
    "WHERE case_id IN (old.case_id, new.case_id); END",
    f"CREATE TRIGGER {TABLE}_evidence_ad AFTER DELETE ON evidence WHEN old.caption <> '' BEGIN "
    f"UPDATE {TABLE} SET captions = {visible_sql(_captions('old.case_id'))} WHERE case_id = old.case_id; END",
)

SQLITE_FILL_V2 = (
    f"INSERT INTO {TABLE}(case_id, fields, captions) "
    f"SELECT c.id, {visible_sql(_fields('c'))}, {visible_sql(_captions('c.id'))} FROM cases c"
)

# Version 3: version 2's text of CASE_COLUMNS_V3 (an edit of either waybill re-indexes the case).
SQLITE_TRIGGERS_V3: tuple[str, ...] = (
    f"CREATE TRIGGER {TABLE}_cases_ai AFTER INSERT ON cases BEGIN "
    f"INSERT INTO {TABLE}(case_id, fields) VALUES (new.id, {visible_sql(_fields('new', CASE_COLUMNS_V3))}); END",
    f"CREATE TRIGGER {TABLE}_cases_au AFTER UPDATE OF {', '.join(CASE_COLUMNS_V3)} ON cases BEGIN "
    f"UPDATE {TABLE} SET fields = {visible_sql(_fields('new', CASE_COLUMNS_V3))} WHERE case_id = new.id; END",
    *SQLITE_TRIGGERS_V2[2:],
)

SQLITE_FILL_V3 = (
    f"INSERT INTO {TABLE}(case_id, fields, captions) "
    f"SELECT c.id, {visible_sql(_fields('c', CASE_COLUMNS_V3))}, {visible_sql(_captions('c.id'))} FROM cases c"
)


# Version 4: a picture's caption and the text read in it, each evidence row one piece (a row without
# picture text reads exactly as in version 3, so nothing indexed before needs rewriting).
def _captions_v4(case_id: str) -> str:
    piece = (
        "iif(e.caption = '', e.picture_text, "
        "iif(e.picture_text = '', e.caption, e.caption || char(10) || e.picture_text))"
    )
    return (
        f"SELECT coalesce(group_concat({piece}, char(10)), '') AS x FROM evidence e "
        f"WHERE e.case_id = {case_id} AND (e.caption <> '' OR e.picture_text <> '')"
    )


def _visible_captions_v4(case_id: str) -> str:
    """Version 4's captions without INVISIBLE characters. The replace() chain wraps a column of a subquery,
    not the subquery itself: around the whole expression it overflows SQLite's parser stack."""
    return f"(SELECT {visible_sql('p.x')} FROM ({_captions_v4(case_id)}) p)"


SQLITE_TRIGGERS_V4: tuple[str, ...] = (
    *SQLITE_TRIGGERS_V3[:3],
    f"CREATE TRIGGER {TABLE}_evidence_ai AFTER INSERT ON evidence "
    "WHEN new.caption <> '' OR new.picture_text <> '' BEGIN "
    f"UPDATE {TABLE} SET captions = {_visible_captions_v4('new.case_id')} WHERE case_id = new.case_id; END",
    f"CREATE TRIGGER {TABLE}_evidence_au AFTER UPDATE OF caption, case_id, picture_text ON evidence BEGIN "
    f"UPDATE {TABLE} SET captions = {_visible_captions_v4(TABLE + '.case_id')} "
    "WHERE case_id IN (old.case_id, new.case_id); END",
    f"CREATE TRIGGER {TABLE}_evidence_ad AFTER DELETE ON evidence "
    "WHEN old.caption <> '' OR old.picture_text <> '' BEGIN "
    f"UPDATE {TABLE} SET captions = {_visible_captions_v4('old.case_id')} WHERE case_id = old.case_id; END",
)

SQLITE_FILL_V4 = (
    f"INSERT INTO {TABLE}(case_id, fields, captions) "
    f"SELECT c.id, {visible_sql(_fields('c', CASE_COLUMNS_V3))}, {_visible_captions_v4('c.id')} FROM cases c"
)

# The names of the triggers that fill case_search from cases and evidence (the same in every version).
FILL_TRIGGER_NAMES: tuple[str, ...] = tuple(x.split()[2] for x in SQLITE_TRIGGERS_V2)

# PostgreSQL: indexes that pg_trgm can use for ILIKE '%…%' on the same text.
PG_TRGM_INDEXES_V1: tuple[str, ...] = (
    "CREATE INDEX IF NOT EXISTS case_search_pg_cases ON cases USING gin (("
    + " || chr(10) || ".join(CASE_COLUMNS)
    + ") gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS case_search_pg_captions ON evidence USING gin (caption gin_trgm_ops)",
)


# Version 2: the same text without INVISIBLE characters (translate() deletes the characters of its
# second argument that the third lacks). Queries must use exactly these expressions to use the indexes.
def pg_visible(expr: str) -> str:
    return f"translate({expr}, {_pg_invisible_literal()}, '')"


PG_TRGM_INDEXES_V2: tuple[str, ...] = (
    "CREATE INDEX IF NOT EXISTS case_search_pg_cases_v2 ON cases USING gin (("
    + pg_visible("(" + " || chr(10) || ".join(CASE_COLUMNS) + ")")
    + ") gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS case_search_pg_captions_v2 ON evidence USING gin (("
    + pg_visible("caption")
    + ") gin_trgm_ops)",
)
PG_INDEXES_V1 = ("case_search_pg_cases", "case_search_pg_captions")

# Version 3: the cases' text of CASE_COLUMNS_V3; the captions' index stays version 2's.
PG_TRGM_INDEXES_V3: tuple[str, ...] = (
    "CREATE INDEX IF NOT EXISTS case_search_pg_cases_v3 ON cases USING gin (("
    + pg_visible("(" + " || chr(10) || ".join(CASE_COLUMNS_V3) + ")")
    + ") gin_trgm_ops)",
    PG_TRGM_INDEXES_V2[1],
)
# Version 4: the text read in pictures gets an index of its own (the other two stay version 3's).
PG_TRGM_INDEXES_V4: tuple[str, ...] = (
    *PG_TRGM_INDEXES_V3,
    "CREATE INDEX IF NOT EXISTS case_search_pg_pictures_v4 ON evidence USING gin (("
    + pg_visible("picture_text")
    + ") gin_trgm_ops)",
)
PG_PICTURES_INDEX_V4 = "case_search_pg_pictures_v4"
PG_CASES_INDEX_V2 = "case_search_pg_cases_v2"
PG_CASES_INDEX_V3 = "case_search_pg_cases_v3"


def pg_search_expression() -> str:
    """The text PostgreSQL searches, exactly as the trigram index above is built on it."""
    return pg_visible("(" + " || chr(10) || ".join(f"cases.{c}" for c in CASE_COLUMNS_V3) + ")")


def pg_caption_expression() -> str:
    """An evidence caption as PostgreSQL searches it (the captions index is built on this)."""
    return pg_visible("evidence.caption")


def pg_picture_expression() -> str:
    """The text read in an evidence picture as PostgreSQL searches it (version 4's index is built on this)."""
    return pg_visible("evidence.picture_text")


CURRENT_VERSION = 4
_SQLITE_VERSIONS = {
    2: (SQLITE_TRIGGERS_V2, SQLITE_FILL_V2),
    3: (SQLITE_TRIGGERS_V3, SQLITE_FILL_V3),
    4: (SQLITE_TRIGGERS_V4, SQLITE_FILL_V4),
}


def create_sqlite_triggers(execute: Any, version: int = CURRENT_VERSION) -> None:
    """The triggers that fill case_search (the current version unless told)."""
    for statement in _SQLITE_VERSIONS[version][0]:
        execute(statement)


def create_sqlite_search(execute: Any, *, fill: bool = True, version: int = 2) -> None:
    """Create the index objects of a version; with fill, index the cases already there.

    The default stays version 2: migration 0002 calls it so, before the columns of version 3 exist, and
    later migrations upgrade what it made. ``create_all`` asks for CURRENT_VERSION."""
    for statement in SQLITE_SEARCH_V1:
        execute(statement)
    create_sqlite_triggers(execute, version)
    if fill:
        execute(_SQLITE_VERSIONS[version][1])


def upgrade_sqlite_search_v2(execute: Any) -> None:
    """Bring an index of version 1 to version 2: the new triggers, and the rows that hold invisible
    characters rewritten without them. The index triggers update both FTS indexes for just those rows
    (usually none or a few), so the upgrade takes well under a second even for 100,000 cases, where
    rebuilding both indexes whole took 20 s."""
    for name in FILL_TRIGGER_NAMES:
        execute(f"DROP TRIGGER IF EXISTS {name}")
    for statement in SQLITE_TRIGGERS_V2:  # frozen: a later version's triggers come with its own upgrade
        execute(statement)
    fields, captions = visible_sql("fields"), visible_sql("captions")
    execute(
        f"UPDATE {TABLE} SET fields = {fields}, captions = {captions} "
        f"WHERE fields <> {fields} OR captions <> {captions}"
    )


def upgrade_sqlite_search_v3(execute: Any) -> None:
    """Bring an index of version 2 to version 3: the new triggers, and the text of the cases that have a
    补发单号 or a 退货运单号 written again with them. The other cases' text needs nothing (their two numbers are
    empty), so the upgrade touches only the rows it must, like version 2's did."""
    for name in FILL_TRIGGER_NAMES:
        execute(f"DROP TRIGGER IF EXISTS {name}")
    for statement in SQLITE_TRIGGERS_V3:
        execute(statement)
    execute(
        f"UPDATE {TABLE} SET fields = (SELECT {visible_sql(_fields('c', CASE_COLUMNS_V3))} FROM cases c "
        f"WHERE c.id = {TABLE}.case_id) "
        "WHERE case_id IN (SELECT id FROM cases WHERE reship_tracking_no <> '' OR return_tracking_no <> '')"
    )


def downgrade_sqlite_search_v3(execute: Any) -> None:
    """Back to version 2's triggers; the indexed text stays as it is (it agrees with the FTS indexes)."""
    for name in FILL_TRIGGER_NAMES:
        execute(f"DROP TRIGGER IF EXISTS {name}")
    for statement in SQLITE_TRIGGERS_V2:
        execute(statement)


def upgrade_sqlite_search_v4(execute: Any) -> None:
    """Bring an index of version 3 to version 4: the evidence triggers that add picture text. No row needs
    rewriting: the column is new and empty, and an empty picture text leaves a case's text as it was."""
    for name in FILL_TRIGGER_NAMES:
        execute(f"DROP TRIGGER IF EXISTS {name}")
    for statement in SQLITE_TRIGGERS_V4:
        execute(statement)


def downgrade_sqlite_search_v4(execute: Any) -> None:
    """Back to version 3's triggers, with the picture text taken out of the cases that had some."""
    for name in FILL_TRIGGER_NAMES:
        execute(f"DROP TRIGGER IF EXISTS {name}")
    for statement in SQLITE_TRIGGERS_V3:
        execute(statement)
    execute(
        f"UPDATE {TABLE} SET captions = {visible_sql(_captions(TABLE + '.case_id'))} "
        "WHERE case_id IN (SELECT case_id FROM evidence WHERE picture_text <> '')"
    )


def create_postgresql_search(connection: Any, indexes: tuple[str, ...] = PG_TRGM_INDEXES_V2) -> bool:
    """Try to enable pg_trgm and its indexes; a server that does not allow it still searches (by scan).

    The default stays version 2's indexes (migrations 0002 and 0008 call it so, before version 3's columns
    exist); migration 0014 passes PG_TRGM_INDEXES_V3, ``create_all`` and migration 0015 PG_TRGM_INDEXES_V4."""
    from sqlalchemy import text

    try:
        with connection.begin_nested():
            connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
            for statement in indexes:
                connection.execute(text(statement))
    except Exception as exc:  # no contrib package, or no right to create extensions
        log.info("pg_trgm not available, searching without trigram indexes: %s", exc)
        return False
    return True


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic hook: the search index objects are derived data, not part of the models' metadata."""
    return not (reflected and compare_to is None and name is not None and name.startswith(PREFIX))
