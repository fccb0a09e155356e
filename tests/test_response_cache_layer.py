"""The response cache layer on its own, in front of a few toy routes: what it stores, what it
answers without the routes, and exactly what it sends (HEAD bodies included, which a test
client would hide). No database: the data state comes from a stub reader."""

import asyncio
import datetime as dt
import email.utils
import gzip
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError
from starlette.types import Message, Receive, Scope, Send

import app.compression
import app.response_cache as layer_module
from app.api.clock import system_clock
from app.asgi_headers import request_header
from app.cache_store import ResponseStore
from app.http_cache import etag_matches, make_etag
from app.response_cache import ResponseCacheMiddleware
from app.revision import DataState, RevisionWatcher
from tests.conftest import TEST_NOW, FakeClock

CHANGED_AT = dt.datetime(2025, 7, 8, 9, 30, tzinfo=dt.UTC)
LAST_MODIFIED = "Tue, 08 Jul 2025 09:30:00 GMT"
HOST = "cache.test"
PADDING = "x" * 2000  # big enough to be compressed


@dataclass
class Routes:
    """Toy routes behind the layer. Like any ASGI app they may answer a matching
    If-None-Match with a 304 themselves; they count every request that reaches them."""

    calls: list[str] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        self.calls.append(f"{scope['method']} {scope['path']}")
        status, content_type, body = self.render(scope)
        headers: list[tuple[bytes, bytes]] = []
        if content_type:
            headers.append((b"content-type", content_type.encode()))
        headers.append((b"content-length", b"%d" % len(body)))
        if scope["path"] != "/v1/bare":
            etag = make_etag(body)
            headers += [
                (b"etag", etag.encode()),
                (b"cache-control", b"public, max-age=60"),
                (b"vary", b"Accept, Accept-Encoding"),
            ]
            changed = scope.get("state", {}).get("data_changed_at")
            if changed is not None and scope["path"] != "/v1/undated":
                stamp = email.utils.format_datetime(changed, usegmt=True)
                headers.append((b"last-modified", stamp.encode()))
            if status == 200 and etag_matches(request_header(scope, b"if-none-match"), etag):
                status, body = 304, b""
                headers = [(k, v) for k, v in headers if k != b"content-length"]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    def render(scope: Scope) -> tuple[int, str, bytes]:
        if scope["method"] != "GET":
            return 405, "application/json", b'{"status":405}'
        path, query = scope["path"], scope["query_string"].decode()
        host = request_header(scope, b"host") or ""
        if path == "/v1/feed":
            feed = f'<feed><link href="http://{host}/v1/feed"/><!--{PADDING}--></feed>'
            return 200, "application/atom+xml", feed.encode()
        if path == "/v1/small":
            return 200, "application/json", b'{"small":true}'
        if path == "/v1/plain":
            return 200, "text/plain; charset=utf-8", PADDING.encode()
        if path == "/v1/image":
            return 200, "image/png", bytes(2000)
        if path == "/v1/bare":
            return 200, "", b"bare"
        if path == "/v1/missing":
            return 404, "application/json", b'{"status":404}'
        return 200, "application/json; charset=utf-8", f'{{"{path}":"{query}{PADDING}"}}'.encode()


@dataclass
class Answer:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes

    def header(self, name: str) -> str:
        """The one value of header `name` (it must be sent exactly once)."""
        values = [v.decode("latin-1") for k, v in self.headers if k == name.encode()]
        assert len(values) == 1, (name, self.headers)
        return values[0]

    @property
    def names(self) -> set[str]:
        return {k.decode() for k, _ in self.headers}


@dataclass
class Layer:
    cache: ResponseCacheMiddleware
    routes: Routes
    store: ResponseStore

    def __call__(self, method: str, target: str, **headers: str) -> Answer:
        """One exchange with the layer, as a server would run it: everything sent is kept."""
        path, _, query = target.partition("?")
        sent_headers = {
            "host": HOST,
            **{k.replace("_", "-").lower(): v for k, v in headers.items()},
        }
        scope: Scope = {
            "type": "http",
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": query.encode(),
            "headers": [
                (k.encode("latin-1"), v.encode("latin-1")) for k, v in sent_headers.items()
            ],
            "client": ("127.0.0.1", 50000),
            "server": (HOST, 80),
        }
        messages: list[Message] = []

        async def receive() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Message) -> None:
            messages.append(message)

        asyncio.run(self.cache(scope, receive, send))
        start, *bodies = messages
        assert start["type"] == "http.response.start", messages
        assert bodies and not bodies[-1].get("more_body", False), "the response never ended"
        body = b"".join(m.get("body", b"") for m in bodies)
        return Answer(start["status"], list(start.get("headers", [])), body)


