"""Columns and types shared by every table."""

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Dialect, Text
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def json_list() -> Any:
    """A JSON list column that is never NULL."""
    return Field(default_factory=list, sa_type=JSON, nullable=False)


def text(*, nullable: bool = False, index: bool = False) -> Any:
    if nullable:
        return Field(default=None, sa_type=Text, nullable=True, index=index)
    return Field(sa_type=Text, index=index)


def big_int(*, nullable: bool = True) -> Any:
    return Field(default=None, sa_type=BigInteger, nullable=nullable)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp that always comes back timezone-aware in UTC (SQLite drops the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        fallback = super().result_processor(dialect, coltype)

        def from_text(value: Any) -> Any:
            # SQLite holds the UTC time as text without an offset ("2026-11-29 21:40:00.000000"):
            # read with the offset added, it comes back aware in one C call, where parsing and
            # then .replace(tzinfo=UTC) took a fifth of reading the rows of a page of 50 records.
            if value is None:
                return None
            try:
                parsed = dt.datetime.fromisoformat(value + "+00:00")
            except (TypeError, ValueError):
                parsed = None
            if parsed is not None and parsed.tzinfo is dt.UTC:
                return parsed
            # Text in another form (a date alone, an offset of its own): as SQLAlchemy reads it.
            return fallback(value) if fallback else value

        return from_text

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None or value.tzinfo is dt.UTC:  # psycopg's, with the server in UTC
            return value
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def timestamp(*, index: bool = False) -> Any:
    return Field(default_factory=utc_now, sa_type=UTCDateTime, nullable=False, index=index)


class Timestamps(SQLModel):
    created_at: dt.datetime = timestamp()
    updated_at: dt.datetime = timestamp(index=True)
