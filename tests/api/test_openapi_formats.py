"""What the OpenAPI document says about formats: a negotiated operation declares every media
type the Accept header can pick, a suffix operation its one format and the same parameter
schemas as the list it renders, and JSON Feed is one shared schema."""

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.test_openapi import parameters_of, resolve

TEXT = {"type": "string"}
JSON_FEED = {"$ref": "#/components/schemas/JsonFeed"}
# What every GET declares besides its own problems (caching, limits, load shedding).
COMMON = {"304", "408", "413", "414", "429", "431", "503"}


@pytest.fixture
def document(client: TestClient) -> dict[str, Any]:
    body: dict[str, Any] = client.get("/openapi.json").json()
    return body


def schemas_of(content: dict[str, Any]) -> dict[str, Any]:
    return {media_type: entry["schema"] for media_type, entry in content.items()}


def test_a_negotiated_list_declares_every_format_it_answers_in(
    document: dict[str, Any],
) -> None:
    responses = document["paths"]["/v1/milestones"]["get"]["responses"]
    assert schemas_of(responses["200"]["content"]) == {
        "application/json": {"$ref": "#/components/schemas/MilestonePage"},
        "text/csv": TEXT,
        "application/atom+xml": TEXT,
        "application/rss+xml": TEXT,
        "application/feed+json": JSON_FEED,
        "text/calendar": TEXT,
        "text/html": TEXT,
    }
    assert responses["200"]["description"].startswith(
        "The resource as application/json, text/csv, application/atom+xml, "
        "application/rss+xml, application/feed+json, text/calendar, text/html, as the Accept "
        "header asks"
    )
    assert set(responses) == {"200", "400", "406", "500"} | COMMON


def test_a_feed_without_json_declares_its_own_formats_only(document: dict[str, Any]) -> None:
    responses = document["paths"]["/v1/feeds/recent"]["get"]["responses"]
    assert schemas_of(responses["200"]["content"]) == {
        "application/atom+xml": TEXT,
        "application/rss+xml": TEXT,
        "application/feed+json": JSON_FEED,
    }


@pytest.mark.parametrize(
    ("path", "media_type", "schema", "problems"),
    [
        ("/v1/nris.csv", "text/csv", TEXT, {"400", "500"}),
        ("/v1/milestones.ics", "text/calendar", TEXT, {"400", "500"}),
        ("/v1/feeds/recent.feed.json", "application/feed+json", JSON_FEED, {"400", "500"}),
        (
            "/v1/organisations/{organisation_id}/milestones.csv",
            "text/csv",
            TEXT,
            {"400", "404", "500"},
        ),
    ],
)
def test_a_suffix_operation_declares_its_one_format(
    document: dict[str, Any],
    path: str,
    media_type: str,
    schema: dict[str, Any],
    problems: set[str],
) -> None:
    responses = document["paths"][path]["get"]["responses"]
    assert schemas_of(responses["200"]["content"]) == {media_type: schema}
    assert set(responses) == {"200"} | problems | COMMON


def test_the_csv_operation_describes_its_flattening(document: dict[str, Any]) -> None:
    ok = document["paths"]["/v1/nris.csv"]["get"]["responses"]["200"]
    assert ok["description"].startswith("Every matching record as CSV (RFC 4180")


def test_a_suffix_operation_takes_the_parameters_of_its_list_with_the_same_schemas(
    document: dict[str, Any],
) -> None:
    paths = document["paths"]
    checked = 0
    for path in paths:
        base, dot, _ = path.partition(".")
        if not dot or base not in paths:
            continue
        listed = {p["name"]: p["schema"] for p in parameters_of(document, paths[base]["get"])}
        own = {p["name"]: p["schema"] for p in parameters_of(document, paths[path]["get"])}
        if path.endswith(".svg"):
            # A chart of a summary takes its filters, and the one facet it draws.
            assert own.pop("facet")["$ref"].endswith("ChartFacet"), path
        assert own == listed, path
        checked += 1
    assert checked >= 20


def test_a_csv_fields_parameter_names_the_collections_own_fields(
    document: dict[str, Any],
) -> None:
    (fields,) = [
        p
        for p in parameters_of(document, document["paths"]["/v1/nris.csv"]["get"])
        if p["name"] == "fields"
    ]
    pattern = resolve(document, fields["schema"])["pattern"]
    assert re.fullmatch(pattern, "country,region")
    assert not re.fullmatch(pattern, "colour")
    assert not re.fullmatch(pattern, "title")  # a milestone's field, not an NRI's


def test_json_feed_is_one_shared_schema(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    feed = schemas["JsonFeed"]
    assert feed["required"] == ["version", "title", "items"]
    assert feed["properties"]["items"]["items"] == {"$ref": "#/components/schemas/JsonFeedItem"}
    assert schemas["JsonFeedItem"]["required"] == ["id", "content_html"]
    assert "name" in schemas["JsonFeedAuthor"]["properties"]


def test_every_tag_an_operation_uses_is_described_once(document: dict[str, Any]) -> None:
    names = [t["name"] for t in document["tags"]]
    assert len(names) == len(set(names))
    described = {t["name"] for t in document["tags"] if t.get("description")}
    used = {
        tag
        for item in document["paths"].values()
        for op in item.values()
        for tag in op.get("tags", [])
    }
    assert {"feeds", "changes", "search"} <= used
    assert used <= described
