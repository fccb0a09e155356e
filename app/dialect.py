"""The SQL that differs between SQLite and PostgreSQL, kept in one place."""

from typing import Any

import orjson
from sqlalchemy import ColumnElement, Connection, func, literal_column, select, text
from sqlalchemy.sql import Subquery


def json_objects_array(
    dialect: str, rows: Subquery, fields: dict[str, Any], order_column: str
) -> ColumnElement[Any]:
    """A scalar subquery: the rows as a JSON array of objects, in `order_column` order."""
    pairs: list[Any] = []
    for name, column_name in fields.items():
        pairs.extend([literal_column(f"'{name}'"), rows.c[column_name]])
    if dialect == "postgresql":
        # Imported here: the PostgreSQL dialect is only loaded by a server that uses it.
        from sqlalchemy.dialects.postgresql import aggregate_order_by

        aggregated = func.json_agg(
            aggregate_order_by(func.json_build_object(*pairs), rows.c[order_column])
        )
        return select(func.coalesce(aggregated, literal_column("'[]'::json"))).scalar_subquery()
    # SQLite keeps the order of the (ordered) subquery it aggregates over.
    return select(func.json_group_array(func.json_object(*pairs))).scalar_subquery()


def decode_json(value: Any) -> Any:
    """SQLite hands JSON built in SQL back as text; psycopg has already parsed it."""
    return orjson.loads(value) if isinstance(value, str | bytes) else value


# Any fixed 64-bit number: every writer (seed, migrations) takes the same lock.
WRITE_LOCK_ID = 0x5753_4953_2B32_30


def lock_for_writes(connection: Connection) -> None:
    """Serialise writers across processes for the rest of the transaction.

    SQLite already has one writer at a time (our writes BEGIN IMMEDIATE); PostgreSQL gets
    a transaction-scoped advisory lock, so concurrent seeds and starts queue instead of
    racing."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": WRITE_LOCK_ID})


def write_options(dialect: str) -> dict[str, Any]:
    """Connection options for a writing transaction.

    SQLite: BEGIN IMMEDIATE (see db._on_begin). PostgreSQL: READ COMMITTED, so that a writer
    that waited for the advisory lock sees what the writer before it committed."""
    if dialect == "postgresql":
        return {"isolation_level": "READ COMMITTED"}
    return {"sqlite_write": True}
