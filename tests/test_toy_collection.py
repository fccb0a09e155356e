"""Adding a collection takes its model, its declaration, its seed records and tests: the toy
collection in tests/toy_app.py, served by a server process of its own, gets a list with
filters and facets, a record by id, CSV, search, the change log, feeds, the API index and
the OpenAPI document from its declaration alone."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.test_cli import free_port, stop

ROOT = Path(__file__).resolve().parent.parent
STARTUP = 60.0


@pytest.fixture(scope="module")
def toys(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    workdir = tmp_path_factory.mktemp("toys")
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
        path: item["get"]["operationId"]
        for path, item in document["paths"].items()
        if path.startswith("/v1/toys")
    }
    assert operations == {
        "/v1/toys": "list_toys",
        "/v1/toys.csv": "list_toys_csv",
        "/v1/toys.atom": "list_toys_atom",
        "/v1/toys.rss": "list_toys_rss",
        "/v1/toys.feed.json": "list_toys_feed_json",
        "/v1/toys.json": "list_toys_json",
        "/v1/toys.html": "list_toys_html",
        "/v1/toys/{toy_id}.json": "get_toy_json",
        "/v1/toys/{toy_id}.html": "get_toy_html",
        "/v1/toys/{toy_id}": "get_toy",
    }
    assert {"name": "toys", "description": "Toys, to show what a declaration gives."} in (
        document["tags"]
    )
