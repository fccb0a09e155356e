"""Crash safety of the SQLite database: the connection settings that make it so, and a short
version of tools/crash_test.py (three SIGKILLs during `factsheet seed` on a smaller synthetic
seed; the ten-run version with 20,000 facts writes tools/CRASH.md)."""

import random
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, text

from app.db import make_engine
from app.migrate import upgrade
from app.seed import sync_seed
from tools.crash_test import crash_runs, digest, synthetic_seed


@pytest.fixture
def file_engine(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'factsheet.db'}")
    upgrade(engine)
    return engine


def test_sqlite_connections_use_wal_a_busy_timeout_and_foreign_keys(file_engine: Engine) -> None:
    with file_engine.connect() as connection:
        pragmas = {
            name: connection.execute(text(f"PRAGMA {name}")).scalar()
            for name in ("journal_mode", "busy_timeout", "foreign_keys", "synchronous")
        }
    file_engine.dispose()
    # synchronous=NORMAL (1) is safe in WAL mode: a process crash loses nothing committed.
    assert pragmas == {
        "journal_mode": "wal",
        "busy_timeout": 30000,
        "foreign_keys": 1,
        "synchronous": 1,
    }


def test_the_seed_writes_in_one_transaction_begun_immediate(
    file_engine: Engine, seed_data: dict[str, Any]
) -> None:
    events: list[str] = []

    @event.listens_for(file_engine, "before_cursor_execute")
    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        words = statement.split()
        events.append(" ".join(words) if words[0].upper() == "BEGIN" else words[0].upper())

    @event.listens_for(file_engine, "commit")
    def committed(_conn: Any) -> None:
        events.append("(commit)")

    sync_seed(file_engine, seed_data)
    file_engine.dispose()
    writes = [i for i, e in enumerate(events) if e in ("INSERT", "UPDATE", "DELETE")]
    begins = [e for e in events if e.startswith("BEGIN")]
    assert begins == ["BEGIN IMMEDIATE"]
    assert writes and events.index("BEGIN IMMEDIATE") < writes[0]
    assert events.count("(commit)") == 1
    assert writes[-1] < events.index("(commit)")


def test_reads_do_not_take_the_write_lock(file_engine: Engine) -> None:
    """Plain BEGIN for readers: a reader never blocks the seed (WAL lets them overlap)."""
    statements: list[str] = []

    @event.listens_for(file_engine, "before_cursor_execute")
    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement.strip())

    with file_engine.connect() as connection, connection.begin():
        connection.execute(text("SELECT 1"))
    file_engine.dispose()
    assert statements[0] == "BEGIN"


def test_synthetic_seed_is_valid_and_digest_ignores_timestamps_only(
    tmp_path: Path, seed_data: dict[str, Any]
) -> None:
    from app.seed_check import check_seed

    big = synthetic_seed(seed_data, facts=50)
    assert check_seed(big) == []
    assert len(big["facts"]) == len(seed_data["facts"]) + 50
    assert all(n["name"].startswith("Synthetic") for n in big["nris"][len(seed_data["nris"]) :])

    path = tmp_path / "d.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    sync_seed(engine, seed_data)
    first = digest(path)
    with engine.begin() as connection:
        connection.execute(text("UPDATE fact SET updated_at = '2001-01-01 00:00:00'"))
    assert digest(path) == first
    with engine.begin() as connection:
        connection.execute(text("UPDATE fact SET value = value + 1 WHERE id = 'fs-users-2003'"))
    engine.dispose()
    assert digest(path) != first


@pytest.mark.slow
def test_sigkill_during_seed_leaves_the_old_or_the_new_data(tmp_path: Path) -> None:
    messages: list[str] = []
    result = crash_runs(tmp_path, runs=3, facts=2_000, rng=random.Random(6), log=messages.append)
    assert result.passed, "\n".join(messages)
    assert [run.outcome for run in result.runs if run.outcome not in ("old", "new")] == []
    # The point is to kill inside the write transaction at least once.
    assert any(run.kill.phase == "while writing" for run in result.runs), messages
