"""Request ids, the JSON access log and the Prometheus metrics at /metrics."""

import json
import logging
import re
from collections.abc import Iterator
from ipaddress import ip_network
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from app.main import create_app
from app.migrate import upgrade
from app.observability import ACCESS_LOGGER, configure_access_log, write_access_line
from app.settings import Settings
from tests.conftest import LOOPBACK_CLIENT, FakeClock, MakeApp

HEX_ID = re.compile(r"[0-9a-f]{32}")
LOG_FIELDS = {
    "time",
    "request_id",
    "method",
    "path",
    "query",
    "status",
    "duration_ms",
    "bytes",
    "client",
    "cache",
}


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(record.getMessage()))


@pytest.fixture
def access_lines() -> Iterator[list[dict[str, Any]]]:
    handler = Lines()
    logger = logging.getLogger(ACCESS_LOGGER)
    logger.addHandler(handler)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)


def scrape(client: TestClient) -> dict[str, list[tuple[dict[str, str], float]]]:
    """Sample name -> [(labels, value)] from /metrics."""
    response = client.get("/metrics")
    assert response.status_code == 200
    samples: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((sample.labels, sample.value))
    return samples


def value(
    samples: dict[str, list[tuple[dict[str, str], float]]], name: str, **labels: str
) -> float:
    found = [
        v for got, v in samples.get(name, []) if all(got.get(k) == w for k, w in labels.items())
    ]
    assert len(found) == 1, (name, labels, samples.get(name))
    return found[0]


# --------------------------------------------------------------------------- request ids


def test_every_answer_has_a_generated_request_id(client: TestClient) -> None:
    ids = [client.get(path).headers["x-request-id"] for path in ("/healthz", "/v1/nope", "/docs")]
    assert all(HEX_ID.fullmatch(i) for i in ids)
    assert len(set(ids)) == 3


@pytest.mark.parametrize("sent", ["abc-123", "A.b_c-9", "x" * 64, "0f8e0a9e-5b0a-4c1e-9d59-1c6c"])
def test_a_well_formed_client_request_id_is_kept(client: TestClient, sent: str) -> None:
    assert client.get("/healthz", headers={"X-Request-ID": sent}).headers["x-request-id"] == sent


@pytest.mark.parametrize(
    "sent", [b"", b"x" * 65, b"has space", b"semi;colon", "\u00fcn\u00ef".encode(), b"a/b"]
)
def test_a_malformed_client_request_id_is_replaced(client: TestClient, sent: bytes) -> None:
    got = client.get("/healthz", headers=[(b"X-Request-ID", sent)]).headers["x-request-id"]
    assert HEX_ID.fullmatch(got)


def test_the_request_id_is_on_429s_and_preflights(make_app: MakeApp) -> None:
    app = make_app(rate_limit_enabled=True, rate_limit_burst=1, rate_limit_per_minute=1)
    with TestClient(app) as client:
        client.get("/problems/not-found")
        refused = client.get("/problems/not-found", headers={"X-Request-ID": "retry-7"})
        preflight = client.options(
            "/v1/nris",
            headers={"Origin": "https://x.example", "Access-Control-Request-Method": "GET"},
        )
    assert (refused.status_code, refused.headers["x-request-id"]) == (429, "retry-7")
    assert HEX_ID.fullmatch(preflight.headers["x-request-id"])


# --------------------------------------------------------------------------- access log


def test_one_json_line_per_request_with_every_field(
    client: TestClient, access_lines: list[dict[str, Any]]
) -> None:
    response = client.get("/v1/nris?kind=youth&limit=2", headers={"X-Request-ID": "trace-1"})
    assert len(access_lines) == 1
    line = access_lines[0]
    assert set(line) == LOG_FIELDS
    assert line["request_id"] == "trace-1"
    assert (line["method"], line["path"], line["query"]) == (
        "GET",
        "/v1/nris",
        "kind=youth&limit=2",
    )
    assert line["status"] == 200
    assert line["bytes"] == len(response.content)
    assert line["client"] == "127.0.0.1"
    assert line["cache"] == "miss"
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] > 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"])