def make_layer(
    read: Callable[[], DataState] | None = None, clock: Any = None, **options: Any
) -> Layer:
    store = ResponseStore(10**8)
    watcher = RevisionWatcher(read or (lambda: DataState(1, CHANGED_AT)), 0.0, store.clear)
    routes = Routes()
    cache = ResponseCacheMiddleware(
        routes, store=store, watcher=watcher, clock=clock or FakeClock(TEST_NOW), **options
    )
    return Layer(cache, routes, store)


@pytest.fixture
def layer() -> Layer:
    return make_layer()


def test_a_repeated_get_is_answered_from_the_store_without_the_routes(layer: Layer) -> None:
    first = layer("GET", "/v1/page?a=1")
    again = layer("GET", "/v1/page?a=1")
    assert (first.status, again.status) == (200, 200)
    assert again.body == first.body and again.headers == first.headers
    assert first.header("content-length") == str(len(first.body))
    assert "content-encoding" not in first.names
    assert layer.routes.calls == ["GET /v1/page"]
    assert (layer.store.hits, layer.store.misses, len(layer.store)) == (1, 1, 1)


def test_routes_see_when_the_data_last_changed(layer: Layer) -> None:
    assert layer("GET", "/v1/page").header("last-modified") == LAST_MODIFIED


def test_head_on_a_cached_path_has_the_get_headers_and_no_body(layer: Layer) -> None:
    head = layer("HEAD", "/v1/page")  # a miss: the routes see a GET
    get = layer("GET", "/v1/page")
    head_again = layer("HEAD", "/v1/page")
    assert (head.status, get.status, head_again.status) == (200, 200, 200)
    assert head.body == head_again.body == b""
    assert head.headers == get.headers == head_again.headers
    assert get.header("content-length") == str(len(get.body)) and len(get.body) > 2000
    assert layer.routes.calls == ["GET /v1/page"]


def test_head_outside_the_cached_paths_is_a_get_without_its_body(layer: Layer) -> None:
    head = layer("HEAD", "/other")
    get = layer("GET", "/other")
    again = layer("GET", "/other")
    assert (head.status, get.status) == (200, 200)
    assert head.body == b"" and len(get.body) > 2000 and again.body == get.body
    assert head.headers == get.headers
    # Nothing outside the cached paths is kept: every request reaches the routes.
    assert layer.routes.calls == ["GET /other"] * 3
    assert len(layer.store) == 0


def test_other_methods_and_lifespan_pass_through_untouched(layer: Layer) -> None:
    assert layer("POST", "/v1/page").status == 405
    assert layer("DELETE", "/other").status == 405
    assert layer.routes.calls == ["POST /v1/page", "DELETE /other"]
    with TestClient(layer.cache, base_url=f"http://{HOST}") as client:
        assert client.get("/v1/small").json() == {"small": True}


def test_a_matching_if_none_match_gets_a_304_with_the_validators_only(layer: Layer) -> None:
    first = layer("GET", "/v1/page")
    etag = first.header("etag")
    for tag in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        revalidated = layer("GET", "/v1/page", if_none_match=tag)
        assert revalidated.status == 304, tag
        assert revalidated.body == b""
        assert revalidated.names == {"etag", "cache-control", "vary", "last-modified"}
        assert revalidated.header("etag") == etag
    other = layer("GET", "/v1/page", if_none_match='"other"')
    assert (other.status, other.body, other.headers) == (200, first.body, first.headers)
    assert layer.routes.calls == ["GET /v1/page"]


def test_a_conditional_miss_is_answered_304_and_stores_the_full_body(layer: Layer) -> None:
    etag = make_layer()("GET", "/v1/page").header("etag")  # as another server sent it
    revalidated = layer("GET", "/v1/page", if_none_match=etag)
    full = layer("GET", "/v1/page")
    assert revalidated.status == 304 and revalidated.header("etag") == etag
    assert full.status == 200 and full.header("etag") == etag and len(full.body) > 2000
    assert layer.routes.calls == ["GET /v1/page"]


