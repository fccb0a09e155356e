"""Adding a collection takes its model, its declaration, its seed records and tests: the toy
collection in tests/toy_app.py, served by a server process of its own, gets a list with
filters and facets, a record by id, CSV, search, the change log, feeds, the API index, the
OpenAPI document and editors' writes from its declaration alone."""

import datetime as dt
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session

from app.db import make_engine
from app.tokens import create_token
from tests.test_cli import free_port, stop

ROOT = Path(__file__).resolve().parent.parent
STARTUP = 60.0


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("toys")


@pytest.fixture(scope="module")
def toys(workdir: Path) -> Iterator[httpx.Client]:
    log = workdir / "server.log"
    port = free_port()
    env = {
        **os.environ,
        "FACTSHEET_DATABASE_URL": f"sqlite:///{workdir / 'toys.db'}",
        "FACTSHEET_ACCESS_LOG": "false",
    }
    command = [sys.executable, "-m", "uvicorn", "tests.toy_app:create_app", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + STARTUP
        while True:
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the toy server did not start:\n{log.read_text()}")
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        with httpx.Client(base_url=base, headers={"Host": "localhost"}) as client:
            yield client
    finally:
        stop(server)


def test_the_list_pages_filters_and_counts(toys: httpx.Client) -> None:
    page = toys.get("/v1/toys", params={"limit": 2, "facets": "colour"}).json()
    assert [t["name"] for t in page["data"]] == ["Blue yo-yo", "Red ball"]
    assert page["meta"]["total"] == 3
    assert page["meta"]["facets"] == {"colour": {"blue": 1, "red": 2}}
    rest = toys.get(page["links"]["next"]).json()
    assert [t["id"] for t in rest["data"]] == ["toy-1"]
    red = toys.get("/v1/toys", params={"colour": "red", "sort": "-name"}).json()
    assert [t["id"] for t in red["data"]] == ["toy-1", "toy-3"]


def test_a_record_by_its_id_and_a_missing_one(toys: httpx.Client) -> None:
    toy = toys.get("/v1/toys/toy-2").json()
    assert toy["name"] == "Blue yo-yo" and toy["notes"] is None
    missing = toys.get("/v1/toys/toy-9")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["detail"] == "No toy has the id 'toy-9'."
    assert toys.get("/v1/toys", params={"colour": "red", "knd": "x"}).status_code == 400


def test_pages_for_people_come_from_the_declaration_too(toys: httpx.Client) -> None:
    browser = {"Accept": "text/html,*/*;q=0.8"}
    page = toys.get("/v1/toys", params={"colour": "red"}, headers=browser)
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert 'href="/v1/toys/toy-1"' in page.text and 'href="/v1/toys/toy-2"' not in page.text
    record = toys.get("/v1/toys/toy-2.html")
    assert record.headers["content-type"] == "text/html; charset=utf-8"
    assert "Blue yo-yo" in record.text


def test_csv_by_suffix_and_by_accept(toys: httpx.Client) -> None:
    by_suffix = toys.get("/v1/toys.csv", params={"fields": "name"})
    by_accept = toys.get("/v1/toys", params={"fields": "name"}, headers={"Accept": "text/csv"})
    assert by_suffix.headers["content-type"].startswith("text/csv")
    assert by_suffix.text == by_accept.text
    assert by_suffix.text.splitlines() == [
        "id,name",
        "toy-2,Blue yo-yo",
        "toy-3,Red ball",
        "toy-1,Red kite",
    ]


def test_search_finds_toys_and_q_filters_them(toys: httpx.Client) -> None:
    hits = toys.get("/v1/search", params={"q": "bounces", "collection": "toys"}).json()
    assert [(h["collection"], h["id"], h["link"]) for h in hits["data"]] == [
        ("toys", "toy-3", "/v1/toys/toy-3")
    ]
    found = toys.get("/v1/toys", params={"q": "kite"}).json()
    assert [t["id"] for t in found["data"]] == ["toy-1"]


def test_the_change_log_and_its_feed_name_the_toys(toys: httpx.Client) -> None:
    log = toys.get("/v1/changes", params={"collection": "toys"}).json()
    assert [(c["record_id"], c["action"], c["href"]) for c in log["data"]] == [
        (f"toy-{n}", "created", f"/v1/toys/toy-{n}") for n in (1, 2, 3)
    ]
    feed = toys.get("/v1/feeds/changes.feed.json").json()
    assert any(item["title"] == "Added toy: Red kite" for item in feed["items"])


def test_the_list_is_a_feed_too(toys: httpx.Client) -> None:
    atom = toys.get("/v1/toys.atom", params={"colour": "blue"})
    assert atom.headers["content-type"].startswith("application/atom+xml")
    assert atom.text.count("<entry>") == 1 and "Blue yo-yo" in atom.text
    feed = toys.get("/v1/toys", headers={"Accept": "application/feed+json"}).json()
    assert [item["title"] for item in feed["items"]] == ["Blue yo-yo", "Red ball", "Red kite"]


def test_the_index_and_the_document_know_the_toys(toys: httpx.Client) -> None:
    index = toys.get("/v1").json()
    assert {"name": "toys", "href": "/v1/toys", "count": 3} in index["collections"]
    document = toys.get("/openapi.json").json()
    operations = {
        f"{method.upper()} {path}": operation["operationId"]
        for path, item in document["paths"].items()
        if path.startswith("/v1/toys")
        for method, operation in item.items()
    }
    assert operations == {
        "GET /v1/toys": "list_toys",
        "GET /v1/toys.csv": "list_toys_csv",
        "GET /v1/toys.atom": "list_toys_atom",
        "GET /v1/toys.rss": "list_toys_rss",
        "GET /v1/toys.feed.json": "list_toys_feed_json",
        "GET /v1/toys.json": "list_toys_json",
        "GET /v1/toys.html": "list_toys_html",
        "GET /v1/toys/{toy_id}.json": "get_toy_json",
        "GET /v1/toys/{toy_id}.html": "get_toy_html",
        "GET /v1/toys/{toy_id}": "get_toy",
        # Writes come with the declaration too, checked by the rules of its seed schema.
        "POST /v1/toys": "create_toy",
        "PUT /v1/toys/{toy_id}": "replace_toy",
        "PATCH /v1/toys/{toy_id}": "update_toy",
        "DELETE /v1/toys/{toy_id}": "delete_toy",
        "GET /v1/toys/{toy_id}/revisions": "list_toy_revisions",
        "POST /v1/toys/{toy_id}/revisions/{revision}/restore": "restore_toy_revision",
    }
    assert document["components"]["schemas"]["ToyRecord"]["properties"]
    assert {"name": "toys", "description": "Toys, to show what a declaration gives."} in (
        document["tags"]
    )


# Last: it changes a toy that the tests above read as seeded.
def test_an_editor_changes_a_toy_by_the_rules_of_its_declaration(
    toys: httpx.Client, workdir: Path
) -> None:
    engine = make_engine(f"sqlite:///{workdir / 'toys.db'}")
    with Session(engine) as session:
        _, token = create_token(
            session,
            name="toy-editor",
            scope="write",
            collections=["toys"],
            lifetime=None,
            now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            known_collections=["toys"],
        )
    engine.dispose()
    read = toys.get("/v1/toys/toy-2")
    headers = {"Authorization": f"Bearer {token}", "If-Match": read.headers["ETag"]}
    wrong = toys.patch("/v1/toys/toy-2", json={"colour": 3}, headers=headers)
    assert (wrong.status_code, [e["name"] for e in wrong.json()["errors"]]) == (422, ["colour"])
    changed = toys.patch("/v1/toys/toy-2", json={"notes": "Mended."}, headers=headers)
    assert changed.status_code == 200, changed.text
    assert changed.json() == {**read.json(), "notes": "Mended."}
    assert toys.get("/v1/toys/toy-2").json()["notes"] == "Mended."
    latest = toys.get("/v1/toys/toy-2/revisions", params={"sort": "-number"}).json()["data"][0]
    assert (latest["actor"], latest["patch"]) == (
        "toy-editor",
        [{"op": "replace", "path": "/notes", "value": "Mended."}],
    )