def test_the_log_tells_cache_hits_from_misses_and_from_requests_the_cache_never_saw(
    make_app: MakeApp, access_lines: list[dict[str, Any]]
) -> None:
    app = make_app(rate_limit_enabled=True, rate_limit_burst=3, rate_limit_per_minute=1)
    with TestClient(app) as client:
        etag = client.get("/problems/not-found").headers["etag"]
        client.get("/problems/not-found")
        client.get("/problems/not-found", headers={"If-None-Match": etag})
        client.get("/problems/nope")
        client.get("/problems/not-found")
        client.get("/healthz")
    assert [(line["status"], line["cache"]) for line in access_lines] == [
        (200, "miss"),
        (200, "hit"),
        (304, "hit"),
        (404, "miss"),  # errors are never cached
        (429, None),  # answered before the cache
        (200, None),  # not a cached path
    ]


def test_the_log_names_the_forwarded_client_only_from_a_trusted_proxy(
    make_app: MakeApp, access_lines: list[dict[str, Any]]
) -> None:
    forwarded = {"X-Forwarded-For": "198.51.100.4"}
    for proxies in ([], [ip_network("127.0.0.1")]):
        with TestClient(make_app(trusted_proxies=proxies), client=LOOPBACK_CLIENT) as client:
            client.get("/healthz", headers=forwarded)
    assert [line["client"] for line in access_lines] == ["127.0.0.1", "198.51.100.4"]


def test_an_unhandled_error_is_logged_as_500(
    app: FastAPI, access_lines: list[dict[str, Any]]
) -> None:
    def explode() -> None:
        raise RuntimeError("boom")

    app.add_api_route("/v1/boom", explode, methods=["GET"])
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/v1/boom").status_code == 500
    assert [(line["path"], line["status"]) for line in access_lines] == [("/v1/boom", 500)]


def test_turned_off_nothing_is_logged(
    make_app: MakeApp, access_lines: list[dict[str, Any]]
) -> None:
    with TestClient(make_app(access_log=False)) as client:
        client.get("/healthz")
    assert access_lines == []


def test_the_log_goes_to_stdout_as_bare_json(capsys: pytest.CaptureFixture[str]) -> None:
    logger = logging.getLogger(ACCESS_LOGGER)
    saved = (logger.handlers[:], logger.level, logger.propagate)
    logger.handlers.clear()
    try:
        configure_access_log()
        configure_access_log()  # idempotent: still one handler
        assert len(logger.handlers) == 1 and not logger.propagate
        logger.info('{"status":200}')
        write_access_line('{"status":304}')  # the shortcut past LogRecord: the same line
    finally:
        logger.handlers[:], logger.level, logger.propagate = saved[0], saved[1], saved[2]
    assert capsys.readouterr().out == '{"status":200}\n{"status":304}\n'


def test_a_handler_added_to_the_logger_gets_every_line(client: TestClient) -> None:
    handler = Lines()
    logger = logging.getLogger(ACCESS_LOGGER)
    logger.addHandler(handler)
    try:
        client.get("/healthz")
    finally:
        logger.removeHandler(handler)
    assert [line["path"] for line in handler.lines] == ["/healthz"]


# --------------------------------------------------------------------------- metrics


