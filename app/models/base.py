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

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is not None:
            value = (
                value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
            )
        return value


def timestamp(*, index: bool = False) -> Any:
    return Field(default_factory=utc_now, sa_type=UTCDateTime, nullable=False, index=index)


class Timestamps(SQLModel):
    created_at: dt.datetime = timestamp()
    updated_at: dt.datetime = timestamp(index=True)
