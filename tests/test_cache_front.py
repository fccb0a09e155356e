"""Cache hits answered at the front (app.cache_front): the same answer, headers, log line,
metrics and token cost as through every layer; anything a layer would refuse still is."""

import json
import logging
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.cache_front import CacheFront, find_layer
from app.observability import ACCESS_LOGGER
from app.response_cache import ResponseCacheMiddleware
from tests.conftest import LOOPBACK_CLIENT, MakeApp

LIST = "/v1/nris?kind=youth&limit=5"


def _answer(client: TestClient, target: str, **headers: str) -> tuple[int, list[str], bytes]:
    response = client.get(target, headers=headers)
    return response.status_code, [k for k, _ in response.headers.multi_items()], response.content


def test_a_hit_carries_the_headers_of_a_miss_in_the_same_order(
    app: FastAPI, client: TestClient, seeded: dict[str, Any]
) -> None:
    miss = _answer(client, LIST)
    hit = _answer(client, LIST)
    etag = client.get(LIST).headers["etag"]
    revalidated = client.get(LIST, headers={"If-None-Match": etag})
    assert hit == miss and len(hit[2]) > 1000
    assert app.state.response_store.hits == 3
    assert revalidated.status_code == 304
    assert revalidated.headers["x-request-id"] and revalidated.headers["x-frame-options"]


def test_the_front_layer_finds_the_cache_behind_it(make_app: MakeApp) -> None:
    app = make_app()
    with TestClient(app, client=LOOPBACK_CLIENT):
        front = app.middleware_stack
        while front is not None and not isinstance(front, CacheFront):
            front = getattr(front, "app", None)
    assert isinstance(front, CacheFront)
    assert front.cache is find_layer(front.app, ResponseCacheMiddleware) is not None


def test_a_held_page_for_a_refused_host_is_still_refused(
    make_app: MakeApp, seeded: dict[str, Any]
) -> None:
    with TestClient(make_app(), client=LOOPBACK_CLIENT) as client:
        assert client.get(LIST).status_code == 200
        assert client.get(LIST, headers={"Host": "evil.example"}).status_code == 400


def test_a_hit_costs_one_token_and_a_held_304_none(
    make_app: MakeApp, seeded: dict[str, Any]
) -> None:
    app = make_app(rate_limit_enabled=True, rate_limit_burst=3, rate_limit_per_minute=1)
    with TestClient(app, client=LOOPBACK_CLIENT) as client:
        first = client.get(LIST)
        etag = first.headers["etag"]
        free = [client.get(LIST, headers={"If-None-Match": etag}) for _ in range(5)]
        hit = client.get(LIST)
        miss = client.get("/v1/nris/nri-017")
        refused = client.get(LIST)
    assert [r.headers["ratelimit-remaining"] for r in (first, hit, miss)] == ["2", "1", "0"]
    assert {r.status_code for r in free} == {304}
    assert {r.headers["ratelimit-remaining"] for r in free} == {"2"}
    assert refused.status_code == 429
    assert refused.headers["x-request-id"] and refused.headers["ratelimit-remaining"] == "0"


def test_a_held_304_is_logged_as_a_304_that_sent_no_body(
    make_app: MakeApp, seeded: dict[str, Any]
) -> None:
    """The access log and the metrics read the status and body size the front reports."""
    lines = LoggedLines()
    logger = logging.getLogger(ACCESS_LOGGER)
    logger.addHandler(lines)
    try:
        with TestClient(make_app(access_log=True), client=LOOPBACK_CLIENT) as client:
            etag = client.get(LIST).headers["etag"]
            assert client.get(LIST).status_code == 200  # now held
            revalidated = client.get(LIST, headers={"If-None-Match": etag})
    finally:
        logger.removeHandler(lines)
    assert revalidated.status_code == 304
    (logged,) = [
        line for line in lines.lines if line["request_id"] == revalidated.headers["x-request-id"]
    ]
    assert (logged["status"], logged["bytes"], logged["cache"]) == (304, 0, "hit")


class LoggedLines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(record.getMessage()))
