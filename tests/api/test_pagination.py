"""Keyset pagination on every list, for every sort the OpenAPI document offers: walking
`links.next` and then `links.prev` returns each record exactly once, in the sort's order
(nulls last both ways, ties broken by the id), and cursors are checked, not trusted."""

import base64
import random
import re
from collections import Counter
from collections.abc import Callable
from operator import itemgetter
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.seed_rows import period_bounds
from tests.factories import make_nri

Record = dict[str, Any]
KeyFn = Callable[[Record], Any]

# Concrete list URL -> its path template in the OpenAPI document.
LISTS = {
    "/v1/milestones": "/v1/milestones",
    "/v1/organisations": "/v1/organisations",
    "/v1/nris": "/v1/nris",
    "/v1/action-lines": "/v1/action-lines",
    "/v1/facts": "/v1/facts",
    "/v1/calls-to-action": "/v1/calls-to-action",
    "/v1/organisations/org-017/milestones": "/v1/organisations/{organisation_id}/milestones",
}
ID_FIELDS = {"/v1/action-lines": "code", "/v1/calls-to-action": "number"}
LINK_PART = re.compile(r'<([^>]*)>;\s*rel="([^"]+)"')


def id_field(path: str) -> str:
    return ID_FIELDS.get(path, "id")


def milestone_start(record: Record) -> Any:
    return period_bounds(record["start_date"], record["end_date"])[0]


def sort_keys(path: str, seed: dict[str, Any]) -> dict[str, KeyFn]:
    """What each sort orders by, as a client sees it (None = the record has no value)."""
    milestones: dict[str, KeyFn] = {"start_date": milestone_start, "title": itemgetter("title")}
    position = {line["code"]: i for i, line in enumerate(seed["action_lines"])}
    keys: dict[str, dict[str, KeyFn]] = {
        "/v1/milestones": milestones,
        "/v1/organisations/org-017/milestones": milestones,
        "/v1/organisations": {
            "name": itemgetter("short_name"),
            "founded_year": itemgetter("founded_year"),
        },
        "/v1/nris": {
            "name": itemgetter("name"),
            "established_year": itemgetter("established_year"),
            "country": itemgetter("country"),
        },
        "/v1/action-lines": {
            "position": lambda record: position[record["code"]],
            "title": itemgetter("title"),
        },
        "/v1/facts": {
            "id": itemgetter("id"),
            "as_of": itemgetter("as_of"),
            "label": itemgetter("label"),
        },
        "/v1/calls-to-action": {"number": itemgetter("number")},
    }
    return keys[path]


def seed_ids(path: str, seed: dict[str, Any]) -> list[Any]:
    if path == "/v1/organisations/org-017/milestones":
        return [m["id"] for m in seed["milestones"] if "org-017" in m["organisations"]]
    collection = path.removeprefix("/v1/").replace("-", "_")
    return [record[id_field(path)] for record in seed[collection]]


def expected_order(records: list[Record], key: KeyFn, ident: str, descending: bool) -> list[Any]:
    """Records with a value by (value, id) in the sort's direction; those without last."""
    present = [r for r in records if key(r) is not None]
    missing = [r for r in records if key(r) is None]
    present.sort(key=lambda r: (key(r), r[ident]), reverse=descending)
    missing.sort(key=lambda r: r[ident], reverse=descending)
    return [r[ident] for r in present + missing]


def sort_values(client: TestClient, template: str) -> list[str]:
    document = client.get("/openapi.json").json()
    for parameter in document["paths"][template]["get"]["parameters"]:
        if parameter.get("name") == "sort":
            # The sort keys are a named enum under components/schemas.
            name = parameter["schema"]["$ref"].rsplit("/", 1)[-1]
            return list(document["components"]["schemas"][name]["enum"])
    raise AssertionError(f"{template} declares no sort parameter")


def link_header(value: str) -> dict[str, str]:
    return {rel: href for href, rel in LINK_PART.findall(value)}


def get_page(client: TestClient, url: str) -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.text)
    body: dict[str, Any] = response.json()
    present = {rel: href for rel, href in body["links"].items() if href is not None}
    assert link_header(response.headers.get("link", "")) == present, url
    return body


def walk(
    client: TestClient, url: str, direction: Literal["next", "prev"], max_pages: int
) -> list[dict[str, Any]]:
    """Every page from `url` on, following links.<direction> until it is null."""
    pages: list[dict[str, Any]] = []
    next_url: str | None = url
    while next_url is not None:
        assert len(pages) <= max_pages, f"still paging after {max_pages} pages from {url}"
        page = get_page(client, next_url)
        pages.append(page)
        next_url = page["links"][direction]
    return pages