def test_requests_are_counted_by_route_template_not_raw_path(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    for i in range(1, 31):
        client.get(f"/v1/nris/nri-{i:03d}")
    client.get("/v1/nris/nri-017")  # a cache hit: never routed, still the same template
    client.get("/v1/nris/nri-999")
    for i in range(5):
        client.get(f"/nowhere/{i}")
    for method in ("PROPFIND", "BREW", "X-ANYTHING"):
        client.request(method, "/v1/nris/nri-001")
    samples = scrape(client)
    assert value(samples, "factsheet_http_requests_total", method="other", status="405") == 3
    counted = "factsheet_http_requests_total"
    assert value(samples, counted, route="/v1/nris/{nri_id}", status="200") == 31
    assert value(samples, counted, route="/v1/nris/{nri_id}", status="404") == 1
    assert value(samples, counted, route="unmatched", status="404") == 5
    routes = {labels["route"] for labels, _ in samples[counted]}
    assert not [r for r in routes if "nri-0" in r or "nowhere" in r]
    timed = "factsheet_http_request_duration_seconds_count"
    assert value(samples, timed, route="/v1/nris/{nri_id}") == 35
    buckets = [
        labels["le"] for labels, _ in samples["factsheet_http_request_duration_seconds_bucket"]
    ]
    assert "0.005" in buckets and "+Inf" in buckets


def test_cache_figures_and_data_revision_come_from_the_app_state(
    app: FastAPI, client: TestClient, seeded: dict[str, Any]
) -> None:
    client.get("/v1/nris")
    client.get("/v1/nris")
    client.get("/v1/facts")
    store = app.state.response_store
    samples = scrape(client)
    assert value(samples, "factsheet_response_cache_hits_total") == store.hits == 1
    assert value(samples, "factsheet_response_cache_misses_total") == store.misses == 2
    assert value(samples, "factsheet_response_cache_entries") == len(store) == 2
    assert value(samples, "factsheet_response_cache_bytes") == store.bytes > 0
    assert value(samples, "factsheet_data_revision") == store.state.revision >= 1
    assert value(samples, "factsheet_data_changed_timestamp_seconds") > 1.7e9
    assert value(samples, "factsheet_build_info", version=app.version) == 1
    assert value(samples, "process_resident_memory_bytes") > 0


def test_the_database_pool_is_reported_where_the_pool_keeps_connections(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'f.db'}", db_pool_size=3, _env_file=None
    )
    app = create_app(settings)
    upgrade(app.state.engine)
    try:
        with TestClient(app, client=LOOPBACK_CLIENT) as client:
            client.get("/readyz")
            samples = scrape(client)
    finally:
        app.state.engine.dispose()
    assert value(samples, "factsheet_db_pool_size") == 3
    assert value(samples, "factsheet_db_pool_checked_out") == 0


def pool_figures(client: TestClient) -> tuple[dict[str, int], dict[str, float]]:
    """The pool as /readyz shows it, and as /metrics does."""
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.text
    samples = scrape(client)
    names = ("size", "checked_out", "overflow")
    return ready.json()["pool"], {n: value(samples, f"factsheet_db_pool_{n}") for n in names}


def test_readyz_and_metrics_agree_on_the_pool_before_and_after_it_overflows(
    tmp_path: Path, clock: FakeClock
) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'f.db'}", db_pool_size=2, _env_file=None
    )
    app = create_app(settings, clock=clock)
    upgrade(app.state.engine)
    held = []
    try:
        with TestClient(app, client=LOOPBACK_CLIENT) as client:
            fresh = pool_figures(client)
            held = [app.state.engine.connect() for _ in range(3)]
            busy = pool_figures(client)
    finally:
        for connection in held:
            connection.close()
        app.state.engine.dispose()
    # Fewer connections open than the pool keeps: none beyond it (SQLAlchemy's own figure
    # would be negative here).
    assert fresh[0] == fresh[1] == {"size": 2, "checked_out": 0, "overflow": 0}
    # Three held here and a fourth opened for /readyz: two beyond the pool's two.
    assert busy[0] == busy[1] == {"size": 2, "checked_out": 3, "overflow": 2}


def test_metrics_are_not_cached_and_not_rate_limited(make_app: MakeApp) -> None:
    app = make_app(rate_limit_enabled=True, rate_limit_burst=1)
    with TestClient(app, client=LOOPBACK_CLIENT) as client:
        answers = [client.get("/metrics") for _ in range(3)]
    assert {a.status_code for a in answers} == {200}
    for answer in answers:
        assert answer.headers["content-type"].startswith("text/plain; version=")
        assert answer.headers["cache-control"] == "no-store"
        assert "etag" not in answer.headers and "ratelimit-limit" not in answer.headers
    assert app.state.response_store.misses == 0


def test_metrics_can_be_turned_off(make_app: MakeApp) -> None:
    with TestClient(make_app(metrics_enabled=False)) as client:
        assert client.get("/metrics").status_code == 404
