"""Issue 11, finding 4, as properties: whatever a client sends as `cursor` to any list, the
answer is never a 5xx, and a cursor this API did not issue is a 400 naming `cursor`. The
lists are the operations /openapi.json gives a `cursor` parameter; the suite's database
(SQLite, or PostgreSQL with FACTSHEET_TEST_DATABASE_URL) holds the real seed.

Deterministic and bounded: Hypothesis derandomized, no example database, a fixed number of
examples (a few seconds each property)."""

import base64
import json
import string
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.cursors import CursorCodec

# The fixtures (a seeded app) are made once per test and only read by the examples.
BOUNDED = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass(frozen=True)
class ListOperation:
    path: str
    sorts: tuple[str, ...]  # () when the operation takes no `sort`
    pages: bool  # a JSON page; CSV, feeds and calendars hold every row and ignore cursors

    def params(self, sort: str | None, cursor: str) -> dict[str, str]:
        return {"cursor": cursor, **({"sort": sort} if sort and self.sorts else {})}


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def list_operations(client: TestClient, seeded: dict[str, Any]) -> list[ListOperation]:
    document = client.get("/openapi.json").json()
    organisation = seeded["milestones"][0]["organisations"][0]
    found = []
    for template, item in document["paths"].items():
        parameters = {p.get("name"): p for p in item.get("get", {}).get("parameters", [])}
        if "cursor" not in parameters:
            continue
        sort = parameters.get("sort")
        sorts = tuple(resolve(document, sort["schema"])["enum"]) if sort else ()
        path = template.replace("{organisation_id}", organisation)
        assert "{" not in path, f"fill in the path parameters of {template}"
        found.append(ListOperation(path, sorts, pages="." not in path.rsplit("/", 1)[1]))
    assert len([o for o in found if o.pages]) >= 8, found
    return found


@pytest.fixture
def operations(client: TestClient, seeded: dict[str, Any]) -> list[ListOperation]:
    return list_operations(client, seeded)