def check_walk(
    client: TestClient,
    url: str,
    limit: int,
    key: KeyFn,
    ident: str,
    descending: bool,
) -> list[Record]:
    """Walks forwards, then back from the last page; checks both against each other, the
    total, the page sizes, the end links and the sort order. Returns the records walked."""
    forward = walk(client, url, "next", max_pages=500)
    walked = [record for page in forward for record in page["data"]]
    ids = [record[ident] for record in walked]
    total = forward[0]["meta"]["total"]
    assert {page["meta"]["total"] for page in forward} == {total}
    assert len(ids) == total
    assert len(set(ids)) == len(ids), Counter(ids).most_common(3)
    assert [len(page["data"]) for page in forward[:-1]] == [limit] * (len(forward) - 1)
    assert forward[0]["links"]["prev"] is None
    assert forward[-1]["links"]["next"] is None
    assert all(page["links"]["prev"] is not None for page in forward[1:])
    assert ids == expected_order(walked, key, ident, descending)

    backward = walk(client, forward[-1]["links"]["self"], "prev", max_pages=500)
    assert [page["data"] for page in reversed(backward)] == [page["data"] for page in forward]
    assert backward[-1]["links"]["prev"] is None
    return walked


@pytest.mark.parametrize("limit", [1, 7])
@pytest.mark.parametrize("path", list(LISTS))
def test_every_sort_walks_each_record_once_in_order_forwards_and_back(
    client: TestClient,
    seeded: dict[str, Any],
    subtests: pytest.Subtests,
    path: str,
    limit: int,
) -> None:
    keys = sort_keys(path, seeded)
    ident = id_field(path)
    sorts = sort_values(client, LISTS[path])
    assert sorts, f"{path} offers no sort"
    for sort in sorts:
        with subtests.test(sort=sort):
            assert sort.lstrip("-") in keys, f"no sort key known to this test for {sort!r}"
            url = f"{path}?{urlencode({'sort': sort, 'limit': limit})}"
            walked = check_walk(
                client, url, limit, keys[sort.lstrip("-")], ident, sort.startswith("-")
            )
            assert sorted(r[ident] for r in walked) == sorted(seed_ids(path, seeded))
            everything = client.get(path, params={"sort": sort, "limit": 200}).json()
            assert walked == everything["data"]


def test_nulls_come_last_in_both_directions(client: TestClient, seeded: dict[str, Any]) -> None:
    """The seed has NRIs without a country or year: the walk test above only bites on
    nulls if some exist, so make sure they do."""
    for sort in ("established_year", "-established_year", "country", "-country"):
        data = client.get("/v1/nris", params={"sort": sort, "limit": 200}).json()["data"]
        values = [record[sort.lstrip("-")] for record in data]
        first_null = values.index(None)
        assert 0 < first_null < len(values)
        assert set(values[first_null:]) == {None}, sort


def replace_param(url: str, name: str, value: str) -> str:
    parts = urlsplit(url)
    params = [(k, v) for k, v in parse_qsl(parts.query) if k != name]
    return f"{parts.path}?{urlencode([*params, (name, value)])}"


@pytest.mark.parametrize("path", list(LISTS))
def test_cursor_used_with_another_sort_is_400_naming_cursor(
    client: TestClient, seeded: dict[str, Any], path: str
) -> None:
    sorts = sort_values(client, LISTS[path])
    for made_for in sorts:
        next_url = client.get(path, params={"sort": made_for, "limit": 1}).json()["links"]["next"]
        for other in sorts:
            if other == made_for:
                continue
            response = client.get(replace_param(next_url, "sort", other))
            assert response.status_code == 400, (made_for, other)
            assert response.headers["content-type"] == "application/problem+json"
            errors = response.json()["errors"]
            assert [(e["name"], e["in"]) for e in errors] == [("cursor", "query")]


def token(payload: Any) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(payload)).rstrip(b"=").decode()


GARBAGE_CURSORS = [
    ("/v1/nris", "name", "garbage"),
    ("/v1/nris", "name", "!!!!"),
    ("/v1/nris", "name", "A" * 501),
    ("/v1/nris", "name", base64.urlsafe_b64encode(b"\xff\xfe\x00").decode()),
    ("/v1/nris", "name", token([])),
    ("/v1/nris", "name", token({"s": "name", "k": "nri-001", "d": "next"})),
    ("/v1/nris", "name", token({"s": "name", "k": ["A", "nri-001"], "d": "sideways"})),
    ("/v1/nris", "name", token({"s": "name", "k": ["A"], "d": "next"})),
    ("/v1/nris", "name", token({"s": "name", "k": ["A", "nri-001", 3], "d": "next"})),
    ("/v1/nris", "name", token({"s": "name", "k": [1, 2], "d": "next"})),
    ("/v1/nris", "name", token({"s": "name", "k": [[1], "nri-001"], "d": "next"})),
    ("/v1/nris", "name", token({"s": "name", "k": [{"a": 1}, "nri-001"], "d": "next"})),
    ("/v1/nris", "name", token({"s": "name", "k": ["A", True], "d": "next"})),
    ("/v1/nris", "name", token({"s": "name", "k": ["A", 1.5], "d": "prev"})),
    (
        "/v1/nris",
        "established_year",
        token({"s": "established_year", "k": [0, "x", "nri-001"], "d": "next"}),
    ),
    (
        "/v1/nris",
        "established_year",
        token({"s": "established_year", "k": [2, 2010, "nri-001"], "d": "next"}),
    ),
    (
        "/v1/nris",
        "established_year",
        token({"s": "established_year", "k": [True, 2010, "nri-001"], "d": "next"}),
    ),
    ("/v1/nris", "-country", token({"s": "-country", "k": [1, 5, "nri-001"], "d": "next"})),
    (
        "/v1/milestones",
        "start_date",
        token({"s": "start_date", "k": ["soon", "ms-001"], "d": "next"}),
    ),
    ("/v1/calls-to-action", "number", token({"s": "number", "k": ["2", "2"], "d": "next"})),
    ("/v1/facts", "as_of", token({"s": "as_of", "k": [0, "2024", "fs-nri-count"], "d": "next"})),
]


