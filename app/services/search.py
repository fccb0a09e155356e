"""Ranked full-text search over every collection, and the `q` filter every list shares.

Both read the same index (app.search): a hit's rank is bm25 on SQLite and ts_rank_cd on
PostgreSQL, turned into a score where lower is better, so one keyset (score, document id)
pages either. Ranks are comparable only within one backend and one data revision.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from sqlalchemy import ColumnElement, Float, Integer, cast, func, literal, select, type_coerce
from sqlmodel import Session

from app.errors import BadRequest
from app.paging import Ordering, PageRequest, PageResult, SortKey, fetch_page
from app.search import postgres, sqlite
from app.search.documents import DOCUMENTS, sources
from app.search.match import DocumentMatch
from app.search.query import EmptyQuery, SearchQuery, TooManyTerms, parse
from app.search.text import to_html

SORT = "relevance"
SNIPPET_WORDS = 24


@dataclass(frozen=True)
class SearchFilters:
    q: str | None = None
    collections: Sequence[str] | None = None


def parse_q(q: str) -> SearchQuery:
    """The query `q` means, or a 400 that says why it cannot be searched."""
    try:
        return parse(q)
    except (EmptyQuery, TooManyTerms) as exc:
        raise BadRequest.for_param("q", str(exc)) from exc


def record_match(q: str | None, collection: str, id_column: Any) -> list[ColumnElement[bool]]:
    """The list filter `q`: records of `collection` whose search document matches, by the
    rules of /v1/search, which include its 400 for a `q` with nothing to search for."""
    if q is None:
        return []
    query = parse_q(q)
    record_id: Any = DOCUMENTS.c.record_id
    if isinstance(id_column.type, Integer):
        record_id = cast(record_id, Integer)
    documents = select(record_id).where(DOCUMENTS.c.collection == collection, DocumentMatch(query))
    return [id_column.in_(documents)]


def _backend(session: Session) -> ModuleType:
    return postgres if session.get_bind().dialect.name == "postgresql" else sqlite


def _opening(body: str) -> str:
    """Without a query there is nothing to highlight: the first words of the body."""
    words = body.split()
    return " ".join(words[:SNIPPET_WORDS]) + (" …" if len(words) > SNIPPET_WORDS else "")


def _snippets(session: Session, query: SearchQuery | None, ids: list[int]) -> dict[int, str]:
    """Each hit's snippet as HTML, read for the page's documents only."""
    if query is not None:
        marked = _backend(session).snippets(session, query, ids)
        return {doc_id: to_html(text) for doc_id, text in marked.items()}
    rows = session.execute(select(DOCUMENTS.c.id, DOCUMENTS.c.body).where(DOCUMENTS.c.id.in_(ids)))
    return {row.id: to_html(_opening(row.body)) for row in rows}


def search(session: Session, filters: SearchFilters, page: PageRequest) -> PageResult:
    """One page of hits, best first; each with its collection, id, title, snippet, link.

    Without `q` every document is a hit (all equally relevant: in index order), so the
    endpoint can also browse a collection."""
    query = parse_q(filters.q) if filters.q is not None else None
    if query is not None:
        hits = _backend(session).scored(query).subquery("hits")
    else:
        hits = select(DOCUMENTS.c.id, literal(0.0, Float).label("score")).subquery("hits")
    statement = select(hits.c.id, hits.c.score)
    if filters.collections:
        statement = statement.join_from(hits, DOCUMENTS, DOCUMENTS.c.id == hits.c.id).where(
            DOCUMENTS.c.collection.in_(filters.collections)
        )
    # Otherwise every hit is a document: rank, count and page on the match alone, and read
    # the documents of the page only (a broad query matches thousands).
    count = select(func.count()).select_from(statement.subquery())
    # The index's rowid comes untyped; typed, a cursor's id is checked as the integer it is.
    ordering = Ordering(page.sort, SortKey(hits.c.score), type_coerce(hits.c.id, Integer))
    result = fetch_page(session.execute, statement, count, ordering, page, "id", dict)
    ids = [row["id"] for row in result.rows]
    documents = {
        row.id: row
        for row in session.execute(
            select(
                DOCUMENTS.c.id, DOCUMENTS.c.collection, DOCUMENTS.c.record_id, DOCUMENTS.c.title
            ).where(DOCUMENTS.c.id.in_(ids))
        )
    }
    snippets = _snippets(session, query, ids)
    result.rows = [
        {
            "collection": documents[i].collection,
            "id": documents[i].record_id,
            "title": documents[i].title,
            "snippet": snippets.get(i, ""),
            "link": sources()[documents[i].collection].link(documents[i].record_id),
        }
        for i in ids
    ]
    return result


__all__ = ["SORT", "SearchFilters", "record_match", "search"]