def check(response: Response, operation: ListOperation, issued: bool = False) -> None:
    """Never a 5xx; on a JSON page, a cursor the API did not issue is a 400 on `cursor`."""
    assert response.status_code < 500, (operation.path, response.text[:300])
    if operation.pages and not issued:
        assert response.status_code == 400, (operation.path, response.text[:300])
        names = [e["name"] for e in response.json()["errors"]]
        assert names == ["cursor"], response.text[:300]


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=4), children, max_size=4)
    ),
    max_leaves=8,
)
# Values that break a key part's type or range: past 64 bits (the 2**63), the
# issue's "3" for an integer id, a float for an integer, dates in spellings no cursor holds,
# NUL (which PostgreSQL cannot hold), strings longer than any column.
OUT_OF_RANGE = st.sampled_from([2**63, -(2**63) - 1, 2**64, 10**30, -(10**30)])
WRONG_TYPE: st.SearchStrategy[Any] = st.sampled_from(
    ["3", "", 1.0, -0.5, 1e308, None, True, False, [], {}, "20251216", "a\x00b", "x" * 300]
)
KEY_PART = (
    OUT_OF_RANGE
    | WRONG_TYPE
    | st.integers(min_value=-(2**65), max_value=2**65)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
IssuedKey = tuple[str, str | None, list[Any]]  # (the cursor's sort, the `sort` sent, key)


@pytest.fixture
def issued_keys(
    client: TestClient, operations: list[ListOperation]
) -> dict[tuple[str, str | None], IssuedKey]:
    """The key of each JSON list's first `next` cursor, per sort."""
    found = {}
    for operation in operations:
        for sort in operation.sorts or (None,):
            if not operation.pages:
                continue
            params = {"limit": "1", **({"sort": sort} if sort else {})}
            link = client.get(operation.path, params=params).json()["links"]["next"]
            assert link, (operation.path, sort)
            token = dict(parse_qsl(urlsplit(link).query))["cursor"]
            payload = token.partition(".")[0]
            data = orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            found[operation.path, sort] = (data["s"], sort, data["k"])
    return found


def forged_key(
    data: st.DataObject, issued: dict[tuple[str, str | None], IssuedKey]
) -> tuple[str, str | None, bytes]:
    """An issued key with one part replaced, added or dropped: the right shape for its list
    with one thing wrong, which is where a check could be missing. Returns (path, sort sent,
    payload)."""
    (path, _), (cursor_sort, sort, key) = data.draw(st.sampled_from(list(issued.items())))
    where = data.draw(st.integers(0, len(key) - 1))
    how = data.draw(st.sampled_from(["replace", "replace", "replace", "add", "drop"]))
    if how == "replace":
        key = [*key[:where], data.draw(KEY_PART), *key[where + 1 :]]
    elif how == "add":
        key = [*key[:where], data.draw(KEY_PART), *key[where:]]
    else:
        key = [*key[:where], *key[where + 1 :]]
    direction = data.draw(st.sampled_from(["next", "prev"]))
    # The json module: orjson refuses integers beyond 64 bits, a client need not.
    payload = json.dumps({"s": cursor_sort, "k": key, "d": direction}).encode()
    return path, sort, payload


@BOUNDED
@given(data=st.data())
def test_arbitrary_text_as_a_cursor_is_400_never_5xx(
    client: TestClient, operations: list[ListOperation], data: st.DataObject
) -> None:
    operation = data.draw(st.sampled_from(operations))
    cursor = data.draw(
        st.text(min_size=1, max_size=600)
        | st.binary(min_size=1, max_size=200).map(lambda raw: raw.decode("latin-1"))
        | st.text(string.ascii_letters + string.digits + "-_.=", min_size=1, max_size=120)
    )
    sort = data.draw(st.sampled_from(operation.sorts or (None,)))
    check(client.get(operation.path, params=operation.params(sort, cursor)), operation)


@BOUNDED
@given(data=st.data())
def test_base64_of_arbitrary_bytes_or_json_is_400_never_5xx(
    client: TestClient,
    operations: list[ListOperation],
    issued_keys: dict[tuple[str, str | None], IssuedKey],
    data: st.DataObject,
) -> None:
    operation = data.draw(st.sampled_from(operations))
    sort = data.draw(st.sampled_from(operation.sorts or (None,)))
    choice = data.draw(st.sampled_from(["bytes", "json", "a key", "a key", "a key"]))
    if choice == "bytes":
        payload = data.draw(st.binary(max_size=300))
    elif choice == "json":
        payload = orjson.dumps(data.draw(JSON))
    else:
        path, sort, payload = forged_key(data, issued_keys)
        operation = next(o for o in operations if o.path == path)
    # Unsigned (the format cursors had before they were signed), or with a made-up tag.
    tag = data.draw(st.sampled_from(["", ".", "." + b64(bytes(16))]) | st.binary().map(b64))
    cursor = b64(payload) + tag
    check(client.get(operation.path, params=operation.params(sort, cursor)), operation)


@BOUNDED
@given(data=st.data())
def test_a_tampered_issued_cursor_is_400_never_5xx(
    client: TestClient, operations: list[ListOperation], data: st.DataObject
) -> None:
    operation = data.draw(st.sampled_from([o for o in operations if o.pages]))
    sort = data.draw(st.sampled_from(operation.sorts or (None,)))
    params = {"limit": "1", **({"sort": sort} if sort else {})}
    link = client.get(operation.path, params=params).json()["links"]["next"]
    assert link, (operation.path, sort)
    token = dict(parse_qsl(urlsplit(link).query))["cursor"]
    where = data.draw(st.integers(0, len(token) - 1))
    other = data.draw(st.sampled_from(string.ascii_letters + string.digits + "-_."))
    tampered = data.draw(
        st.sampled_from(
            [
                token[:where] + token[where + 1 :],  # a character dropped
                token[:where] + other + token[where:],  # one added
                token[:where] + other + token[where + 1 :],  # one replaced
                token[:where],  # cut short
            ]
        )
    )
    if tampered == token:
        return  # the replacement was the character already there: nothing was changed
    response = client.get(operation.path, params={**params, "cursor": tampered})
    check(response, operation)


# The property that most needs examples: each is one request, a few milliseconds.
@settings(BOUNDED, max_examples=100)
@given(data=st.data())
def test_a_forged_key_signed_with_the_real_secret_is_never_5xx(
    app: FastAPI,
    client: TestClient,
    operations: list[ListOperation],
    issued_keys: dict[tuple[str, str | None], IssuedKey],
    data: st.DataObject,
) -> None:
    """The last line of defence, should the secret leak: every key value is checked against
    its column before any query, so a signed cursor of any key is a 200 or a 400."""
    codec: CursorCodec = app.state.cursor_codec
    path, sort, payload = forged_key(data, issued_keys)
    operation = next(o for o in operations if o.path == path)
    response = client.get(path, params=operation.params(sort, codec.seal(payload)))
    check(response, operation, issued=True)
    if response.status_code != 200:
        assert response.status_code == 400, response.text[:300]
        assert [e["name"] for e in response.json()["errors"]] == ["cursor"]
