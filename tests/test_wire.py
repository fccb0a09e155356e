"""What a real `factsheet serve` puts on the socket, byte for byte. The in-process TestClient
cannot show it: it drops the body of an answer to HEAD before a test sees it, and frames
nothing. So these tests talk to the server process of tests/attacks/conftest.py over raw
sockets, on each HTTP parser uvicorn may run: HEAD sends the GET's head (its Content-Length,
ETag, type) and no body byte at all, on an entry the response cache holds and on one it does
not; 304 and 204 have no body; and every body is framed by a Content-Length that counts it."""

from dataclasses import dataclass

import pytest

from tests.attacks import conftest as attacks
from tests.attacks.conftest import Serve, Server, Stack, raw_exchange

# The real-server fixtures of the attacks' conftest, made this module's too. Its
# `database_url` is the served process's database (a SQLite file, or a PostgreSQL database
# of its own), not the in-memory one of tests/conftest.py.
database_url = attacks.database_url
serve = attacks.serve
stack = attacks.stack

pytestmark = pytest.mark.slow

# Every route the wire tests read: an API list (held by the response cache), its CSV suffix
# route, a problem, and routes the cache does not hold (probes, the OpenAPI document, docs).
TARGETS = ["/v1/nris", "/v1/nris.csv", "/v1/no-such-thing", "/healthz", "/openapi.json", "/docs"]
# The head of an answer to HEAD is the head of the answer to GET (RFC 9110 9.3.2).
SAME_AS_GET = ("content-length", "content-type", "content-encoding", "etag", "last-modified")


@dataclass
class Answer:
    status: int
    headers: dict[str, str]  # names lower-cased; each appears once
    body: bytes  # everything after the head


def parse_head(head: bytes) -> tuple[int, dict[str, str]]:
    status_line, *lines = head.decode("latin-1").split("\r\n")
    version, status, _ = status_line.split(" ", 2)
    assert version == "HTTP/1.1", head
    headers: dict[str, str] = {}
    for line in lines:
        name, _, value = line.partition(":")
        assert name.lower() not in headers, f"{name} twice in {head!r}"
        headers[name.lower()] = value.strip()
    return int(status), headers


