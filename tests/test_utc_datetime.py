"""UTCDateTime on SQLite: the fast reading of stored text agrees with SQLAlchemy's own."""

import datetime as dt
from typing import Any

import pytest
from sqlalchemy.dialects import sqlite
from sqlalchemy.types import TypeDecorator

from app.models.base import UTCDateTime

DIALECT = sqlite.dialect()


def read(value: str | None) -> Any:
    process = UTCDateTime()._cached_result_processor(DIALECT, None)
    assert process is not None
    return process(value)


def read_as_sqlalchemy_does(value: str | None) -> Any:
    adapted: Any = UTCDateTime().dialect_impl(DIALECT)
    process = TypeDecorator.result_processor(adapted, DIALECT, None)
    assert process is not None
    return process(value)


@pytest.mark.parametrize(
    "stored",
    [
        "2026-11-29 21:40:00.000000",  # as SQLAlchemy writes it
        "2026-11-29 21:40:00.123456",
        "2026-11-29 21:40:00",  # as CURRENT_TIMESTAMP writes it
        "2026-11-29 21:40:00.5",
        "2026-11-29T21:40:00",
        "2026-11-29 21:40:00+02:00",  # an offset of its own
        "2026-11-29",  # a date alone
        None,
    ],
)
def test_stored_text_reads_as_sqlalchemy_reads_it(stored: str | None) -> None:
    assert read(stored) == read_as_sqlalchemy_does(stored)
    if stored is not None:
        assert read(stored).tzinfo is dt.UTC
