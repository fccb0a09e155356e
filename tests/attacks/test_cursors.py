"""Issue 11, finding 4: hand-made cursors must not reach the database. Keys of 2**63 overflowed
SQLite's INTEGER and PostgreSQL's bigint, and a search key of the wrong types failed on
PostgreSQL: 500s. Any cursor the API did not issue is a 400 naming `cursor`, while the
cursors it did issue keep working on every process that serves the same database."""

import base64
import json
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import orjson

from tests.attacks.conftest import Serve, Server, raw_exchange, status_of

BIG = 2**63  # one past the largest 64-bit signed integer


def forged(payload: Any) -> str:
    """A cursor as a client could make one: the payload shape issued cursors had."""
    return base64.urlsafe_b64encode(orjson.dumps(payload)).rstrip(b"=").decode()


# The issue's cursors: a 2**63 key on each list whose keys hold integers, and a search key
# of a float and a string.
ISSUE_CURSORS = [
    ("/v1/search", {}, {"s": "relevance", "k": [1.0, BIG], "d": "next"}),
    ("/v1/changes", {"sort": "id"}, {"s": "id", "k": [BIG, BIG], "d": "next"}),
    ("/v1/calls-to-action", {"sort": "number"}, {"s": "number", "k": [BIG, BIG], "d": "next"}),
    (
        "/v1/nris",
        {"sort": "established_year"},
        {"s": "established_year", "k": [0, BIG, "nri-001"], "d": "next"},
    ),
    ("/v1/facts", {"sort": "as_of"}, {"s": "as_of", "k": [0, BIG, "fs-nri-count"], "d": "next"}),
    ("/v1/search", {}, {"s": "relevance", "k": [1.0, "3"], "d": "next"}),
    ("/v1/search", {"q": "internet"}, {"s": "relevance", "k": [1.0, "3"], "d": "next"}),
]


def get(server: Server, target: str) -> tuple[int, dict[str, Any]]:
    raw = raw_exchange(
        server.port,
        f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode(),
        timeout=10,
    )
    _, _, body = raw.partition(b"\r\n\r\n")
    return status_of(raw), json.loads(body) if body.startswith(b"{") else {}


def next_cursor(server: Server, path: str) -> tuple[str, str]:
    """The first page's `next` link, split around its cursor: (link, cursor)."""
    status, page = get(server, path)
    assert status == 200, page
    link = page["links"]["next"]
    assert link, page
    return link, dict(parse_qsl(urlsplit(link).query))["cursor"]


def errors_of(answer: tuple[int, dict[str, Any]]) -> tuple[int, list[tuple[str, str]]]:
    status, body = answer
    return status, [(e["name"], e["in"]) for e in body.get("errors", [])]


def test_hand_made_and_tampered_cursors_are_400_naming_cursor(serve: Serve) -> None:
    server = serve()
    answers = []
    for path, params, payload in ISSUE_CURSORS:
        target = f"{path}?{urlencode({**params, 'cursor': forged(payload)})}"
        answers.append((path, payload["k"], *errors_of(get(server, target))))
    assert answers == [
        (path, payload["k"], 400, [("cursor", "query")]) for path, _, payload in ISSUE_CURSORS
    ]

    link, token = next_cursor(server, "/v1/nris?limit=5")
    middle = len(token) // 2
    tampered = [
        token[:-1] + ("A" if token[-1] != "A" else "B"),  # in the signature
        token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :],
        token[:-1],
        token + "A",
        token.replace(".", ""),
        token.partition(".")[0],  # the payload alone: what cursors were before signing
    ]
    refusals = [errors_of(get(server, link.replace(token, changed))) for changed in tampered]
    assert refusals == [(400, [("cursor", "query")])] * len(tampered)
    assert get(server, link)[0] == 200
    assert "Traceback" not in server.log_text()


def test_cursors_work_on_every_server_of_the_database_and_no_other(serve: Serve) -> None:
    """Replicas behind a load balancer share one database and so one cursor secret: the
    next page is the same whichever of them answers. A deployment with another secret
    (FACTSHEET_CURSOR_SECRET) issued none of these cursors and refuses them."""
    first, second = serve(), serve()
    other = serve(cursor_secret="another deployment's secret")
    for path in ("/v1/nris?sort=-established_year&limit=7", "/v1/search?q=internet&limit=3"):
        link, _ = next_cursor(first, path)
        answers = [get(server, link) for server in (first, second)]
        assert [status for status, _ in answers] == [200, 200]
        assert answers[0][1]["data"] == answers[1][1]["data"]
        assert errors_of(get(other, link)) == (400, [("cursor", "query")])
