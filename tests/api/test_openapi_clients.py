"""The document as code generators and validators read it (app.openapi_clients): plain
parameters, named enums, described properties, the conditional request headers, and what
linters ask of the document itself."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.test_openapi import operations, parameters_of, resolve


@pytest.fixture
def document(client: TestClient) -> dict[str, Any]:
    body: dict[str, Any] = client.get("/openapi.json").json()
    return body


def inline_enums(schema: Any, where: str) -> Iterator[str]:
    if isinstance(schema, dict):
        if "enum" in schema:
            yield where
        for key, value in schema.items():
            yield from inline_enums(value, f"{where}/{key}")
    elif isinstance(schema, list):
        for index, value in enumerate(schema):
            yield from inline_enums(value, f"{where}/{index}")


def test_no_parameter_is_nullable_and_repeatable_filters_are_arrays(
    document: dict[str, Any],
) -> None:
    """A query string cannot carry a null; `anyOf: [array, null]` hid the array."""
    for path, method, operation in operations(document):
        for parameter in parameters_of(document, operation):
            schema = parameter["schema"]
            assert "anyOf" not in schema, (method, path, parameter["name"])
    nris = parameters_of(document, document["paths"]["/v1/nris"]["get"])
    (kind,) = [p for p in nris if p["name"] == "kind"]
    assert kind["schema"]["type"] == "array"
    assert kind["schema"]["items"] == {"$ref": "#/components/schemas/NriKind"}


def test_every_enum_is_one_named_component(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    enums = {name for name, schema in schemas.items() if "enum" in schema}
    assert {"MilestoneKind", "MilestoneStatus", "NriKind", "NriRegion", "MilestonesSort"} <= enums
    found = [
        *inline_enums(document["paths"], "paths"),
        *(
            where
            for name, schema in schemas.items()
            if name not in enums
            for where in inline_enums(schema, f"schemas/{name}")
        ),
    ]
    assert found == []


def test_every_schema_property_is_described(document: dict[str, Any]) -> None:
    undescribed = [
        f"{name}.{prop}"
        for name, schema in document["components"]["schemas"].items()
        for prop, declared in schema.get("properties", {}).items()
        if not declared.get("description")
    ]
    assert undescribed == []


def test_every_operation_that_answers_304_takes_the_conditional_headers(
    document: dict[str, Any],
) -> None:
    conditional = {"If-None-Match", "If-Modified-Since"}
    for path, method, operation in operations(document):
        headers = {p["name"] for p in parameters_of(document, operation) if p["in"] == "header"}
        assert (conditional <= headers) == ("304" in operation["responses"]), (method, path)
    for name in conditional:
        assert resolve(document, {"$ref": f"#/components/parameters/{name}"})["in"] == "header"


def test_the_document_names_its_server_contact_licence_and_that_it_needs_no_credentials(
    document: dict[str, Any],
) -> None:
    assert [server["url"] for server in document["servers"]] == ["/"]
    assert document["info"]["contact"]["name"]
    assert document["info"]["license"] == {"name": "MIT", "identifier": "MIT"}
    assert document["security"] == []
    tags = {tag["name"] for tag in document["tags"]}
    used = {tag for _, _, operation in operations(document) for tag in operation["tags"]}
    assert used <= tags


def test_q_says_the_same_everywhere(document: dict[str, Any]) -> None:
    """One text for the search rules, the README's, on /v1/search and every list."""
    texts = {
        path: p["description"]
        for path, _, operation in operations(document)
        for p in parameters_of(document, operation)
        if p["name"] == "q"
    }
    assert len(texts) >= 8
    assert all("A token with punctuation inside is a phrase" in t for t in texts.values())
    assert all("Case-insensitive match" not in t for t in texts.values())