@pytest.mark.parametrize(("path", "sort", "cursor"), GARBAGE_CURSORS)
def test_garbage_cursor_is_400_naming_cursor(
    client: TestClient, seeded: dict[str, Any], path: str, sort: str, cursor: str
) -> None:
    response = client.get(path, params={"sort": sort, "cursor": cursor})
    assert response.status_code == 400, response.text[:300]
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "/problems/invalid-parameter"
    assert [(e["name"], e["in"]) for e in body["errors"]] == [("cursor", "query")]


def milestone_ends_from(date: str) -> Callable[[Record], bool]:
    return lambda m: period_bounds(m["start_date"], m["end_date"])[1].isoformat() >= date


FILTERED = [
    (
        "/v1/nris",
        [("kind", "youth"), ("kind", "regional"), ("sort", "-established_year"), ("limit", "7")],
        "nris",
        lambda r: r["kind"] in {"youth", "regional"},
    ),
    (
        "/v1/nris",
        [("fields", "id,name,country"), ("region", "Africa"), ("sort", "country"), ("limit", "3")],
        "nris",
        lambda r: r["region"] == "Africa",
    ),
    (
        "/v1/milestones",
        [("from", "2020-01-01"), ("sort", "-title"), ("limit", "4")],
        "milestones",
        milestone_ends_from("2020-01-01"),
    ),
    (
        "/v1/facts",
        [("category", "itu_headline"), ("sort", "-as_of"), ("limit", "2")],
        "facts",
        lambda r: r["category"] == "itu_headline",
    ),
    (
        "/v1/action-lines",
        [("parent", "C7"), ("sort", "-position"), ("limit", "2")],
        "action_lines",
        lambda r: r["parent_code"] == "C7",
    ),
]


@pytest.mark.parametrize(("path", "params", "collection", "matches"), FILTERED)
def test_filters_are_kept_on_every_page(
    client: TestClient,
    seeded: dict[str, Any],
    path: str,
    params: list[tuple[str, str]],
    collection: str,
    matches: Callable[[Record], bool],
) -> None:
    ident = id_field(path)
    wanted = sorted(r[ident] for r in seeded[collection] if matches(r))
    assert wanted, "the filter should match something in the seed"
    forward = walk(client, f"{path}?{urlencode(params)}", "next", max_pages=200)
    backward = walk(client, forward[-1]["links"]["self"], "prev", max_pages=200)
    assert len(forward) > 1
    for page in [*forward, *backward]:
        for rel in ("self", "next", "prev"):
            if page["links"][rel] is not None:
                query = parse_qsl(urlsplit(page["links"][rel]).query)
                assert Counter(p for p in query if p[0] != "cursor") == Counter(params), rel
    walked = [record[ident] for page in forward for record in page["data"]]
    assert sorted(walked) == wanted
    assert forward[0]["meta"]["total"] == len(wanted)
    fields = dict(params).get("fields")
    if fields:
        for page in forward:
            assert all(set(record) == set(fields.split(",")) for record in page["data"])


@pytest.mark.parametrize("seed", range(3))
def test_nris_with_tied_names_and_years_walk_exactly_once(
    client: TestClient, session: Session, subtests: pytest.Subtests, seed: int
) -> None:
    rng = random.Random(seed)
    numbers = list(range(900, 924))
    rng.shuffle(numbers)  # insertion order is not id order
    for number in numbers:
        make_nri(
            session,
            id=f"nri-{number}",
            name=rng.choice(["Same IGF", "Same IGF", "Other IGF"]),
            established_year=rng.choice([None, 2010, 2010, 2015]),
            country=rng.choice([None, "NL", "NL", "KE"]),
        )
    keys = sort_keys("/v1/nris", {"action_lines": []})
    for sort in sort_values(client, "/v1/nris"):
        for limit in (1, 3):
            with subtests.test(sort=sort, limit=limit):
                url = f"/v1/nris?{urlencode({'sort': sort, 'limit': limit})}"
                walked = check_walk(
                    client, url, limit, keys[sort.lstrip("-")], "id", sort.startswith("-")
                )
                assert sorted(r["id"] for r in walked) == sorted(f"nri-{n}" for n in numbers)
