"""Records the golden responses: `python -m tests.golden.record` sends every exchange of
tests/golden/exchanges.py to a freshly seeded app and writes one JSON file per exchange under
tests/golden/responses/, replacing what was there. Re-record only for a change of behaviour an
issue asks for; tests/test_golden.py replays the files and fails on any other difference.

The app is the one the tests get (tests/conftest.py): an in-memory SQLite database loaded
with seed.json at TEST_NOW by a FakeClock. A fixed cursor secret makes `links.next` and
`links.prev` the same in every run; headers that differ from run to run are left out."""

import base64
import io
import json
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi.testclient import TestClient
from sqlmodel import SQLModel

from app.main import create_app
from app.seed import sync_seed
from app.seed_check import load_seed_file
from app.settings import Settings
from tests.conftest import LOOPBACK_CLIENT, SEED_PATH, TEST_HOSTS, TEST_NOW, FakeClock
from tests.golden.exchanges import Exchange, exchanges

RESPONSES = Path(__file__).resolve().parent / "responses"
BASE_URL = "http://localhost"
GOLDEN_CURSOR_SECRET = "golden-cursor-secret-not-for-production"
# Plain bodies: what compression gives depends on the zlib and brotli builds installed.
CLIENT_HEADERS = {"Accept-Encoding": "identity"}
# `date` is the wall clock; `x-request-id` is random for every request.
DROPPED_HEADERS = frozenset({"date", "x-request-id"})

Record = dict[str, Any]


def golden_settings() -> Settings:
    """The settings of tests/conftest.py's `settings` fixture on SQLite, and a fixed cursor
    secret."""
    return Settings(
        database_url="sqlite://",
        cache_revision_interval=0.0,
        rate_limit_enabled=False,
        allowed_hosts=TEST_HOSTS,
        cursor_secret=GOLDEN_CURSOR_SECRET,
        _env_file=None,
    )


@contextmanager
def golden_client() -> Iterator[TestClient]:
    clock = FakeClock(TEST_NOW)
    app = create_app(golden_settings(), clock=clock)
    try:
        SQLModel.metadata.create_all(app.state.engine)
        sync_seed(app.state.engine, load_seed_file(SEED_PATH), now=clock.now)
        with TestClient(
            app, base_url=BASE_URL, client=LOOPBACK_CLIENT, headers=CLIENT_HEADERS
        ) as client:
            yield client
    finally:
        app.state.engine.dispose()


def openapi_document(client: TestClient) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


def _body(content: bytes) -> dict[str, Any]:
    try:
        return {"body": content.decode("utf-8"), "body_base64": False}
    except UnicodeDecodeError:
        return {"body": base64.b64encode(content).decode("ascii"), "body_base64": True}


def send(client: TestClient, method: str, target: str, headers: dict[str, str]) -> Record:
    """The record of one request: what was sent and what came back, less DROPPED_HEADERS."""
    response = client.request(method, target, headers=headers)
    return {
        "request": {
            "method": method,
            "target": target,
            "headers": {k.lower(): v for k, v in response.request.headers.items()},
        },
        "status": response.status_code,
        "headers": {
            k.lower(): v for k, v in response.headers.items() if k.lower() not in DROPPED_HEADERS
        },
        **_body(response.content),
    }


def replay(client: TestClient, record: Record) -> Record:
    request = record["request"]
    return send(client, request["method"], request["target"], request["headers"])


def _link(record: Record, direction: str) -> str:
    assert record["status"] == 200 and not record["body_base64"], record["request"]
    link = json.loads(record["body"])["links"][direction]
    assert link, f"{record['request']['target']} has no links.{direction}"
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def record_exchange(client: TestClient, exchange: Exchange, done: dict[str, Record]) -> Record:
    target, headers = exchange.target, dict(exchange.headers)
    if exchange.follow is not None:
        earlier, direction = exchange.follow
        target = _link(done[earlier], direction)
    if exchange.revalidate:
        first = client.request(exchange.method, target, headers=headers)
        assert "etag" in first.headers, f"{target} has no ETag to revalidate"
        headers["If-None-Match"] = first.headers["etag"]
    return send(client, exchange.method, target, headers)


def record_all(client: TestClient) -> dict[str, Record]:
    done: dict[str, Record] = {}
    for exchange in exchanges(openapi_document(client)):
        done[exchange.name] = record_exchange(client, exchange, done)
    return done


def render(record: Record) -> str:
    return json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> None:
    with redirect_stdout(io.StringIO()), golden_client() as client:  # the access log
        records = record_all(client)
    shutil.rmtree(RESPONSES, ignore_errors=True)
    RESPONSES.mkdir(parents=True)
    for name, record in records.items():
        (RESPONSES / f"{name}.json").write_text(render(record), encoding="utf-8")
    print(f"recorded {len(records)} exchanges in {RESPONSES}", file=sys.stderr)


if __name__ == "__main__":
    main()
