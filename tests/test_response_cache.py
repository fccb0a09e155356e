"""The response cache in front of the routes: keys, validators, codings, bounds, coherence."""

import copy
import datetime as dt
import email.utils
import gc
import gzip
import json
import random
import subprocess
import sys
import threading
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import brotli
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine, event

from app.api.formats import (
    CSV,
    FEED_FORMATS,
    JSON,
    LIST_FORMATS,
    MILESTONE_FORMATS,
    negotiate,
    parse_accept,
    quality,
)
from app.cache_store import MAX_ORIGINS, Entry, ResponseStore
from app.main import create_app
from app.migrate import upgrade
from app.response_cache import (
    ANY_RANKING,
    CACHED_PREFIXES,
    LINKED_MEDIA_TYPES,
    MEDIA_TYPES,
    ranking,
)
from app.revision import DataState, RevisionWatcher
from app.seed import sync_seed
from app.settings import Settings
from tests.conftest import TEST_HOSTS, FakeClock, MakeApp
from tests.test_limits import RealServer, read_all

URLS = [
    "/v1",
    "/v1/nris?kind=youth&limit=5",
    "/v1/nris/nri-017",
    "/v1/milestones?sort=-start_date",
    "/v1/milestones/ms-019",
    "/v1/organisations/org-017/milestones",
    "/v1/fact-sheet",
    "/v1/calls-to-action",
    "/v1/action-lines",
    "/v1/facts?category=itu_headline",
]


def count_statements(engine: Engine) -> list[str]:
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", record)
    return seen


@pytest.fixture
def quiet_app(settings: Settings, clock: FakeClock) -> Iterator[FastAPI]:
    """An app that checks the data revision only once a minute."""
    from sqlmodel import SQLModel

    tuned = settings.model_copy(update={"cache_revision_interval": 60.0})
    application = create_app(tuned, clock=clock)
    if tuned.database_url == "sqlite://":
        SQLModel.metadata.create_all(application.state.engine)
    yield application
    application.state.engine.dispose()


def test_a_hit_runs_no_sql(quiet_app: FastAPI, seed_data: dict[str, Any]) -> None:
    sync_seed(quiet_app.state.engine, seed_data)
    with TestClient(quiet_app) as client:
        first = client.get("/v1/nris?kind=youth")
        statements = count_statements(quiet_app.state.engine)
        again = client.get("/v1/nris?kind=youth")
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.content == first.content
    assert statements == []


def test_parameter_order_hits_the_same_entry(client: TestClient, seeded: dict[str, Any]) -> None:
    store = client.app.state.response_store  # type: ignore[attr-defined]
    one = client.get("/v1/nris?kind=youth&limit=5&sort=-name")
    two = client.get("/v1/nris?sort=-name&limit=5&kind=youth")
    assert one.content == two.content
    assert one.headers["etag"] == two.headers["etag"]
    assert len(store) == 1
    assert (store.hits, store.misses) == (1, 1)