def test_if_modified_since_compares_dates_whatever_their_zone(layer: Layer) -> None:
    layer("GET", "/v1/page")

    def status(since: str, **more: str) -> int:
        return layer("GET", "/v1/page", if_modified_since=since, **more).status

    assert status(LAST_MODIFIED) == 304
    assert status("Tue, 08 Jul 2025 09:30:01 GMT") == 304
    assert status("Tue, 08 Jul 2025 09:29:59 GMT") == 200
    assert status("Tue, 08 Jul 2025 09:30:00 -0000") == 304  # no zone: taken as UTC
    assert status("Tue, 08 Jul 2025 10:30:00 +0100") == 304  # the same instant
    assert status("Tue, 08 Jul 2025 09:30:00 +0100") == 200  # an hour earlier
    assert status("not a date") == 200
    assert status("") == 200
    # If-None-Match decides when both are sent (RFC 9110 13.2.2).
    assert status(LAST_MODIFIED, if_none_match='"other"') == 200
    assert layer.routes.calls == ["GET /v1/page"]


def test_if_modified_since_never_matches_an_answer_without_last_modified(layer: Layer) -> None:
    first = layer("GET", "/v1/undated")
    again = layer("GET", "/v1/undated", if_modified_since="Fri, 01 Jan 2100 00:00:00 GMT")
    assert "last-modified" not in first.names
    assert (again.status, again.body) == (200, first.body)


def test_errors_are_passed_on_never_stored_nor_revalidated(layer: Layer) -> None:
    answers = [layer("GET", "/v1/missing", if_none_match="*") for _ in range(2)]
    assert [(a.status, a.body) for a in answers] == [(404, b'{"status":404}')] * 2
    assert answers[0].header("content-length") == "14"
    assert layer.routes.calls == ["GET /v1/missing"] * 2
    assert len(layer.store) == 0


@pytest.mark.parametrize("path", ["/v1/plain", "/v1/bare"])
def test_answers_in_types_the_key_cannot_tell_apart_are_not_stored(layer: Layer, path: str) -> None:
    answers = [layer("GET", path, accept_encoding="gzip") for _ in range(2)]
    assert answers[0].body == answers[1].body and answers[0].status == 200
    assert layer.routes.calls == [f"GET {path}"] * 2
    assert (len(layer.store), layer.store.bytes) == (0, 0)


def test_a_bare_answer_is_passed_on_as_the_routes_sent_it(layer: Layer) -> None:
    bare = layer("GET", "/v1/bare")
    assert (bare.status, bare.body) == (200, b"bare")
    assert bare.headers == [(b"content-length", b"4")]


def test_a_disabled_cache_stores_nothing(layer: Layer) -> None:
    off = make_layer(enabled=False)
    for _ in range(2):
        assert off("GET", "/v1/page").status == 200
    assert off.routes.calls == ["GET /v1/page"] * 2
    assert len(off.store) == 0


def test_a_compressed_variant_is_its_own_representation(layer: Layer) -> None:
    plain = layer("GET", "/v1/page")
    packed = layer("GET", "/v1/page", accept_encoding="gzip")
    etag = plain.header("etag")
    assert packed.header("content-encoding") == "gzip"
    assert gzip.decompress(packed.body) == plain.body
    assert packed.header("content-length") == str(len(packed.body))
    assert packed.header("etag") == etag[:-1] + '-gzip"'
    revalidated = layer(
        "GET", "/v1/page", accept_encoding="gzip", if_none_match=packed.header("etag")
    )
    assert (revalidated.status, revalidated.header("etag")) == (304, packed.header("etag"))
    assert layer.routes.calls == ["GET /v1/page"]


