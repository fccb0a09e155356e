"""A client-side deadline on every PostgreSQL round trip a request makes.

PostgreSQL's own statement_timeout stops a slow statement, but only a server that still
answers can send that error. A server that has stopped answering (frozen, or cut off behind a
proxy or a network that keeps the connection open) leaves the driver waiting on its socket
forever: TCP keepalives are answered by whatever holds the connection, and libpq has no read
timeout. So a single thread watches the connections that are waiting for an answer and, past
their deadline, shuts the socket down: the blocked call then fails at once with an
OperationalError, and SQLAlchemy discards the connection as disconnected.

The deadline covers each execute, commit and rollback (pool pre-pings and the rollback on
return to the pool included), not the connection attempt: libpq's connect_timeout bounds that.
"""

import math
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Self

import psycopg


class _Watchdog:
    """Connections waiting for their server, by id, with their deadline and socket.

    A socket is shut while the lock is held, and a connection takes the same lock to disarm
    once its call returns: so the descriptor shut is always still that connection's, never
    one the operating system has since handed to something else."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._armed: dict[int, tuple[float, int]] = {}
        self._wake_at = math.inf
        self._thread: threading.Thread | None = None

    def arm(self, key: int, deadline: float, fd: int) -> None:
        with self._condition:
            self._armed[key] = (deadline, fd)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="db-deadline", daemon=True)
                self._thread.start()
            elif deadline < self._wake_at:
                self._condition.notify()

    def disarm(self, key: int) -> bool:
        """False when the deadline passed and the socket was shut."""
        with self._condition:
            return self._armed.pop(key, None) is not None

    def _run(self) -> None:
        with self._condition:
            while True:
                now = time.monotonic()
                for key, (deadline, fd) in list(self._armed.items()):
                    if deadline <= now:
                        del self._armed[key]
                        _shut(fd)
                self._wake_at = min((d for d, _ in self._armed.values()), default=math.inf)
                wait = None if self._wake_at == math.inf else self._wake_at - now
                self._condition.wait(wait)


def _shut(fd: int) -> None:
    try:
        # A duplicate of the descriptor: shutdown acts on the socket both share, and closing
        # the duplicate leaves the driver's own descriptor to the driver.
        with socket.socket(fileno=os.dup(fd)) as sock:
            sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed by its end: nothing left to wait on


_watchdog = _Watchdog()


@contextmanager
def _bounded(connection: "DeadlineConnection") -> Iterator[None]:
    seconds = connection.round_trip_timeout
    key = id(connection)
    try:
        fd = connection.fileno()
    except psycopg.Error:
        seconds = None  # closed: the call fails on its own, at once
    if seconds is None:
        yield
        return
    _watchdog.arm(key, time.monotonic() + seconds, fd)
    try:
        yield
    except psycopg.OperationalError as exc:
        if not _watchdog.disarm(key):
            raise psycopg.OperationalError(
                f"the database did not answer within {seconds:g} s"
            ) from exc
        raise
    finally:
        _watchdog.disarm(key)


class DeadlineCursor(psycopg.Cursor[Any]):
    def execute(self, *args: Any, **kwargs: Any) -> Self:
        assert isinstance(self.connection, DeadlineConnection)
        with _bounded(self.connection):
            return super().execute(*args, **kwargs)

    def executemany(self, *args: Any, **kwargs: Any) -> None:
        assert isinstance(self.connection, DeadlineConnection)
        with _bounded(self.connection):
            super().executemany(*args, **kwargs)


class DeadlineConnection(psycopg.Connection[Any]):
    round_trip_timeout: float | None = None

    def commit(self) -> None:
        with _bounded(self):
            super().commit()

    def rollback(self) -> None:
        with _bounded(self):
            super().rollback()


def connect(round_trip_timeout: float, *args: Any, **kwargs: Any) -> DeadlineConnection:
    """A psycopg connection whose every round trip must be answered within the timeout."""
    connection = DeadlineConnection.connect(*args, cursor_factory=DeadlineCursor, **kwargs)
    connection.round_trip_timeout = round_trip_timeout
    return connection
