"""Engine construction and per-request sessions; SQLite and PostgreSQL differences live here."""

import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import orjson
from fastapi import Depends, Request
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

from app.sqlite_file import follow_replacements

# The backends the migrations, the search index and the tests cover; any other would fail
# later and less clearly (or import a driver that is not installed).
SUPPORTED_URLS = (
    "supported: sqlite:///path/to/file.db, postgresql+psycopg://user:password@host:5432/db"
)
SUPPORTED_DRIVERS = frozenset({"sqlite", "sqlite+pysqlite", "postgresql+psycopg"})


# How long a SQLite connection waits for a lock when no statement timeout is given.
SQLITE_LOCK_TIMEOUT = 30.0
# A server that still answers cancels a statement at statement_timeout, with a clear error;
# the client-side deadline (app.db_deadline) waits this much longer before it cuts one off.
ROUND_TRIP_MARGIN = 1.0


class UnsupportedDatabaseURL(ValueError):
    """A database URL this app cannot use; the message never repeats the URL (a password)."""


def check_database_url(url: str) -> URL:
    """`url` parsed, or UnsupportedDatabaseURL saying what is wrong and what would work."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise UnsupportedDatabaseURL(f"not a database URL ({SUPPORTED_URLS})") from None
    if parsed.drivername not in SUPPORTED_DRIVERS:
        backend = parsed.get_backend_name()
        hint = ", PostgreSQL needs the psycopg driver" if backend == "postgresql" else ""
        raise UnsupportedDatabaseURL(
            f"unsupported database {parsed.drivername!r}{hint} ({SUPPORTED_URLS})"
        )
    return parsed


def make_engine(
    url: str,
    *,
    pool_size: int = 5,
    max_overflow: int = 10,
    pool_timeout: float = 10.0,
    pool_pre_ping: bool = True,
    pool_recycle: float = 1800.0,
    connect_timeout: int | None = None,
    statement_timeout: float | None = None,
) -> Engine:
    """An engine for `url`. The pool settings are per process: N workers or replicas hold
    up to N * (pool_size + max_overflow) connections, which must stay below PostgreSQL's
    max_connections (minus what migrations, seeds and admins need).

    `connect_timeout` bounds a new PostgreSQL connection; `statement_timeout` each statement
    (see app.db_deadline) or, on SQLite, each wait for a lock. Serving sets both; migrations
    and seeds, which may rightly take long, leave the statements unbounded."""
    parsed = check_database_url(url)
    if parsed.get_backend_name() != "sqlite":
        engine = create_engine(
            url,
            # One snapshot per request: a response never mixes data from before and after
            # a reseed. Writers ask for READ COMMITTED (see dialect.write_options).
            isolation_level="REPEATABLE READ",
            json_deserializer=orjson.loads,
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_timeout=pool_timeout,
            pool_pre_ping=pool_pre_ping,
            # A connection a proxy or the server dropped while idle would fail its request.
            pool_recycle=int(pool_recycle),
            connect_args=_postgres_connect_args(parsed, connect_timeout, statement_timeout),
        )
        if statement_timeout is not None:
            # Imported here: it loads psycopg, which a SQLite server never needs.
            from app import db_deadline

            deadline = statement_timeout + ROUND_TRIP_MARGIN

            @event.listens_for(engine, "do_connect")
            def _with_deadline(_dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
                return db_deadline.connect(deadline, *cargs, **cparams)

        return engine
    in_memory = parsed.database in (None, "", ":memory:")
    if not in_memory and parsed.database:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    lock_timeout = statement_timeout or SQLITE_LOCK_TIMEOUT
    kwargs: dict[str, Any] = {
        "connect_args": {"check_same_thread": False, "timeout": lock_timeout},
        "json_deserializer": orjson.loads,
    }
    if in_memory:
        # One shared connection, or every checkout would see its own empty database.
        kwargs["poolclass"] = StaticPool
    else:
        # Opening a SQLite connection (and its PRAGMAs) costs more than a small query.
        kwargs.update(pool_size=pool_size, max_overflow=max_overflow, pool_timeout=pool_timeout)
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={round(lock_timeout * 1000)}")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Reads take a plain BEGIN; writers ask for IMMEDIATE so they queue on the
        # write lock up front instead of failing half-way with SQLITE_BUSY.
        options = connection.get_execution_options()
        if options.get(ONE_STATEMENT):
            return  # each statement its own transaction: see one_statement_engine
        mode = "IMMEDIATE" if options.get("sqlite_write") else ""
        connection.exec_driver_sql(f"BEGIN {mode}".strip())

    if not in_memory and parsed.database:
        follow_replacements(engine, parsed.database)
    return engine


def _postgres_connect_args(
    parsed: URL, connect_timeout: int | None, statement_timeout: float | None
) -> dict[str, Any]:
    """libpq parameters for the timeouts; what the URL's own query says wins."""
    args: dict[str, Any] = {}
    if connect_timeout is not None and "connect_timeout" not in parsed.query:
        args["connect_timeout"] = connect_timeout
    if statement_timeout is not None:
        option = f"-c statement_timeout={round(statement_timeout * 1000)}"
        given = parsed.query.get("options")
        # Later -c options override earlier ones: the URL's come last.
        args["options"] = f"{option} {given}" if isinstance(given, str) else option
    return args


# Execution option of the engine a one-statement session runs on (see open_session).
ONE_STATEMENT = "factsheet_one_statement"
# The engine that one-statement sessions on an engine fall back to for a snapshot.
SNAPSHOT_ENGINE = "snapshot_engine"
_one_statement_engines: "weakref.WeakKeyDictionary[Engine, Engine]" = weakref.WeakKeyDictionary()


def one_statement_engine(engine: Engine) -> Engine:
    """`engine` without transactions: each statement is its own snapshot. On PostgreSQL that
    saves a BEGIN and a ROLLBACK, two of the four round trips of a one-statement request
    (with the pre-ping); on SQLite the BEGIN that _on_begin would issue."""
    found = _one_statement_engines.get(engine)
    if found is None:
        if engine.dialect.name == "sqlite":
            # Not SQLAlchemy's AUTOCOMMIT: resetting it on return to the pool would hand
            # pysqlite back its own transaction handling, which _on_connect turned off.
            found = engine.execution_options(**{ONE_STATEMENT: True})
        else:
            found = engine.execution_options(isolation_level="AUTOCOMMIT")
        _one_statement_engines[engine] = found
    return found


def open_session(request: Request, one_statement: bool = False) -> Session:
    """A session on the app's engine, for a `with` block. A request that reads with one
    statement (one record, one page) needs no transaction for its snapshot: a statement sees
    one snapshot, its subqueries included. A service that finds it needs another statement
    after all starts over on SNAPSHOT_ENGINE (in `session.info`)."""
    engine: Engine = request.app.state.engine
    if not one_statement:
        return Session(engine)
    return Session(one_statement_engine(engine), info={SNAPSHOT_ENGINE: engine})


def get_session(request: Request) -> Iterator[Session]:
    with open_session(request) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
