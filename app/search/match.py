"""`DocumentMatch(query)`: a condition on search_document that each dialect compiles to its
own full-text match, so list services can filter by `q` without knowing the database."""

from typing import Any

from sqlalchemy import Boolean, String, bindparam
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from app.search import postgres, sqlite
from app.search.query import SearchQuery


class DocumentMatch(ColumnElement[bool]):
    """True for the search_document rows that match `query`."""

    # Both renderings ride along as bound values; each dialect renders (binds) only its own.
    # As bound values they stay out of the statement cache key, so one compiled form serves
    # every query.
    inherit_cache = True
    type = Boolean()
    # A predicate already: without this SQLite would get `(...) = 1`, which no index serves.
    _is_implicitly_boolean = True
    _traverse_internals = [
        ("fts5", InternalTraversal.dp_clauseelement),
        ("tsquery", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, query: SearchQuery) -> None:
        self.fts5: BindParameter[str] = bindparam(None, query.fts5(), type_=String)
        self.tsquery: BindParameter[str] = bindparam(None, query.tsquery(), type_=String)


@compiles(DocumentMatch, "sqlite")
def _sqlite(element: DocumentMatch, compiler: SQLCompiler, **kw: Any) -> str:
    return sqlite.match_sql(compiler.process(element.fts5, **kw))


@compiles(DocumentMatch, "postgresql")
def _postgresql(element: DocumentMatch, compiler: SQLCompiler, **kw: Any) -> str:
    return postgres.match_sql(compiler.process(element.tsquery, **kw))