@pytest.mark.parametrize("path", ["/v1/page", "/v1/feed"])
def test_each_entry_is_compressed_once_for_all_its_hits(
    layer: Layer, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = app.compression.compress

    def counting(body: bytes, coding: str) -> bytes:
        calls.append(coding)
        return real(body, coding)

    monkeypatch.setattr(layer_module, "compress", counting)
    plain = layer("GET", path)  # stored without a variant; the hits add it
    bodies = {layer("GET", path, accept_encoding="br, gzip;q=0.5").body for _ in range(3)}
    assert calls == ["br"]
    assert len(bodies) == 1 and plain.status == 200
    assert layer.routes.calls == [f"GET {path}"]


@pytest.mark.parametrize("path", ["/v1/small", "/v1/image"])
def test_small_bodies_and_images_are_sent_as_they_are(layer: Layer, path: str) -> None:
    answer = layer("GET", path, accept_encoding="gzip, br")
    assert "content-encoding" not in answer.names
    assert answer.header("content-length") == str(len(answer.body))


def test_an_answer_that_is_not_stored_is_still_compressed(layer: Layer) -> None:
    packed = layer("GET", "/v1/plain", accept_encoding="gzip")
    assert gzip.decompress(packed.body) == PADDING.encode()
    assert (len(layer.store), layer.store.bytes) == (0, 0)


def test_a_body_without_links_is_shared_by_every_host(layer: Layer) -> None:
    bodies = {layer("GET", "/v1/page", host=f"h{n}.example").body for n in range(3)}
    assert len(bodies) == 1
    assert layer.routes.calls == ["GET /v1/page"]


def test_a_body_with_links_is_kept_for_each_host(layer: Layer) -> None:
    for _ in range(2):
        for host in ("one.example", "TWO.example "):
            feed = layer("GET", "/v1/feed", host=host)
            assert f'href="http://{host}/v1/feed"'.encode() in feed.body
    assert layer.routes.calls == ["GET /v1/feed"] * 2
    assert len(layer.store) == 2


def test_with_fixed_links_every_host_shares_the_linked_body() -> None:
    fixed = make_layer(links_follow_host=False)
    bodies = {fixed("GET", "/v1/feed", host=f"h{n}.example").body for n in range(3)}
    assert len(bodies) == 1
    assert fixed.routes.calls == ["GET /v1/feed"]


# The bounds as the README states them, not imported: a test reading the constant it checks
# would move with it.
MAX_ORIGIN_CHARS = 300
MAX_KEY_CHARS = 4096


def test_a_linked_body_for_an_overlong_origin_is_answered_but_not_kept(layer: Layer) -> None:
    longest = "h" * (MAX_ORIGIN_CHARS - len("http://"))
    for host in (longest + "h", longest + "h", longest, longest):
        assert layer("GET", "/v1/feed", host=host).status == 200
    assert layer.routes.calls == ["GET /v1/feed"] * 3
    assert len(layer.store) == 1


def test_a_request_with_an_overlong_path_and_query_is_answered_but_not_kept(
    layer: Layer,
) -> None:
    longest = "/v1/page?q=" + "a" * (MAX_KEY_CHARS - len("/v1/page") - len("q="))
    for target in (longest + "a", longest + "a", longest, longest):
        assert layer("GET", target).status == 200
    assert layer.routes.calls == ["GET /v1/page"] * 3
    assert len(layer.store) == 1


def test_while_the_database_is_away_a_miss_is_a_503_without_the_routes() -> None:
    def fails() -> DataState:
        raise OperationalError("SELECT revision", {}, Exception("connection refused"))

    away = make_layer(read=fails)
    answer = away("GET", "/v1/page")
    assert answer.status == 503
    assert answer.header("retry-after").isdigit()
    assert b"/problems/unavailable" in answer.body
    assert away.routes.calls == []


def test_the_day_in_the_key_follows_the_injected_clock_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The wall clock stands still: only the injected clock moves.
    monkeypatch.setattr(layer_module, "time", SimpleNamespace(time=lambda: 1_000_000.0))
    clock = FakeClock(TEST_NOW)
    dated = make_layer(clock=clock)
    dated("GET", "/v1/page")
    clock.today = TEST_NOW.date() + dt.timedelta(days=1)
    dated("GET", "/v1/page")
    dated("GET", "/v1/page")
    assert dated.routes.calls == ["GET /v1/page"] * 2


def test_with_the_system_clock_an_answer_is_not_served_after_utc_midnight(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [dt.datetime(2025, 7, 9, 23, 59, 59, tzinfo=dt.UTC)]
    monkeypatch.setattr(layer_module, "time", SimpleNamespace(time=lambda: now[0].timestamp()))
    monkeypatch.setattr(layer_module, "utc_date", lambda clock: now[0].date())
    dated = make_layer(clock=system_clock)
    dated("GET", "/v1/page")
    dated("GET", "/v1/page")
    now[0] += dt.timedelta(seconds=1)
    dated("GET", "/v1/page")
    dated("GET", "/v1/page")
    assert dated.routes.calls == ["GET /v1/page"] * 2
    assert {key[3] for key, _, _ in dated.store.held()} == {"2025-07-09", "2025-07-10"}