def test_accept_values_that_rank_the_formats_alike_share_an_entry(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    store = client.app.state.response_store  # type: ignore[attr-defined]
    alike = [
        {},
        {"Accept": "*/*"},
        {"Accept": "*/*;q=0.3, text/x-never-offered"},
        {"Accept": "nonsense"},
        {"Accept": "*/*, text/x-" + "padding" * 1000},
    ]
    answers = [client.get("/v1/milestones", headers=headers) for headers in alike]
    assert {a.headers["content-type"] for a in answers} == {"application/json"}
    assert (len(store), store.misses, store.hits) == (1, 1, len(alike) - 1)


def test_each_representation_gets_its_own_entry(client: TestClient, seeded: dict[str, Any]) -> None:
    store = client.app.state.response_store  # type: ignore[attr-defined]
    json_body = client.get("/v1/milestones", headers={"Accept": "application/json"})
    csv_body = client.get("/v1/milestones", headers={"Accept": "text/csv"})
    csv_again = client.get("/v1/milestones", headers={"Accept": "text/csv;q=0.5, image/png"})
    assert json_body.headers["content-type"] == "application/json"
    assert csv_body.headers["content-type"].startswith("text/csv")
    assert csv_again.content == csv_body.content
    assert len(store) == 2


@pytest.mark.parametrize("coding", ["gzip", "br"])
def test_compressed_variant_decodes_to_the_identity_body(
    client: TestClient, seeded: dict[str, Any], coding: str
) -> None:
    plain = client.get("/v1/nris", headers={"Accept-Encoding": "identity"})
    packed = client.get("/v1/nris", headers={"Accept-Encoding": coding}, extensions={})
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == coding
    assert packed.headers["vary"] == "Accept, Accept-Encoding"
    # httpx decodes gzip and brotli itself; compare what was on the wire too.
    assert packed.content == plain.content
    raw = gzip.decompress if coding == "gzip" else brotli.decompress
    assert raw(compressed_bytes(client, coding)) == plain.content
    assert packed.headers["etag"] != plain.headers["etag"]


def compressed_bytes(client: TestClient, coding: str) -> bytes:
    """The bytes on the wire. The contract check's hook reads (and so decodes) every body as
    it arrives; a raw read has to go without it."""
    hooks = client.event_hooks["response"]
    client.event_hooks["response"] = []
    try:
        with client.stream("GET", "/v1/nris", headers={"Accept-Encoding": coding}) as response:
            return b"".join(response.iter_raw())
    finally:
        client.event_hooks["response"] = hooks


def test_compression_runs_once_per_entry_not_per_hit(
    client: TestClient, seeded: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.compression
    import app.response_cache as layer

    calls: list[str] = []
    real = app.compression.compress

    def counting(body: bytes, coding: str) -> bytes:
        calls.append(coding)
        return real(body, coding)

    monkeypatch.setattr(layer, "compress", counting)
    for _ in range(3):
        assert client.get("/v1/nris", headers={"Accept-Encoding": "gzip"}).status_code == 200
    assert calls == ["gzip"]


def test_small_bodies_are_not_compressed(client: TestClient, seeded: dict[str, Any]) -> None:
    response = client.get("/v1/nris/nri-017?", headers={"Accept-Encoding": "gzip"})
    small = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert len(response.content) >= 1024 or "content-encoding" not in response.headers
    assert "content-encoding" not in small.headers


@pytest.mark.parametrize(
    "header",
    [
        "{etag}",
        "W/{etag}",
        '"nope", {etag}',
        "*",
    ],
)
def test_if_none_match_forms_answer_304(
    client: TestClient, seeded: dict[str, Any], header: str
) -> None:
    first = client.get("/v1/nris")
    again = client.get(
        "/v1/nris", headers={"If-None-Match": header.format(etag=first.headers["etag"])}
    )
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["cache-control"] == first.headers["cache-control"]
    assert again.headers["vary"] == "Accept, Accept-Encoding"


def test_gzip_tag_revalidates_the_entry(client: TestClient, seeded: dict[str, Any]) -> None:
    packed = client.get("/v1/nris", headers={"Accept-Encoding": "gzip"})
    again = client.get(
        "/v1/nris",
        headers={"Accept-Encoding": "gzip", "If-None-Match": packed.headers["etag"]},
    )
    assert packed.headers["etag"].endswith('-gzip"')
    assert again.status_code == 304


def test_if_none_match_with_other_tag_answers_the_full_representation(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    unconditional = client.get("/v1/nris")
    response = client.get("/v1/nris", headers={"If-None-Match": '"something-else"'})
    assert response.status_code == 200
    assert response.content == unconditional.content and len(response.content) > 1000
    for name in ("etag", "content-type", "content-length", "last-modified", "cache-control"):
        assert response.headers[name] == unconditional.headers[name], name
    assert response.headers["etag"] != '"something-else"'


def test_if_modified_since_answers_304_and_older_dates_200(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    first = client.get("/v1/nris")
    modified = email.utils.parsedate_to_datetime(first.headers["last-modified"])
    later = email.utils.format_datetime(modified + dt.timedelta(seconds=5), usegmt=True)
    earlier = email.utils.format_datetime(modified - dt.timedelta(days=1), usegmt=True)
    same = client.get("/v1/nris", headers={"If-Modified-Since": first.headers["last-modified"]})
    newer = client.get("/v1/nris", headers={"If-Modified-Since": later})
    older = client.get("/v1/nris", headers={"If-Modified-Since": earlier})
    assert (same.status_code, newer.status_code, older.status_code) == (304, 304, 200)


def test_if_none_match_takes_precedence_over_if_modified_since(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    first = client.get("/v1/nris")
    response = client.get(
        "/v1/nris",
        headers={"If-None-Match": '"other"', "If-Modified-Since": first.headers["last-modified"]},
    )
    assert response.status_code == 200


def test_milestone_last_modified_is_not_before_today(
    client: TestClient, seeded: dict[str, Any], clock: FakeClock
) -> None:
    clock.today = dt.date(2030, 1, 2)
    response = client.get("/v1/milestones")
    assert response.headers["last-modified"] == "Wed, 02 Jan 2030 00:00:00 GMT"


def test_status_is_recomputed_when_the_day_changes(
    client: TestClient, seeded: dict[str, Any], clock: FakeClock
) -> None:
    clock.today = dt.date(2025, 12, 15)
    before = client.get("/v1/milestones/ms-029").json()["status"]
    clock.today = dt.date(2025, 12, 16)
    during = client.get("/v1/milestones/ms-029").json()["status"]
    assert (before, during) == ("upcoming", "ongoing")


@pytest.mark.parametrize("protocol", ["H11Protocol", "HttpToolsProtocol"])
def test_head_has_the_get_headers_and_no_body_on_the_wire(
    app: FastAPI, seeded: dict[str, Any], protocol: str
) -> None:
    """Over a real socket: a test client drops HEAD bodies itself, and uvicorn's httptools
    protocol sends whatever the app gives it. HEAD, then GET on the same connection: a body
    after the HEAD's head would be read as the start of the GET's answer."""
    pytest.importorskip("httptools")
    with RealServer(app, http=f"app.http_protocols:{protocol}") as server:
        with server.connect() as sock:
            for method in ("HEAD", "GET", "HEAD"):  # a miss, then a hit
                sock.sendall(f"{method} /v1/nris HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            wire = read_all(sock)
    head, rest = wire.split(b"\r\n\r\n", 1)
    get, _, rest = rest.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ") and get.startswith(b"HTTP/1.1 200 "), wire[:300]
    headers = dict(line.split(b": ", 1) for line in get.split(b"\r\n")[1:])
    length = int(headers[b"content-length"])
    body, head_again = rest[:length], rest[length:]
    assert json.loads(body)["meta"]["total"] > 0
    # Both HEADs: the GET's headers, and not one byte of body before the next answer.
    for answer in (head, head_again.partition(b"\r\n\r\n")[0]):
        lines = answer.split(b"\r\n")
        assert lines[0] == b"HTTP/1.1 200 OK", wire[:300]
        sent = dict(line.split(b": ", 1) for line in lines[1:])
        for name in (b"etag", b"content-type", b"content-length", b"cache-control"):
            assert sent[name] == headers[name], name
    assert head_again.partition(b"\r\n\r\n")[2].startswith(b"HTTP/1.1 200 OK\r\n")


def test_errors_are_not_cached(client: TestClient, seeded: dict[str, Any]) -> None:
    store = client.app.state.response_store  # type: ignore[attr-defined]
    assert client.get("/v1/nris/nri-999").status_code == 404
    assert client.get("/v1/nris?limit=0").status_code == 400
    assert client.get("/v1/nris?limit=0").headers["cache-control"] == "no-store"
    assert len(store) == 0


def test_the_byte_count_is_what_the_store_holds_and_stays_under_the_bound(
    make_app: MakeApp, seed_data: dict[str, Any]
) -> None:
    bound = 60_000
    application = make_app(cache_max_bytes=bound, allowed_hosts=["*"])
    sync_seed(application.state.engine, seed_data)
    store = application.state.response_store
    with TestClient(application) as client:
        for limit in range(1, 60):
            for headers in ({"Accept-Encoding": "gzip"}, {"Host": f"h{limit}.example.test"}):
                assert client.get(f"/v1/nris?limit={limit}", headers=headers).status_code == 200
                assert store.bytes == store.measured() <= bound
            feed = client.get("/v1/feeds/recent.atom", headers={"Host": f"h{limit}.example.test"})
            assert feed.status_code == 200
            assert store.bytes == store.measured() <= bound
        assert 0 < len(store) < 59
        # The most recent entry survived; the oldest were evicted.
        client.get("/v1/feeds/recent.atom", headers={"Host": "h59.example.test"})
        assert store.hits >= 1


def _store_filled(entries: int, body_bytes: int) -> ResponseStore:
    """A store holding entries shaped like real ones, with nothing else referring to them:
    long keys, fresh header objects (as a render makes them), variants, several origins."""
    store = ResponseStore(10**12)
    for i in range(entries):
        key = ("/v1/nris", f"q={i:08d}" + "x" * 4000, "100000", "2026-12-04")
        for origin in ("", f"http://h{i}.example.test", f"https://h{i}.example.test"):
            headers = [
                (name.lower(), value + b"")
                for name, value in (
                    (b"Content-Type", b"application/json"),
                    (b"ETag", f'"{i:032x}"'.encode()),
                    (b"Cache-Control", b"public, max-age=300, stale-while-revalidate=60"),
                    (b"Vary", b"Accept, Accept-Encoding"),
                    (b"Last-Modified", b"Fri, 04 Dec 2026 00:00:00 GMT"),
                    (b"Link", f'</v1/nris?cursor={i:0>300}>; rel="next"'.encode()),
                )
            ]
            entry = Entry(
                200,
                headers,
                bytes(body_bytes),
                f'"{i:032x}"',
                dt.datetime(2026, 12, 4, tzinfo=dt.UTC),
                True,
                bool(origin),
            )
            store.put(key, origin, entry)
            store.add_variant(key, origin, entry, "gzip", bytes(body_bytes // 4))
    return store


@pytest.mark.parametrize("body_bytes", [0, 200, 20_000])
def test_entry_sizes_cover_all_the_memory_an_entry_keeps(body_bytes: int) -> None:
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        store = _store_filled(200, body_bytes)
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(store) == 600
    assert store.bytes == store.measured()
    # Honest: never less than Python allocated for what the store holds, and not a wild
    # overestimate either (which would make the bound needlessly small).
    assert held <= store.bytes <= 1.5 * held, (held, store.bytes)


def test_an_entry_that_is_not_stored_adds_nothing_to_the_count(
    make_app: MakeApp, seed_data: dict[str, Any]
) -> None:
    application = make_app(cache_enabled=False)
    sync_seed(application.state.engine, seed_data)
    store = application.state.response_store
    with TestClient(application) as client:
        for coding in ("gzip", "br", "gzip"):
            response = client.get("/v1/nris", headers={"Accept-Encoding": coding})
            assert response.headers["content-encoding"] == coding
    assert (len(store), store.bytes) == (0, 0)


def test_a_host_flood_adds_no_entries_and_each_host_gets_its_own_links(
    make_app: MakeApp, seed_data: dict[str, Any]
) -> None:
    application = make_app(allowed_hosts=["*"])
    sync_seed(application.state.engine, seed_data)
    store = application.state.response_store
    hosts = [f"host-{n}.example.test" for n in range(3 * MAX_ORIGINS)]
    with TestClient(application) as client:
        for _ in range(2):
            for host in hosts:
                feed = client.get("/v1/feeds/recent.atom", headers={"Host": host})
                assert f"http://{host}/v1/milestones/".encode() in feed.content
                assert b"example.test" not in feed.content.replace(host.encode(), b"")
                page = client.get("/v1/nris", headers={"Host": host})
                assert page.status_code == 200
        # Two keys: the feed, with entries for the last few hosts only, and the page.
        assert len(store) == MAX_ORIGINS + 1
        assert store.bytes == store.measured()
        # A host the feed still holds is a hit; one it let go is computed again.
        hits = store.hits
        client.get("/v1/feeds/recent.atom", headers={"Host": hosts[-1]})
        client.get("/v1/feeds/recent.atom", headers={"Host": hosts[0]})
        assert store.hits == hits + 1


def test_with_a_public_base_url_every_host_shares_one_entry(
    make_app: MakeApp, seed_data: dict[str, Any]
) -> None:
    application = make_app(allowed_hosts=["*"], public_base_url="https://api.example.org")
    sync_seed(application.state.engine, seed_data)
    store = application.state.response_store
    with TestClient(application) as client:
        bodies = {
            client.get("/v1/feeds/recent.atom", headers={"Host": f"h{n}.example.test"}).content
            for n in range(5)
        }
    assert len(bodies) == 1 and b"https://api.example.org/v1/milestones/" in bodies.pop()
    assert (len(store), store.hits) == (1, 4)


def test_only_the_linked_formats_carry_the_host(
    make_app: MakeApp, seed_data: dict[str, Any]
) -> None:
    """The cache keys only LINKED_MEDIA_TYPES on the origin: no other body may contain it."""
    application = make_app(allowed_hosts=["*"])
    sync_seed(application.state.engine, seed_data)
    host = "links-checked.example.test"
    paths = [
        route["path"]
        for route in _cached_get_operations(application)
        if "{" not in route["path"] and "search" not in route["path"]
    ]
    linked: set[str] = set()
    with TestClient(application) as client:
        for path in paths:
            response = client.get(path, headers={"Host": host})
            assert response.status_code == 200, path
            media_type = response.headers["content-type"].partition(";")[0]
            in_headers = any(host in value for value in response.headers.values())
            assert not in_headers, path
            if host.encode() in response.content:
                assert media_type in LINKED_MEDIA_TYPES, path
                linked.add(media_type)
    assert linked == LINKED_MEDIA_TYPES


def _cached_get_operations(application: FastAPI) -> list[dict[str, Any]]:
    document = application.openapi()
    return [
        {"path": path, "types": list(ops["get"]["responses"]["200"].get("content", {}))}
        for path, ops in document["paths"].items()
        if "get" in ops and path.startswith(CACHED_PREFIXES)
    ]


def test_cached_routes_answer_only_in_the_media_types_the_key_ranks(app: FastAPI) -> None:
    operations = _cached_get_operations(app)
    assert len(operations) > 20
    for operation in operations:
        assert set(operation["types"]) <= set(MEDIA_TYPES), operation


def test_accept_values_with_one_ranking_negotiate_alike_on_every_route() -> None:
    """The key keeps only ranking(Accept): two values with the same ranking must pick the
    same format (or the same 406) whatever a route offers."""
    rng = random.Random(11)
    pieces = [*MEDIA_TYPES, "text/*", "application/*", "*/*", "text/html", "image/png", "junk"]
    offers = [LIST_FORMATS, MILESTONE_FORMATS, FEED_FORMATS, (JSON,), (CSV,)]
    outcomes: dict[str, tuple[object, ...]] = {}
    for _ in range(4000):
        parts = [
            rng.choice(pieces) + rng.choice(["", ";q=0", ";q=0.2", ";q=0.5", ";q=1", ";q=x"])
            for _ in range(rng.randint(0, 4))
        ]
        header = ", ".join(parts)
        ranges = parse_accept(header)
        outcome = tuple(
            (
                negotiate(header, offered),
                bool(ranges) and not any(quality(ranges, f.media_type) > 0 for f in offered),
            )
            for offered in offers
        )
        assert outcomes.setdefault(ranking(header), outcome) == outcome, header
    assert len(outcomes) > 30
    assert outcomes[ANY_RANKING] == tuple((o[0], False) for o in offers)


def test_bodies_are_identical_with_and_without_the_cache(
    settings: Settings, clock: FakeClock, seed_data: dict[str, Any]
) -> None:
    from sqlmodel import SQLModel

    bodies: list[list[bytes]] = []
    for enabled in (True, False):
        # One cursor secret for both: each in-memory database would make its own, and the
        # next links would differ by their signatures alone.
        tuned = {"cache_enabled": enabled, "cursor_secret": SecretStr("same-secret-for-both-apps")}
        application = create_app(settings.model_copy(update=tuned), clock=clock)
        if settings.database_url == "sqlite://":
            SQLModel.metadata.create_all(application.state.engine)
        sync_seed(application.state.engine, seed_data, now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        with TestClient(application) as client:
            bodies.append([client.get(url).content for url in URLS for _ in range(2)])
        application.state.engine.dispose()
    assert bodies[0] == bodies[1]


def test_a_reseed_is_seen_by_the_next_request(
    client: TestClient, engine: Engine, seeded: dict[str, Any]
) -> None:
    before = client.get("/v1/nris/nri-017").json()
    changed = copy.deepcopy(seeded)
    changed["nris"][16]["name"] = "Renamed youth IGF"
    sync_seed(engine, changed)
    after = client.get("/v1/nris/nri-017").json()
    assert before["name"] != after["name"] == "Renamed youth IGF"


async def _noop() -> None:
    return None


def test_watcher_rereads_only_after_the_interval() -> None:
    import asyncio

    now = [100.0]
    reads: list[int] = []
    seen: list[DataState | None] = []
    revision = [1]

    def read() -> DataState:
        reads.append(revision[0])
        return DataState(revision[0], None)

    watcher = RevisionWatcher(read, 1.0, seen.append, monotonic=lambda: now[0])

    async def scenario() -> list[int | None]:
        got = []
        state = await watcher.current()
        got.append(state.revision if state else None)
        revision[0] = 2
        now[0] += 0.5
        state = await watcher.current()
        got.append(state.revision if state else None)
        now[0] += 0.6
        state = await watcher.current()
        got.append(state.revision if state else None)
        return got

    assert asyncio.run(scenario()) == [1, 1, 2]
    assert reads == [1, 2]
    assert [s.revision if s else None for s in seen] == [1, 2]


@pytest.fixture
def file_app(tmp_path: Path, clock: FakeClock, seed_data: dict[str, Any]) -> Iterator[FastAPI]:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    application = create_app(
        Settings(
            database_url=url,
            cache_revision_interval=0.0,
            allowed_hosts=TEST_HOSTS,
            _env_file=None,
        ),
        clock=clock,
    )
    upgrade(application.state.engine)
    sync_seed(application.state.engine, seed_data)
    application.state.url = url
    yield application
    application.state.engine.dispose()


def test_a_reseed_by_another_process_is_served(
    file_app: FastAPI, tmp_path: Path, seed_data: dict[str, Any]
) -> None:
    changed = copy.deepcopy(seed_data)
    changed["nris"] = [n for n in changed["nris"] if n["id"] != "nri-017"]
    path = tmp_path / "changed.json"
    path.write_text(json.dumps(changed))
    with TestClient(file_app) as client:
        assert client.get("/v1/nris/nri-017").status_code == 200
        total = client.get("/v1/nris").json()["meta"]["total"]
        done = subprocess.run(
            [sys.executable, "-m", "app", "seed", str(path)],
            env={"FACTSHEET_DATABASE_URL": file_app.state.url, "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert client.get("/v1/nris/nri-017").status_code == 404
        assert client.get("/v1/nris").json()["meta"]["total"] == total - 1


def test_no_response_mixes_two_revisions(file_app: FastAPI, seed_data: dict[str, Any]) -> None:
    variants = []
    for tag in ("A", "B"):
        data = copy.deepcopy(seed_data)
        for nri in data["nris"]:
            nri["notes"] = f"variant {tag}"
        variants.append(data)
    sync_seed(file_app.state.engine, variants[0])
    stop = threading.Event()

    def reseed() -> None:
        index = 0
        while not stop.is_set():
            sync_seed(file_app.state.engine, variants[index % 2])
            index += 1

    writer = threading.Thread(target=reseed)
    writer.start()
    try:
        with TestClient(file_app) as client:
            for _ in range(40):
                notes = {n["notes"] for n in client.get("/v1/nris?limit=200").json()["data"]}
                assert len(notes) == 1, notes
    finally:
        stop.set()
        writer.join(timeout=60)
