"""Knowing, cheaply, whether the data changed: the dataset revision, polled at most once
per interval whichever process or replica made the change."""

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import anyio.to_thread
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger("app.revision")


@dataclass(frozen=True)
class DataState:
    revision: int
    changed_at: dt.datetime | None


def read_state(engine: Engine) -> DataState:
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT revision, changed_at FROM dataset WHERE id = 1")
        ).first()
    if row is None:
        return DataState(0, None)
    changed_at = row[1]
    if isinstance(changed_at, str):  # SQLite returns text from a raw query
        changed_at = dt.datetime.fromisoformat(changed_at)
    if changed_at is not None and changed_at.tzinfo is None:
        changed_at = changed_at.replace(tzinfo=dt.UTC)
    return DataState(int(row[0]), changed_at)


class RevisionWatcher:
    """Holds the last data state seen; refreshes it when older than `interval` seconds."""

    def __init__(
        self,
        read: Callable[[], DataState],
        interval: float,
        on_change: Callable[[DataState | None], None],
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._read = read
        self._interval = interval
        self._on_change = on_change
        self._monotonic = monotonic
        self._checked_at = float("-inf")
        self._lock = asyncio.Lock()
        self.state: DataState | None = None

    async def current(self) -> DataState | None:
        """The data state, or None when the database cannot tell (then nothing is cached)."""
        if self._monotonic() - self._checked_at < self._interval:
            return self.state
        async with self._lock:
            if self._monotonic() - self._checked_at < self._interval:
                return self.state
            try:
                state: DataState | None = await anyio.to_thread.run_sync(self._read)
            except SQLAlchemyError:
                log.warning("could not read the data revision; the cache is bypassed")
                state = None
            self._checked_at = self._monotonic()
            if state != self.state:
                self.state = state
                self._on_change(state)
        return self.state
