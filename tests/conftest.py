"""Every test gets its own app. On SQLite that is a fresh in-memory database; when
FACTSHEET_TEST_DATABASE_URL names PostgreSQL, the schema is migrated once per session and
every table is emptied between tests."""

import datetime as dt
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlmodel import Session, SQLModel

from app.db import make_engine
from app.main import create_app
from app.migrate import upgrade
from app.seed import sync_seed
from app.seed_check import load_seed_file
from app.settings import DEFAULT_ALLOWED_HOSTS, Settings
from tests.contract_check import contract_hook

ROOT = Path(__file__).resolve().parents[1]
SEED_PATH = ROOT / "seed.json"
PG_URL = os.environ.get("FACTSHEET_TEST_DATABASE_URL")
CHECK_CONTRACT = os.environ.get("FACTSHEET_TEST_CONTRACT_CHECK", "on") != "off"


class FakeClock:
    """Stands in for the system clock. Tests move it by setting `now`, or `today` (which
    puts the clock at noon UTC that day); nothing in the suite reads the wall clock."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    @property
    def today(self) -> dt.date:
        return self.now.date()

    @today.setter
    def today(self, day: dt.date) -> None:
        self.now = dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC)


@pytest.fixture(scope="session")
def seed_data() -> dict[str, Any]:
    data = load_seed_file(SEED_PATH)
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="session")
def pg_engine() -> Iterator[Engine | None]:
    if not PG_URL:
        yield None
        return
    engine = make_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    yield engine
    engine.dispose()


def _empty_tables(engine: Engine) -> None:
    names = ", ".join(t.name for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def database_url(pg_engine: Engine | None) -> str:
    if pg_engine is not None:
        _empty_tables(pg_engine)
        return str(PG_URL)
    return "sqlite://"


# A fixed instant, so every timestamp a test reasons about (seed time, edits, "today" for
# milestone status, feed and calendar dates) is the same in any year the suite runs.
TEST_NOW = dt.datetime(2025, 7, 9, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(TEST_NOW)


# TestClient says `Host: testserver`: allowed in tests, as Django's test runner does.
TEST_HOSTS = [*DEFAULT_ALLOWED_HOSTS, "testserver"]
# The `client` fixture's peer: a client on the same machine, to which /metrics answers.
LOOPBACK_CLIENT = ("127.0.0.1", 50000)


@pytest.fixture
def settings(database_url: str) -> Settings:
    # Check the data revision on every request, so a test sees its own reseed at once.
    # Rate limiting is on in production; tests that want it turn it on themselves.
    return Settings(
        database_url=database_url,
        cache_revision_interval=0.0,
        rate_limit_enabled=False,
        allowed_hosts=TEST_HOSTS,
        _env_file=None,
    )


MakeApp = Callable[..., FastAPI]


@pytest.fixture
def make_app(settings: Settings, clock: FakeClock) -> Iterator[MakeApp]:
    """Apps on the test database with settings overridden per call; disposed afterwards."""
    made: list[FastAPI] = []

    def make(**overrides: object) -> FastAPI:
        app = create_app(settings.model_copy(update=overrides), clock=clock)
        if settings.database_url == "sqlite://":
            SQLModel.metadata.create_all(app.state.engine)
        made.append(app)
        return app

    yield make
    for app in made:
        app.state.engine.dispose()


@pytest.fixture
def app(make_app: MakeApp) -> FastAPI:
    return make_app()


@pytest.fixture
def engine(app: FastAPI) -> Engine:
    engine: Engine = app.state.engine
    return engine


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, client=LOOPBACK_CLIENT) as test_client:
        # Every exchange is also held against the OpenAPI document (tests/contract_check.py).
        # It triples the time of an HTTP test, and the document is the same whatever the
        # backend or the date, so .ci/run checks it in one run of the suite, not in all three.
        if CHECK_CONTRACT:
            test_client.event_hooks["response"].append(contract_hook(app))
        yield test_client


@pytest.fixture
def seeded(engine: Engine, seed_data: dict[str, Any], clock: FakeClock) -> dict[str, Any]:
    """The real seed.json, loaded at the clock's current instant; returns its data."""
    sync_seed(engine, seed_data, now=clock.now)
    return seed_data
