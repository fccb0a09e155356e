"""Knowing, cheaply, whether the data changed: the dataset revision, polled at most once
per interval whichever process or replica made the change.

The poll also tells whether the database answers at all. When it fails, the last state known
is kept: the response cache goes on serving what it holds (stale-if-error) for up to
`stale_if_error` seconds, and requests it cannot answer get a 503 at once instead of each
waiting on a database that is away. The next poll that succeeds ends that.

A poll runs on a thread of its own, one at a time, never on the event loop nor on the
threads requests use: a database that hangs delays a request by at most READ_WAIT while
the last poll succeeded, and not at all once it failed.
"""

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from app.sqlite_file import FILE_KEY

log = logging.getLogger("app.revision")

# Seconds a request waits for a poll in flight before it goes on with the last state known.
# A poll takes a millisecond when all is well; longer means the database is slow or away.
READ_WAIT = 0.5
# Polls run here: one at a time, however many are due, and never on a thread a request is
# waiting for (nor behind requests that wait for the database themselves).
_reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="revision")


@dataclass(frozen=True)
class DataState:
    revision: int
    changed_at: dt.datetime | None
    # The SQLite file read (app.sqlite_file): a replaced file is new data even when its
    # revision happens to be the same number. None on PostgreSQL.
    file: str | None = None


def read_state(engine: Engine) -> DataState:
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT revision, changed_at FROM dataset WHERE id = 1")
        ).first()
        file = connection.connection.info.get(FILE_KEY)
    if row is None:
        return DataState(0, None, file)
    changed_at = row[1]
    if isinstance(changed_at, str):  # SQLite returns text from a raw query
        changed_at = dt.datetime.fromisoformat(changed_at)
    if changed_at is not None and changed_at.tzinfo is None:
        changed_at = changed_at.replace(tzinfo=dt.UTC)
    return DataState(int(row[0]), changed_at, file)


class RevisionWatcher:
    """Holds the last data state seen; refreshes it when older than `interval` seconds."""

    def __init__(
        self,
        read: Callable[[], DataState],
        interval: float,
        on_change: Callable[[DataState | None], None],
        monotonic: Callable[[], float] = time.monotonic,
        stale_if_error: float = 0.0,
    ) -> None:
        self._read = read
        self._interval = interval
        self._on_change = on_change
        self._monotonic = monotonic
        self._stale_if_error = stale_if_error
        self._checked_at = float("-inf")
        self._poll: asyncio.Task[None] | None = None
        self.state: DataState | None = None
        # When a poll first failed, since the last one that succeeded; None while it answers.
        self.failing_since: float | None = None

    @property
    def database_away(self) -> bool:
        """The last poll failed: the database did not answer, or not in time."""
        return self.failing_since is not None

    async def current(self) -> DataState | None:
        """The data state; None when it is unknown, or the database has been away for longer
        than `stale_if_error` (then nothing is served from the cache)."""
        if self._monotonic() - self._checked_at >= self._interval:
            loop = asyncio.get_running_loop()
            if self._poll is None or self._poll.get_loop() is not loop:
                self._poll = loop.create_task(self._refresh())
            if not self.database_away:
                # Shielded: a request that stops waiting leaves the poll to finish for others.
                try:
                    await asyncio.wait_for(asyncio.shield(self._poll), READ_WAIT)
                except TimeoutError:
                    pass
        if self.failing_since is not None:
            if self._monotonic() - self.failing_since > self._stale_if_error:
                return None
        return self.state

    def database_failed(self, reason: str) -> None:
        """A request found the database away: the requests after it need not wait to find
        out too. A poll is due at once, and the first that succeeds ends this."""
        self._away(reason)
        self._checked_at = float("-inf")

    def _away(self, reason: str) -> None:
        if self.failing_since is None:
            self.failing_since = self._monotonic()
            log.warning("the database is away (%s); serving what is cached", reason)

    async def refresh(self) -> DataState | None:
        """The data state read now, not up to `interval` ago (within READ_WAIT)."""
        self._checked_at = float("-inf")
        return await self.current()

    async def _refresh(self) -> None:
        try:
            state = await asyncio.wrap_future(_reader.submit(self._read))
        except SQLAlchemyError as exc:
            self._away(str(getattr(exc, "orig", None) or exc).splitlines()[0])
        else:
            if self.failing_since is not None:
                log.warning("the database answers again")
            self.failing_since = None
            if state != self.state:
                self.state = state
                self._on_change(state)
        finally:
            self._checked_at = self._monotonic()
            self._poll = None
