"""What each record looks like to search: a title and a body, built from its row.

Each collection's declaration has its builder (app.collections); `sync_documents` brings
search_document in line with the records in the same transaction as the writes that changed
them (the seed calls it; so can any later writer). Only text a person would search for goes
in: no URLs, no ids of other records.
"""

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, Table, delete, insert, select, update

from app.models import FactSheetSection, SearchDocument
from app.search.text import document_text

Row = Mapping[Any, Any]
DOCUMENTS: Table = SearchDocument.__table__  # type: ignore[attr-defined]


def _section(r: Row) -> tuple[str, str]:
    return r["heading"], document_text(r["body"], r["footnotes"])


@dataclass(frozen=True)
class Source:
    """One searchable collection: its URL name, table, key column and document builder."""

    collection: str
    table: Table
    key: str
    build: Callable[[Row], tuple[str, str]]

    def link(self, record_id: str) -> str:
        if self.collection == "fact-sheet":
            return f"/v1/fact-sheet#{quote(record_id, safe='')}"
        return f"/v1/{self.collection}/{quote(record_id, safe='')}"


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


# The fact sheet's sections: they link into the sheet, having no URL of their own.
SECTIONS = Source("fact-sheet", _table(FactSheetSection), "id", _section)


@functools.cache
def sources() -> dict[str, Source]:
    """Every searchable collection by its URL name, in the order their documents are
    indexed (a document's number breaks ties in search) and /v1/search names them."""
    # Imported here: a collection's `q` filter reads this index (app.services.search), so the
    # declarations import this package, not the other way round at import time.
    from app.collections import SEARCHED_BEFORE_THE_SHEET, ordered

    order = ordered(*SEARCHED_BEFORE_THE_SHEET)
    found = [Source(c.name, c.table, c.id.column, c.search) for c in order if c.search]
    found.insert(sum(1 for c in SEARCHED_BEFORE_THE_SHEET if c.search), SECTIONS)
    return {s.collection: s for s in found}


def documents(source: Source, rows: Iterable[Row]) -> dict[str, tuple[str, str]]:
    """record id -> (title, body) for rows of one collection."""
    return {str(row[source.key]): source.build(row) for row in rows}


def sync_documents(conn: Connection, collections: Sequence[str] | None = None) -> int:
    """Insert, update and delete search documents until they match the records; returns how
    many documents changed. Reads every record of the collections: they are small, and this
    way no change can be missed (run it in the writer's transaction)."""
    changed = 0
    for name in collections or sources():
        source = sources()[name]
        rows = conn.execute(select(source.table)).mappings()
        wanted = documents(source, rows)
        held = {
            row.record_id: (row.id, row.title, row.body)
            for row in conn.execute(
                select(
                    DOCUMENTS.c.id, DOCUMENTS.c.record_id, DOCUMENTS.c.title, DOCUMENTS.c.body
                ).where(DOCUMENTS.c.collection == name)
            )
        }
        new = [
            {"collection": name, "record_id": key, "title": title, "body": body}
            for key, (title, body) in wanted.items()
            if key not in held
        ]
        altered = [
            (held[key][0], title, body)
            for key, (title, body) in wanted.items()
            if key in held and held[key][1:] != (title, body)
        ]
        gone = [doc_id for key, (doc_id, _, _) in held.items() if key not in wanted]
        if new:
            conn.execute(insert(DOCUMENTS), new)
        for doc_id, title, body in altered:
            conn.execute(
                update(DOCUMENTS).where(DOCUMENTS.c.id == doc_id).values(title=title, body=body)
            )
        for start in range(0, len(gone), 500):
            conn.execute(delete(DOCUMENTS).where(DOCUMENTS.c.id.in_(gone[start : start + 500])))
        changed += len(new) + len(altered) + len(gone)
    return changed
