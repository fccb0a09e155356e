"""GET /v1/search and the `q` of every list: one full-text index, the same answers on SQLite
(FTS5) and PostgreSQL (tsvector), ranked, highlighted safely, paged by cursor, and never a
500 whatever is typed."""

import copy
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from app.models import SearchDocument
from app.search.documents import sources
from app.seed import sync_seed
from tests import search_oracle

SEARCH = "/v1/search"
HIT_FIELDS = {"collection", "id", "title", "snippet", "link"}
# Seed collections by the URL name search uses; sections live inside the fact sheet.
SEED_KEYS = {
    "milestones": "milestones",
    "organisations": "organisations",
    "nris": "nris",
    "calls-to-action": "calls_to_action",
    "action-lines": "action_lines",
    "facts": "facts",
}
LISTS = {
    "milestones": ("/v1/milestones", "id"),
    "organisations": ("/v1/organisations", "id"),
    "nris": ("/v1/nris", "id"),
    "calls-to-action": ("/v1/calls-to-action", "number"),
    "action-lines": ("/v1/action-lines", "code"),
    "facts": ("/v1/facts", "id"),
}
ORACLE_QUERIES = [
    "youth initiatives in Africa",
    "Tunis",
    "RPKI",
    "internet governance",
    '"internet governance"',
    "governments",
    "INTEROPERAB",
    "a/res/80/173",
    "wsis+20",
    "e-government",
    "Lillestrøm",
    "ITU's",
    "the",
    "RIRs",
    "c7",
]


