"""Requests that read with one statement run it without a transaction (app.db.open_session):
a statement is one snapshot by itself. What needs more than one statement still gets one
snapshot for all of them."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlmodel import Session

from tests.conftest import MakeApp
from tests.factories import make_nri


@pytest.fixture
def app(make_app: MakeApp) -> FastAPI:
    # The data revision is polled once, at the first request (app.revision), so what the
    # tests count after it is the routes' own statements.
    return make_app(cache_revision_interval=3600.0)


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement.split(None, 1)[0].upper())

    event.listen(engine, "before_cursor_execute", note)
    yield seen
    event.remove(engine, "before_cursor_execute", note)


def test_a_record_and_a_json_page_take_one_statement_each(
    client: TestClient, session: Session, engine: Engine, statements: list[str]
) -> None:
    make_nri(session)
    client.get("/v1")
    statements.clear()
    assert client.get("/v1/nris/nri-901").status_code == 200
    assert client.get("/v1/nris?kind=national").json()["meta"]["total"] == 1
    if engine.dialect.name == "sqlite":  # PostgreSQL's BEGIN is psycopg's, not a statement
        assert statements == ["SELECT", "SELECT"]


def test_an_empty_page_reads_its_counts_in_one_snapshot(
    client: TestClient, session: Session, engine: Engine, statements: list[str]
) -> None:
    make_nri(session)
    make_nri(session, id="nri-902", name="Other IGF")
    client.get("/v1")
    statements.clear()
    body = client.get("/v1/nris?established_from=2100").json()
    assert (body["data"], body["meta"]["total"], body["meta"]["held"]) == ([], 0, 2)
    if engine.dialect.name == "sqlite":
        # The page without rows, then page and counts again inside a transaction.
        assert statements[0] == "SELECT" and statements[1] == "BEGIN"


def test_a_page_with_facets_is_read_in_a_transaction(
    client: TestClient, session: Session, engine: Engine, statements: list[str]
) -> None:
    make_nri(session)
    client.get("/v1")
    statements.clear()
    body = client.get("/v1/nris?facets=kind").json()
    assert body["meta"]["facets"] == {"kind": {"national": 1}}
    if engine.dialect.name == "sqlite":
        assert statements[0] == "BEGIN"
