"""Waiting at start-up for a database server that does not answer yet.

A container platform starts the API and its database together, so PostgreSQL may still be
starting (or restarting) when `factsheet serve` first connects: it retries for a bounded time
instead of failing at once, says what it is waiting for, and then gives up in one line
instead of hanging. Each attempt is bounded by the engine's connect timeout. A SQLite file
needs no waiting.
"""

import time
from collections.abc import Callable

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

RETRY_PAUSE = 1.0  # seconds between attempts


class DatabaseNotAnswering(Exception):
    """The database did not answer within the start-up timeout; the message says where."""


def where(engine: Engine) -> str:
    url = engine.url
    return f"{url.host or 'localhost'}:{url.port or 5432}"


def wait_for_database(
    engine: Engine,
    timeout: float,
    announce: Callable[[str], None],
    monotonic: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Return once the database answers a query; announce the wait once, when the first
    attempt fails; raise DatabaseNotAnswering after `timeout` seconds of failed attempts."""
    if engine.url.get_backend_name() == "sqlite":
        return
    deadline = monotonic() + timeout
    announced = False
    while True:
        try:
            with engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
            return
        except OperationalError as exc:
            reason = str(exc.orig or exc).splitlines()[0]
            if monotonic() >= deadline:
                raise DatabaseNotAnswering(
                    f"the database at {where(engine)} did not answer within {timeout:g} s "
                    f"(FACTSHEET_DB_STARTUP_TIMEOUT): {reason}"
                ) from None
            if not announced:
                announce(
                    f"waiting for the database at {where(engine)} (up to {timeout:g} s): {reason}"
                )
                announced = True
            sleep(min(RETRY_PAUSE, max(0.0, deadline - monotonic())))