def records(data: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(collection, id, record) for everything search indexes."""
    found = [("fact-sheet", section["id"], section) for section in data["fact_sheet"]["sections"]]
    for collection, key in SEED_KEYS.items():
        id_field = sources()[collection].key
        found += [(collection, str(r[id_field]), r) for r in data[key]]
    return found


def expected_hits(data: dict[str, Any], q: str) -> set[tuple[str, str]]:
    return {(c, i) for c, i, r in records(data) if search_oracle.matches(q, c, r)}


def all_hits(client: TestClient, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every hit, following `next` links."""
    response = client.get(SEARCH, params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    body = response.json()
    hits: list[dict[str, Any]] = body["data"]
    while body["links"]["next"]:
        body = client.get(body["links"]["next"]).json()
        hits += body["data"]
    return hits


def keys(hits: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(h["collection"], h["id"]) for h in hits]


# --------------------------------------------------------------------------- what it finds


@pytest.mark.parametrize("q", ORACLE_QUERIES)
def test_search_finds_exactly_what_the_query_rules_say(
    client: TestClient, seeded: dict[str, Any], q: str
) -> None:
    found = keys(all_hits(client, {"q": q}))
    assert len(found) == len(set(found))
    assert set(found) == expected_hits(seeded, q)


def test_youth_initiatives_in_africa_finds_african_youth_nris_first(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    hits = client.get(SEARCH, params={"q": "youth initiatives in Africa", "limit": 5}).json()
    nris = {r["id"]: r for r in seeded["nris"]}
    assert len(hits["data"]) == 5
    for hit in hits["data"]:
        record = nris[hit["id"]]
        assert hit["collection"] == "nris"
        assert record["kind"] == "youth" and "Africa" in record["region"]


def test_tunis_finds_the_tunis_summit_with_a_highlighted_snippet(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    body = client.get(SEARCH, params={"q": "Tunis"}).json()
    summit = next(h for h in body["data"] if h["id"] == "ms-004")
    assert summit["collection"] == "milestones"
    assert summit["link"] == "/v1/milestones/ms-004"
    assert "<mark>Tunis</mark>" in summit["snippet"]
    assert client.get(summit["link"]).json()["title"] == summit["title"]


def test_rpki_is_found_in_the_fact_sheet_text_and_links_into_the_sheet(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    body = client.get(SEARCH, params={"q": "RPKI"}).json()
    [hit] = body["data"]
    assert hit["collection"] == "fact-sheet"
    assert hit["link"] == f"/v1/fact-sheet#{hit['id']}"
    assert "<mark>RPKI</mark>" in hit["snippet"]
    sections = client.get("/v1/fact-sheet").json()["sections"]
    assert any(s["id"] == hit["id"] and "RPKI" in s["body"] for s in sections)


def test_a_title_match_ranks_above_a_body_match(client: TestClient, seeded: dict[str, Any]) -> None:
    hits = client.get(SEARCH, params={"q": "ICANN", "limit": 200}).json()["data"]
    titled = [i for i, h in enumerate(hits) if "ICANN" in h["title"]]
    assert titled and titled[0] == 0


def test_hits_have_exactly_the_declared_fields_and_working_links(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    hits = all_hits(client, {})
    assert {h["collection"] for h in hits} == set(sources())
    for hit in hits:
        assert set(hit) == HIT_FIELDS
        path = hit["link"].split("#")[0]
        assert client.get(path).status_code == 200, hit["link"]


def test_envelope_total_links_and_link_header(client: TestClient, seeded: dict[str, Any]) -> None:
    response = client.get(SEARCH, params={"q": "internet", "limit": 3})
    body = response.json()
    assert body["meta"] == {
        "total": len(expected_hits(seeded, "internet")),
        "limit": 3,
        "sort": "relevance",
    }
    assert body["links"]["self"] == "/v1/search?limit=3&q=internet"
    assert body["links"]["prev"] is None
    assert f'<{body["links"]["next"]}>; rel="next"' in response.headers["link"]
    assert response.headers["etag"]


def test_without_q_every_document_is_a_hit(client: TestClient, seeded: dict[str, Any]) -> None:
    hits = all_hits(client, {})
    assert set(keys(hits)) == {(c, i) for c, i, _ in records(seeded)}
    assert all("<mark>" not in h["snippet"] for h in hits)


# --------------------------------------------------------------------------- filters, paging


def test_collection_filter_is_repeatable(client: TestClient, seeded: dict[str, Any]) -> None:
    everything = keys(all_hits(client, {"q": "internet"}))
    some = keys(all_hits(client, {"q": "internet", "collection": ["nris", "fact-sheet"]}))
    assert some == [k for k in everything if k[0] in ("nris", "fact-sheet")]


def test_unknown_collection_is_400(client: TestClient) -> None:
    response = client.get(SEARCH, params={"q": "x", "collection": "sections"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["name"] == "collection"


@pytest.mark.parametrize("limit", [1, 4, 7])
def test_walking_pages_returns_every_hit_once_in_rank_order(
    client: TestClient, seeded: dict[str, Any], limit: int
) -> None:
    whole = keys(all_hits(client, {"q": "internet"}))
    walked = keys(all_hits(client, {"q": "internet", "limit": limit}))
    assert walked == whole


def test_prev_returns_the_page_before(client: TestClient, seeded: dict[str, Any]) -> None:
    first = client.get(SEARCH, params={"q": "internet", "limit": 5}).json()
    second = client.get(first["links"]["next"]).json()
    back = client.get(second["links"]["prev"]).json()
    assert back["data"] == first["data"]


@pytest.mark.parametrize(
    "cursor",
    [
        "eyJzIjoibmFtZSIsImsiOlsiYSIsImIiXSwiZCI6Im5leHQifQ",  # made for sort=name
        "eyJzIjoicmVsZXZhbmNlIiwiayI6WyJ4IiwieSJdLCJkIjoibmV4dCJ9",  # key of strings
        "not-a-cursor",
    ],
)
def test_a_foreign_or_forged_cursor_is_400(client: TestClient, cursor: str) -> None:
    response = client.get(SEARCH, params={"q": "internet", "cursor": cursor})
    assert response.status_code == 400
    assert response.json()["errors"][0]["name"] == "cursor"


# --------------------------------------------------------------------------- hostile input


HOSTILE = [
    '"',
    '"unbalanced phrase',
    '""',
    "a OR b",
    "NOT internet",
    "internet AND",
    "NEAR(internet governance, 2)",
    "title:internet",
    "internet*",
    "^internet",
    "-internet",
    "(internet",
    "internet)",
    "'",
    "''",
    "it's",
    "a & b | !c <-> d:*",
    "\\",
    "%_%",
    "🙂",
    "互联网治理",
    "الإنترنت",
    "Ünïcödé",
    "e\u0301",
    "x" * 200,
    " ".join(["internet"] * 12),
    "   ",
    "*",
    ":",
    "-",
]


@pytest.mark.parametrize("q", HOSTILE)
def test_any_query_gives_results_or_a_clear_400(
    client: TestClient, seeded: dict[str, Any], q: str
) -> None:
    response = client.get(SEARCH, params={"q": q})
    assert response.status_code in (200, 400), response.text
    if response.status_code == 400:
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["name"] == "q"
    for path, _ in LISTS.values():
        listed = client.get(path, params={"q": q})
        assert listed.status_code in (200, 400), (path, listed.text)


@pytest.mark.parametrize("q", ["", "   ", "*", '""', "-:^"])
def test_a_query_without_words_is_a_400_that_says_so(client: TestClient, q: str) -> None:
    response = client.get(SEARCH, params={"q": q})
    assert response.status_code == 400
    assert response.json()["errors"][0]["name"] == "q"


def test_too_long_or_too_many_words_is_400(client: TestClient) -> None:
    assert client.get(SEARCH, params={"q": "x" * 201}).status_code == 400
    many = " ".join(f"word{i}" for i in range(13))
    response = client.get(SEARCH, params={"q": many})
    assert response.status_code == 400
    assert "at most 12" in response.json()["detail"]


def test_snippets_are_escaped_html_with_only_mark_elements(
    client: TestClient, engine: Engine, seeded: dict[str, Any]
) -> None:
    data = copy.deepcopy(seeded)
    milestone = next(m for m in data["milestones"] if m["id"] == "ms-004")
    milestone["notes"] = 'Held in <b>Tunis</b> & "Carthage" <script>alert(1)</script>'
    sync_seed(engine, data)
    hit = next(h for h in all_hits(client, {"q": "Tunis"}) if h["id"] == "ms-004")
    assert "&lt;b&gt;<mark>Tunis</mark>&lt;/b&gt; &amp; &quot;Carthage&quot;" in hit["snippet"]
    for q in ("Tunis", "script", "internet", "youth"):
        for found in all_hits(client, {"q": q}):
            tags = re.findall(r"<[^>]*>", found["snippet"])
            assert set(tags) <= {"<mark>", "</mark>"}, found
            assert found["snippet"].count("<mark>") == found["snippet"].count("</mark>")


# --------------------------------------------------------------------------- lists share it


@pytest.mark.parametrize("q", ["internet", "youth Africa", "Tunis", "govern", "c7", "2025"])
@pytest.mark.parametrize("collection", sorted(LISTS))
def test_list_q_matches_what_search_finds_in_that_collection(
    client: TestClient, seeded: dict[str, Any], q: str, collection: str
) -> None:
    path, id_field = LISTS[collection]
    listed = client.get(path, params={"q": q, "limit": 200}).json()["data"]
    found = all_hits(client, {"q": q, "collection": collection})
    assert sorted(str(r[id_field]) for r in listed) == sorted(h["id"] for h in found)


# --------------------------------------------------------------------------- kept in sync


def document_count(engine: Engine) -> int:
    table = SearchDocument.__table__  # type: ignore[attr-defined]
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_the_seed_keeps_search_in_step_with_the_records(
    client: TestClient, engine: Engine, seeded: dict[str, Any]
) -> None:
    assert document_count(engine) == len(records(seeded))
    data = copy.deepcopy(seeded)
    data["milestones"][0]["title"] = "Zanzibar conference on quokkas"
    gone = data["nris"].pop()
    report = sync_seed(engine, data)
    assert report.search_documents == 2
    assert keys(all_hits(client, {"q": "quokkas"})) == [("milestones", data["milestones"][0]["id"])]
    assert all(h["id"] != gone["id"] for h in all_hits(client, {"q": gone["name"]}))
    assert document_count(engine) == len(records(seeded)) - 1
    assert sync_seed(engine, data).search_documents == 0
