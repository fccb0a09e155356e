"""GET /v1 (the index), /healthz and /readyz."""

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import SQLModel

from app.main import create_app
from app.migrate import head_revision, upgrade
from app.settings import Settings
from tests.conftest import FakeClock

COLLECTIONS = {
    "milestones": "milestones",
    "organisations": "organisations",
    "nris": "nris",
    "calls-to-action": "calls_to_action",
    "action-lines": "action_lines",
    "facts": "facts",
}


def test_index_lists_every_collection_with_its_seed_count(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    response = client.get("/v1")
    body = response.json()
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert body["collections"] == [
        {"name": name, "href": f"/v1/{name}", "count": len(seeded[key])}
        for name, key in COLLECTIONS.items()
    ]
    assert (body["fact_sheet"], body["openapi"], body["docs"]) == (
        "/v1/fact-sheet",
        "/openapi.json",
        "/docs",
    )


def test_every_collection_href_answers_200_with_total_equal_to_its_count(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    collections = client.get("/v1").json()["collections"]
    answers = {c["href"]: client.get(c["href"]) for c in collections}
    assert {href: r.status_code for href, r in answers.items()} == dict.fromkeys(answers, 200)
    assert {c["href"]: c["count"] for c in collections} == {
        href: r.json()["meta"]["total"] for href, r in answers.items()
    }


def test_index_links_to_the_fact_sheet_the_openapi_document_and_the_docs(
    app: FastAPI, client: TestClient, seeded: dict[str, Any]
) -> None:
    body = client.get("/v1").json()
    sheet, document, docs = (client.get(body[k]) for k in ("fact_sheet", "openapi", "docs"))
    assert [r.status_code for r in (sheet, document, docs)] == [200, 200, 200]
    assert (sheet.json()["id"], sheet.json()["title"]) == (
        seeded["fact_sheet"]["id"],
        seeded["fact_sheet"]["title"],
    )
    # The document describes this API, the index among its paths.
    spec = document.json()
    assert (spec["info"]["title"], spec["info"]["version"]) == (app.title, app.version)
    assert {"/v1", "/v1/fact-sheet"} <= spec["paths"].keys()
    # The docs are a page that loads that very document.
    assert docs.headers["content-type"] == "text/html; charset=utf-8"
    assert f"url: '{body['openapi']}'" in docs.text


def test_index_states_the_data_version_and_when_it_was_curated_and_loaded(
    client: TestClient, seeded: dict[str, Any], clock: FakeClock
) -> None:
    data = client.get("/v1").json()["data"]
    dataset = seeded["dataset"]
    assert data == {
        "title": dataset["title"],
        "version": dataset["version"],
        "curated_on": dataset["version"],
        "description": dataset["description"],
        "notes": dataset["notes"],
        "revision": 1,
        "changed_at": clock.now.isoformat().replace("+00:00", "Z"),
    }


def test_index_before_any_data_has_null_data_and_zero_counts(client: TestClient) -> None:
    body = client.get("/v1").json()
    assert body["data"] is None
    assert body["collections"] == [
        {"name": name, "href": f"/v1/{name}", "count": 0} for name in COLLECTIONS
    ]


def test_healthz_is_200_and_not_cached(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.json() == {"status": "ok"}


def test_readyz_is_503_problem_when_tables_were_made_without_migrations() -> None:
    app = create_app(Settings(database_url="sqlite://", _env_file=None))
    SQLModel.metadata.create_all(app.state.engine)
    with TestClient(app) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["cache-control"] == "no-store"
    assert response.json() == {
        "type": "/problems/unavailable",
        "title": "Service unavailable",
        "status": 503,
        "detail": f"The database schema is at no revision, expected {head_revision()}.",
        "instance": "/readyz",
    }


def test_readyz_is_200_once_a_fresh_database_is_migrated(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/x.db", _env_file=None))
    with TestClient(app) as client:
        before = client.get("/readyz")
        upgrade(app.state.engine)
        after = client.get("/readyz")
    assert before.status_code == 503
    assert after.status_code == 200
    assert after.headers["content-type"] == "application/json"
    assert after.headers["cache-control"] == "no-store"
    body = after.json()
    # The pool's figures move with traffic; its size is the configured one.
    assert body.pop("pool")["size"] == app.state.settings.db_pool_size
    # Nothing else in flight; the in-process client opens no connections to count.
    assert body.pop("load") == {
        "in_flight": 0,
        "limit": 1000,
        "clients": 0,
        "per_client": 100,
        "connections": None,
    }
    assert body == {"status": "ok", "database": "ok", "migration": head_revision()}
    assert head_revision() is not None
