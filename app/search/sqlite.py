"""SQLite: an FTS5 index over search_document, ranked with bm25() and quoted by snippet().

search_fts is an external-content FTS5 table: it stores only the index and reads title and
body back from search_document by rowid, and triggers keep it in step with every insert,
update and delete there, whoever makes them. The tokenizer keeps accents (remove_diacritics
0) because PostgreSQL's 'simple' configuration does too, and both must find the same rows.
"""

from typing import Any

from sqlalchemy import Float, Select, column, literal_column, select, table, text
from sqlalchemy.orm import Session

from app.search.query import SearchQuery
from app.search.text import MARK_END, MARK_START

CREATE = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(title, body, content='search_document', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 0', prefix='2 3')",
    "CREATE TRIGGER search_fts_insert AFTER INSERT ON search_document BEGIN "
    "INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER search_fts_delete AFTER DELETE ON search_document BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); END",
    "CREATE TRIGGER search_fts_update AFTER UPDATE ON search_document BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); "
    "INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
]
DROP = [
    "DROP TRIGGER IF EXISTS search_fts_update",
    "DROP TRIGGER IF EXISTS search_fts_delete",
    "DROP TRIGGER IF EXISTS search_fts_insert",
    "DROP TABLE IF EXISTS search_fts",
]
# A match in the title weighs four times one in the body.
TITLE_WEIGHT, BODY_WEIGHT = 4.0, 1.0
SNIPPET_TOKENS = 24

FTS = table("search_fts", column("rowid"))
_MATCH = literal_column("search_fts").op("MATCH")


def match_sql(bound_query: str) -> str:
    """A condition on search_document: the row matches the (bound) FTS5 expression."""
    # bound_query is the compiled bind placeholder, never the user's text.
    return (
        f"search_document.id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH {bound_query})"  # nosec B608
    )


def scored(query: SearchQuery) -> Select[Any]:
    """The matching rowids with a score where lower is better (bm25 is negative)."""
    score = literal_column(f"bm25(search_fts, {TITLE_WEIGHT}, {BODY_WEIGHT})", Float)
    statement = select(FTS.c.rowid.label("id"), score.label("score")).where(_MATCH(query.fts5()))
    return statement


def snippets(session: Session, query: SearchQuery, ids: list[int]) -> dict[int, str]:
    """The best passage of each document's body, matches between the mark characters."""
    if not ids:
        return {}
    statement = text(
        "SELECT rowid, snippet(search_fts, 1, :start, :end, '…', :tokens) FROM search_fts "
        # `+rowid`: handed to FTS5 as a constraint, each id would re-run the whole MATCH
        # (costly for prefix terms); as a filter, the match is read once.
        "WHERE search_fts MATCH :match AND +rowid IN (SELECT value FROM json_each(:ids))"
    )
    rows = session.execute(
        statement,
        {
            "start": MARK_START,
            "end": MARK_END,
            "tokens": SNIPPET_TOKENS,
            "match": query.fts5(),
            "ids": "[" + ",".join(str(int(i)) for i in ids) + "]",
        },
    )
    return {int(row[0]): str(row[1] or "") for row in rows}
