"""What each record looks like to search: a title and a body, built from its row.

One builder per collection; `sync_documents` brings search_document in line with the
records in the same transaction as the writes that changed them (the seed calls it; so can
any later writer). Only text a person would search for goes in: no URLs, no ids of other
records.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, Table, delete, insert, select, update

from app.models import (
    ActionLine,
    CallToAction,
    Fact,
    FactSheetSection,
    Milestone,
    Nri,
    Organisation,
    SearchDocument,
)
from app.search.text import strip_marks

Row = Mapping[Any, Any]
SEPARATOR = " · "
DOCUMENTS: Table = SearchDocument.__table__  # type: ignore[attr-defined]


def _join(*parts: Any) -> str:
    texts: list[str] = []
    for part in parts:
        if isinstance(part, list):
            texts.extend(str(p) for p in part if p)
        elif part not in (None, ""):
            texts.append(str(part))
    return strip_marks(SEPARATOR.join(texts))


def _milestone(r: Row) -> tuple[str, str]:
    dates = r["start_date"] + (f" to {r['end_date']}" if r["end_date"] else "")
    return r["title"], _join(r["kind"], dates, r["location"], r["resolution"], r["notes"])


def _nri(r: Row) -> tuple[str, str]:
    # "Youth initiative · Africa": what people call them, so "youth initiatives in Africa"
    # finds them although no NRI's own text says so.
    kind = f"{r['kind'].capitalize()} initiative"
    return r["name"], _join(kind, r["region"], r["notes"])


def _organisation(r: Row) -> tuple[str, str]:
    body = _join(
        r["full_name"],
        r["kind"],
        r["headquarters"],
        r["service_region"],
        r["role_in_fact_sheet"],
        r["notes"],
    )
    return r["short_name"], body


def _call(r: Row) -> tuple[str, str]:
    return r["title"], _join(r["short_title"], r["summary"], r["body"])


def _action_line(r: Row) -> tuple[str, str]:
    body = _join(r["code"], r["title_variant"], r["facilitators"], r["co_facilitators"])
    return r["title"], _join(body, r["notes"])


def _section(r: Row) -> tuple[str, str]:
    return r["heading"], _join(r["body"], r["footnotes"])


def _fact(r: Row) -> tuple[str, str]:
    return r["label"], _join(r["context"], r["notes"])


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


def _t(model: Any) -> Table:
    table: Table = model.__table__
    return table


SOURCES = {
    s.collection: s
    for s in (
        Source("milestones", _t(Milestone), "id", _milestone),
        Source("organisations", _t(Organisation), "id", _organisation),
        Source("nris", _t(Nri), "id", _nri),
        Source("calls-to-action", _t(CallToAction), "number", _call),
        Source("action-lines", _t(ActionLine), "code", _action_line),
        # The fact sheet's sections: they link into the sheet, having no URL of their own.
        Source("fact-sheet", _t(FactSheetSection), "id", _section),
        Source("facts", _t(Fact), "id", _fact),
    )
}
COLLECTIONS = tuple(SOURCES)


def documents(source: Source, rows: Iterable[Row]) -> dict[str, tuple[str, str]]:
    """record id -> (title, body) for rows of one collection."""
    return {str(row[source.key]): source.build(row) for row in rows}


def sync_documents(conn: Connection, collections: Sequence[str] = COLLECTIONS) -> int:
    """Insert, update and delete search documents until they match the records; returns how
    many documents changed. Reads every record of the collections: they are small, and this
    way no change can be missed (run it in the writer's transaction)."""
    changed = 0
    for name in collections:
        source = SOURCES[name]
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