def exchange(server: Server, method: str, target: str, *lines: str) -> Answer:
    """One request on a connection of its own, asking the server to close it after the
    answer; everything the server sends until it closes is the answer."""
    request = "".join(
        f"{line}\r\n"
        for line in (f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", *lines, "Connection: close")
    )
    raw = raw_exchange(server.port, (request + "\r\n").encode(), timeout=10)
    head, separator, body = raw.partition(b"\r\n\r\n")
    assert separator, raw[:300]
    status, headers = parse_head(head)
    # The server says it closes, so no byte after the head can belong to another answer.
    assert headers["connection"] == "close", head
    return Answer(status, headers, body)


def assert_framed_by_its_length(answer: Answer) -> None:
    """No route streams: a body is sent whole, with a Content-Length that counts it exactly,
    and never chunked (Transfer-Encoding and Content-Length together would contradict)."""
    assert "transfer-encoding" not in answer.headers, answer.headers
    assert int(answer.headers["content-length"]) == len(answer.body), answer.headers


def split_pipelined(raw: bytes, methods: list[str]) -> list[Answer]:
    """The answers to requests sent in one write, cut as a client must cut them: after the
    head of an answer to HEAD comes the next answer, after any other its Content-Length."""
    answers = []
    rest = raw
    for method in methods:
        head, separator, rest = rest.partition(b"\r\n\r\n")
        assert separator, raw[-300:]
        status, headers = parse_head(head)
        length = 0 if method == "HEAD" else int(headers["content-length"])
        answers.append(Answer(status, headers, rest[:length]))
        rest = rest[length:]
    assert rest == b"", rest[:300]
    return answers


def test_head_sends_the_gets_head_and_not_one_body_byte(serve: Serve, stack: Stack) -> None:
    server = serve(stack=stack)
    for target in TARGETS:
        # The first HEAD finds nothing held (nothing asked for the target before); the GET
        # after it leaves the answer in the response cache; the second HEAD is answered from
        # there. Routes outside /v1 and /problems are never held: both HEADs reach them.
        uncached = exchange(server, "HEAD", target)
        get = exchange(server, "GET", target)
        cached = exchange(server, "HEAD", target)
        assert_framed_by_its_length(get)
        assert get.body, target
        expected = {name: get.headers.get(name) for name in SAME_AS_GET}
        for head in (uncached, cached):
            assert (head.status, head.body) == (get.status, b""), (target, head.body[:200])
            assert {name: head.headers.get(name) for name in SAME_AS_GET} == expected, target
            assert "transfer-encoding" not in head.headers
    for target in ("/v1/nris", "/v1/nris.csv", "/openapi.json"):
        # The gzip variant is its own representation, with its own length and tag: HEAD
        # states those.
        head = exchange(server, "HEAD", target, "Accept-Encoding: gzip")
        get = exchange(server, "GET", target, "Accept-Encoding: gzip")
        identity = exchange(server, "GET", target)
        assert get.headers["content-encoding"] == "gzip", target
        assert_framed_by_its_length(get)
        assert len(get.body) < len(identity.body), target
        assert get.headers["etag"] != identity.headers["etag"], target
        assert (head.status, head.body) == (200, b""), target
        assert {n: head.headers.get(n) for n in SAME_AS_GET} == {
            n: get.headers.get(n) for n in SAME_AS_GET
        }, target
    # On a kept-alive connection, body bytes after a HEAD's head would be read as the start
    # of the next answer: pipelined, each answer must begin where the one before ended.
    sent = [("HEAD", "/v1/nris"), ("HEAD", "/v1/nris.csv"), ("HEAD", "/openapi.json")]
    sent += [("GET", "/v1/nris?limit=1"), ("HEAD", "/healthz"), ("GET", "/healthz")]
    request = b"".join(
        f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode()
        + (b"Connection: close\r\n" if i == len(sent) - 1 else b"")
        + b"\r\n"
        for i, (method, target) in enumerate(sent)
    )
    answers = split_pipelined(
        raw_exchange(server.port, request, timeout=10), [method for method, _ in sent]
    )
    assert [a.status for a in answers] == [200] * len(sent)
    assert_framed_by_its_length(answers[3])
    assert answers[3].body.startswith(b'{"data":[{"id":"nri-'), answers[3].body[:100]
    assert answers[5].body == b'{"status":"ok"}'


def test_a_304_and_a_preflight_204_have_no_body(serve: Serve, stack: Stack) -> None:
    server = serve(stack=stack)
    first = exchange(server, "GET", "/v1/nris")
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    answers = {
        # Held by the cache since the GET above: answered from it.
        "held, If-None-Match": exchange(server, "GET", "/v1/nris", f"If-None-Match: {etag}"),
        "held, HEAD": exchange(server, "HEAD", "/v1/nris", f"If-None-Match: {etag}"),
        # Requests never made before: computed, then found not modified.
        "computed, If-Modified-Since": exchange(
            server, "GET", "/v1/nris?limit=7", f"If-Modified-Since: {modified}"
        ),
        "computed, If-None-Match *": exchange(server, "HEAD", "/v1/nris.csv", "If-None-Match: *"),
    }
    for case, answer in answers.items():
        assert (answer.status, answer.body) == (304, b""), (case, answer.body[:200])
        assert "transfer-encoding" not in answer.headers, case
        # A 304 may state a length only if it is the one a 200 would have had (RFC 9110
        # 8.6); these state none.
        assert "content-length" not in answer.headers, case
        assert answer.headers["last-modified"] == modified, case
    assert answers["held, If-None-Match"].headers["etag"] == etag
    assert answers["held, HEAD"].headers["etag"] == etag
    # The OpenAPI document, outside the cache, answers its own conditional GETs.
    document = exchange(server, "GET", "/openapi.json")
    again = exchange(server, "GET", "/openapi.json", f"If-None-Match: {document.headers['etag']}")
    assert (again.status, again.body, again.headers.get("content-length")) == (304, b"", None)

    preflight = exchange(
        server,
        "OPTIONS",
        "/v1/nris",
        "Origin: https://example.org",
        "Access-Control-Request-Method: GET",
        "Access-Control-Request-Headers: if-none-match",
    )
    assert (preflight.status, preflight.body) == (204, b"")
    # A 204 has no content (RFC 9110 15.3.5), so it states no length and no coding.
    assert "content-length" not in preflight.headers
    assert "transfer-encoding" not in preflight.headers
    cors = ("allow-origin", "allow-methods", "allow-headers", "max-age")
    assert {n: preflight.headers[f"access-control-{n}"] for n in cors} == {
        "allow-origin": "*",
        "allow-methods": "GET, HEAD, OPTIONS",
        "allow-headers": "*",
        "max-age": "86400",
    }
    assert preflight.headers["cache-control"] == "no-store"
    # OPTIONS that is no preflight (no Origin) is a method the API does not allow.
    plain = exchange(server, "OPTIONS", "/v1/nris")
    assert plain.status == 405
    assert plain.headers["allow"] == "GET, HEAD, POST"  # editors POST records to a list
    assert_framed_by_its_length(plain)
    assert plain.body.startswith(b'{"type":"/problems/method-not-allowed"'), plain.body
