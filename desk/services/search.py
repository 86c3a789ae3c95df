"""Literal Chinese substring search over cases, whatever the operator types.

A case's text is its order, 售后 and waybill numbers, 补发单号 and 退货运单号, buyer, 问题描述 and 备注
(``search_schema.CASE_COLUMNS_V3``), its evidence captions, and what its pictures say (the recognised text,
phone numbers masked: ``evidence.picture_text``, search index version 4).

Input is never handed to a query language raw. It is cleaned the way the index is (``clean``): the
invisible characters the index leaves out (zero-width spaces and joiners, soft hyphens, byte-order and
direction marks: ``search_schema.INVISIBLE``) are dropped; every kind of space, line end and tab, and any
other control or format character, separates terms. The terms must all occur (AND), and each is searched
as literal text:

- SQLite: a term of 3+ characters is one FTS5 phrase on the trigram index (an exact substring match);
  a term of 1–2 characters goes to the 2-character index (a 2-character term is one token there, a
  1-character term a prefix query on its 1-character prefix index). Inside a phrase only ``"`` means
  something, and it is doubled; ``*``, ``NEAR(``, ``AND``/``OR``/``NOT``, ``:`` and brackets are then
  plain characters.
- PostgreSQL: ``ILIKE '%…%'`` with ``%``, ``_`` and ``\\`` escaped (pg_trgm indexes it when installed).

Input that cannot be searched as typed (too long, too many terms, nothing left after cleaning) gets a
plain-words hint instead of results.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, and_, column, exists, literal_column, or_, select, text

from desk.db import models as m
from desk.db import search_schema as ss

MAX_QUERY_CHARS = 100
MAX_TERMS = 8
# Control, format, surrogate and unassigned characters other than INVISIBLE never come from a keyboard;
# the index keeps them, so a term must not span one: they separate terms like spaces do.
_SEPARATOR_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Cn", "Zl", "Zp"})
_DROP = str.maketrans(dict.fromkeys(ss.INVISIBLE))


@dataclass(frozen=True, slots=True)
class Query:
    """The terms a search looks for (all of them), or a hint why there are none."""

    terms: tuple[str, ...] = ()
    hint: str = ""

    @property
    def empty(self) -> bool:
        return not self.terms and not self.hint


def clean(text: str) -> str:
    """The query as the index sees text: INVISIBLE characters dropped, spaces, line ends, tabs and
    other control characters made plain spaces (so they separate terms); the rest is kept as typed."""
    text = text.translate(_DROP)
    if text.isascii() and text.isprintable():
        return text  # the common case, at once
    return "".join(
        " " if ch.isspace() or unicodedata.category(ch) in _SEPARATOR_CATEGORIES else ch for ch in text
    )


def parse(text: str) -> Query:
    raw = clean(text or "")
    terms: list[str] = []
    for term in raw.split():
        if term not in terms:
            terms.append(term)
    if not terms:
        return Query()
    if sum(len(t) for t in terms) > MAX_QUERY_CHARS:
        return Query(hint=f"搜索内容太长（最多 {MAX_QUERY_CHARS} 个字），请只输入要找的关键词。")
    if len(terms) > MAX_TERMS:
        return Query(hint=f"搜索词太多（最多 {MAX_TERMS} 个，用空格分开），请减少后再搜。")
    return Query(terms=tuple(terms))


def variants(term: str) -> list[str]:
    """The term as typed and, if different, with full-width letters and digits made half-width."""
    folded = unicodedata.normalize("NFKC", term)
    return [term] if folded == term or not folded.strip() else [term, folded]


def _phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _fts_term(term: str) -> str:
    """One FTS5 expression for one literal term (with its half-width variant, if any)."""
    parts = []
    for v in variants(term):
        parts.append(_phrase(v) + ("*" if len(v) == 1 else ""))
    return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"


def sqlite_match_sql(query: Query) -> tuple[str, dict[str, str]]:
    """A SELECT of matching case ids (rowids) and its bound parameters; every term must match."""
    long_terms = [t for t in query.terms if all(len(v) >= 3 for v in variants(t))]
    short_terms = [t for t in query.terms if t not in long_terms]
    selects = []
    params: dict[str, str] = {}
    if long_terms:
        params["tri"] = " AND ".join(_fts_term(t) for t in long_terms)
        selects.append(f"SELECT rowid AS id FROM {ss.TRIGRAM} WHERE {ss.TRIGRAM} MATCH :tri")
    if short_terms:
        # A short term whose half-width variant is long (rare: "ＡＢＣ" is 3 either way) stays here.
        params["bi"] = " AND ".join(_fts_term(t) for t in short_terms)
        selects.append(f"SELECT rowid AS id FROM {ss.BIGRAM} WHERE {ss.BIGRAM} MATCH :bi")
    return " INTERSECT ".join(selects), params


def like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def postgresql_condition(query: Query) -> ColumnElement[bool]:
    """Every term occurs in the case's text, in one of its evidence captions or in what one of its pictures
    says (ILIKE, escaped)."""
    body: Any = literal_column(ss.pg_search_expression())
    caption: Any = literal_column(ss.pg_caption_expression())
    picture: Any = literal_column(ss.pg_picture_expression())
    conditions: list[ColumnElement[bool]] = []
    for term in query.terms:
        alternatives: list[ColumnElement[bool]] = []
        for v in variants(term):
            pattern = like_pattern(v)
            alternatives.append(body.ilike(pattern, escape="\\"))
            alternatives.append(
                exists().where(
                    m.Evidence.case_id == m.Case.id,
                    or_(caption.ilike(pattern, escape="\\"), picture.ilike(pattern, escape="\\")),
                )
            )
        conditions.append(or_(*alternatives))
    return and_(*conditions)


def restrict(stmt: Select[Any], query: Query, dialect: str) -> Select[Any]:
    """Limit a SELECT over cases to those matching the query."""
    if not query.terms:
        return stmt
    if dialect == "sqlite":
        # A join lets SQLite start from the (usually few) index hits instead of walking every case.
        sql, params = sqlite_match_sql(query)
        hits = text(sql).bindparams(**params).columns(column("id", Integer)).subquery("hits")
        return stmt.join(hits, m.Case.id == hits.c.id)
    return stmt.where(postgresql_condition(query))


def matching_ids_select(query: Query, dialect: str) -> Select[Any]:
    return restrict(select(m.Case.id), query, dialect)


def sqlite_matching_ids(cursor: Any, query: Query) -> set[int]:
    """The fast path on SQLite: the index hits straight from a DB-API cursor (no join, no ORM)."""
    sql, params = sqlite_match_sql(query)
    # One text value instead of a row per hit: stepping the cursor costs ~0.3 µs a row in Python, which
    # dominated for common words (35,000 hits of 100,000 cases); json parses the list in C.
    cursor.execute(f"SELECT group_concat(id) FROM ({sql})", params)
    joined = cursor.fetchone()[0]
    return set(json.loads(f"[{joined}]")) if joined else set()
