"""The dialect's full-text index beside search_document: created with the table (tests use
create_all), and hidden from Alembic's model comparison, which cannot describe it.

The objects hidden are exactly these, and only when reflected from a database:
* SQLite: the FTS5 table search_fts and the shadow tables FTS5 makes for it
  (search_fts_data, _idx, _docsize, _config); the triggers are not compared anyway.
* PostgreSQL: the generated column search_document.search_vector (tsvector has no SQLite
  equivalent, so it cannot be a model column) and its GIN index.
Migration 0003 creates them; tests/test_migrations.py checks create_all and the migrations
agree on them.
"""

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Table, event, text

from app.search import postgres, sqlite

FTS_PREFIX = "search_fts"
VECTOR_COLUMN = "search_vector"
VECTOR_INDEX = "ix_search_document_search_vector"


def create_index(connection: Connection) -> None:
    for statement in _ddl(connection).CREATE:
        connection.execute(text(statement))


def drop_index(connection: Connection) -> None:
    for statement in _ddl(connection).DROP:
        connection.execute(text(statement))


def _ddl(connection: Connection) -> Any:
    return postgres if connection.dialect.name == "postgresql" else sqlite


def install(table: Table) -> None:
    """Create and drop the index with the table, so create_all/drop_all build it too."""
    event.listen(table, "after_create", lambda _t, conn, **_kw: create_index(conn))
    event.listen(table, "before_drop", lambda _t, conn, **_kw: drop_index(conn))


def include_name(name: str | None, type_: str, parent_names: Mapping[str, Any]) -> bool:
    """Alembic's include_name hook: False for the full-text index's reflected objects."""
    if type_ == "table":
        return not (name or "").startswith(FTS_PREFIX)
    if type_ == "column" and parent_names.get("table_name") == "search_document":
        return name != VECTOR_COLUMN
    if type_ == "index":
        return name != VECTOR_INDEX
    return True
