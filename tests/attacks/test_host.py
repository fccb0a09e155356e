"""Issue 11, finding 7: the Host header must not decide where links point.

Feeds and calendars carry absolute links. A Host the API does not answer to is refused with a
400 before the response cache; X-Forwarded-Proto counts only from a trusted proxy and only as
http or https; a request without a Host gets no link to the address the server is bound to;
and with FACTSHEET_PUBLIC_BASE_URL every link starts with it."""

import http.client
import json
import re

from tests.attacks.conftest import Serve, Server, raw_exchange, status_of

FEEDS = [
    "/v1/milestones.atom",
    "/v1/milestones.rss",
    "/v1/milestones.feed.json",
    "/v1/milestones.ics",
    "/v1/feeds/upcoming.atom",
    "/v1/feeds/recent.rss",
    "/v1/feeds/changes.feed.json",
]
PUBLIC = "https://api.example.org/factsheet"
API_LINK = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s\"'<>\\]*?/v1/[^\s\"'<>\\]*")


def fetch(server: Server, path: str, headers: dict[str, str]) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def api_links(body: str) -> set[str]:
    """Every absolute link to the API in a feed or calendar (unfolding iCalendar lines)."""
    return set(API_LINK.findall(body.replace("\r\n ", "")))


def link_origins(server: Server, headers: dict[str, str]) -> set[str]:
    origins = set()
    for path in FEEDS:
        status, body = fetch(server, path, headers)
        assert status == 200, (path, body)
        links = api_links(body)
        assert links, path
        origins |= {link[: link.index("/v1/")] for link in links}
    return origins


def test_a_host_not_allowed_is_refused_before_any_link_or_cache_sees_it(serve: Serve) -> None:
    server = serve()
    for host in ("evil.com", "evil.com:80", "localhost.evil.com", "127.0.0.1.evil.com"):
        for path in FEEDS:
            status, body = fetch(server, path, {"Host": host})
            assert status == 400, (host, path, body)
            problem = json.loads(body)
            assert problem["errors"] == [
                {
                    "name": "Host",
                    "in": "header",
                    "reason": "names a host this API does not answer to",
                }
            ]
            assert "evil" not in body
    assert link_origins(server, {}) == {server.base_url}


def test_x_forwarded_proto_never_makes_a_ws_link(serve: Serve) -> None:
    server = serve()
    assert link_origins(server, {"X-Forwarded-Proto": "ws"}) == {server.base_url}
    assert link_origins(server, {"X-Forwarded-Proto": "https"}) == {server.base_url}


def test_x_forwarded_proto_from_a_trusted_proxy_is_http_or_https(serve: Serve) -> None:
    server = serve(trusted_proxies="127.0.0.1")
    https = server.base_url.replace("http://", "https://")
    assert link_origins(server, {"X-Forwarded-Proto": "https"}) == {https}
    for scheme in ("ws", "wss", "javascript", "https:evil"):
        assert link_origins(server, {"X-Forwarded-Proto": scheme}) == {server.base_url}


def test_http_1_0_without_a_host_gets_no_link_to_the_bind_address(serve: Serve) -> None:
    for settings in ({}, {"public_base_url": PUBLIC}):
        server = serve(**settings)
        for path in FEEDS:
            answer = raw_exchange(server.port, f"GET {path} HTTP/1.0\r\n\r\n".encode())
            assert status_of(answer) == 400, answer[:300]
            assert b"127.0.0.1" not in answer and b'"reason":"is required"' in answer
        probe = raw_exchange(server.port, b"GET /readyz HTTP/1.0\r\n\r\n")
        assert status_of(probe) == 200  # HAProxy's default health check sends no Host


def test_with_a_public_base_url_every_link_starts_with_it(serve: Serve) -> None:
    server = serve(public_base_url=PUBLIC + "/")
    assert link_origins(server, {}) == {PUBLIC}
    assert link_origins(server, {"Host": "api.example.org"}) == {PUBLIC}
    assert link_origins(server, {"Host": "localhost", "X-Forwarded-Proto": "http"}) == {PUBLIC}
    assert fetch(server, FEEDS[0], {"Host": "evil.com"})[0] == 400
