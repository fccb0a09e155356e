"""The OpenAPI document tells the truth: every operation is named, described and declares
its problem responses, and what the API actually sends validates against what it declares."""

import copy
import datetime as dt
import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

PROBLEM = "application/problem+json"
PROBLEM_CONTENT = {
    PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}},
    # The problem as a page, for a browser.
    "text/html": {"schema": {"type": "string"}},
}
DOCUMENT_URI = "urn:factsheet:openapi"
CONSTRAINTS = {"enum", "const", "pattern", "minimum", "maximum", "minLength", "maxLength"}

Operation = tuple[str, str, dict[str, Any]]


@pytest.fixture
def document(client: TestClient) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def operations(document: dict[str, Any]) -> list[Operation]:
    found = [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]
    # A check over every operation must not pass because there are none.
    assert len(found) >= 40, f"the document lists only {len(found)} operations"
    return found


def resolve(document: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    """A schema, response or header object, with its local `$ref`s followed."""
    while "$ref" in item:
        target: Any = document
        for part in item["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        item = target
    return item


def responses_of(document: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
    """An operation's responses, each shared one (a $ref to components/responses) resolved."""
    return {status: resolve(document, r) for status, r in operation["responses"].items()}


def parameters_of(document: dict[str, Any], operation: dict[str, Any]) -> list[dict[str, Any]]:
    """An operation's parameters, each shared one (a $ref to components/parameters) resolved."""
    return [resolve(document, p) for p in operation.get("parameters", [])]


def format_checker() -> FormatChecker:
    """jsonschema checks `date-time` only with an optional package; check it here."""
    checker = FormatChecker()

    @checker.checks("date-time", raises=ValueError)
    def is_date_time(value: object) -> bool:
        if not isinstance(value, str):
            return True
        parsed = dt.datetime.fromisoformat(value)
        return "T" in value and parsed.tzinfo is not None

    return checker


def closed(schema: Any) -> Any:
    """A copy in which no object may carry a property its schema does not name."""
    if isinstance(schema, dict):
        result = {key: closed(value) for key, value in schema.items()}
        if "properties" in schema and "additionalProperties" not in schema:
            result["additionalProperties"] = False
        return result
    if isinstance(schema, list):
        return [closed(value) for value in schema]
    return schema


def pointer(*parts: str) -> str:
    return "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def validate(document: dict[str, Any], path: str, response: Response) -> None:
    """The response validates against the schema the document declares for its path,
    status and media type; $refs resolve inside the document."""
    operation = document["paths"][path]["get"]
    declared = responses_of(document, operation).get(str(response.status_code))
    assert declared is not None, f"GET {path} answered {response.status_code}, not declared"
    media_type = response.headers["content-type"].split(";")[0]
    assert media_type in declared["content"], (path, response.status_code, media_type)
    if not is_json(media_type):
        # CSV, XML feeds and calendars are documented as text; their own tests parse them.
        assert declared["content"][media_type]["schema"] == {"type": "string"}, path
        assert response.content, path
        return
    registry: Registry[Any] = Registry().with_resource(
        DOCUMENT_URI, Resource.from_contents(document, default_specification=DRAFT202012)
    )
    shared = operation["responses"][str(response.status_code)].get("$ref", "#/")[2:]
    declared_at = shared or pointer("paths", path, "get", "responses", str(response.status_code))
    location = f"{declared_at}/{pointer('content', media_type)}"
    validator = Draft202012Validator(
        {"$ref": f"{DOCUMENT_URI}#/{location}/schema"},
        registry=registry,
        format_checker=format_checker(),
    )
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(response.json())
    ]
    assert errors == [], f"GET {response.request.url} does not match its schema"


def is_json(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")


def is_json_list(operation: dict[str, Any]) -> bool:
    """A list in the data/links/meta envelope (its other formats have routes of their own)."""
    ok = operation["responses"].get("200", {}).get("content", {})
    ref: str = ok.get("application/json", {}).get("schema", {}).get("$ref", "")
    return ref.endswith("Page")


def example_url(document: dict[str, Any], path: str) -> str:
    """The path with each path parameter filled in from the document's own example."""
    url = path
    item = document["paths"][path]
    # Every operation of a path shares its path parameters; a write-only path has no GET.
    for parameter in parameters_of(document, item.get("get") or next(iter(item.values()))):
        if parameter["in"] != "path":
            continue
        examples = parameter.get("examples") or parameter["schema"].get("examples")
        assert examples, f"path parameter {parameter['name']} of {path} has no example"
        url = url.replace("{" + parameter["name"] + "}", str(examples[0]))
    return url


def test_document_is_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1.")
    assert document["info"]["title"] and document["info"]["description"]


def test_operation_ids_are_unique_and_name_the_route_that_serves_them(
    app: FastAPI, document: dict[str, Any]
) -> None:
    """Generated routes (app.api.collection_routes) get their ids from their declaration:
    each operationId is the name of the route at its path."""
    ids = [op["operationId"] for _, _, op in operations(document)]
    assert len(set(ids)) == len(ids)
    for path, method, operation in operations(document):
        names = re.findall(r"{(\w+)}", path)
        filled = re.sub(r"{(\w+)}", r"\1-value", path)
        found = app.url_path_for(operation["operationId"], **{n: f"{n}-value" for n in names})
        assert found == filled, f"{method} {path}"


def test_every_operation_has_a_summary_and_a_description(document: dict[str, Any]) -> None:
    for path, method, operation in operations(document):
        assert operation.get("summary"), (method, path)
        assert len(operation.get("description", "")) > 20, (method, path)


def test_every_operation_declares_its_problem_responses(document: dict[str, Any]) -> None:
    for path, method, operation in operations(document):
        responses = responses_of(document, operation)
        wanted = {"500"}
        if operation.get("parameters"):
            wanted.add("400")
        if "{" in path:
            wanted.add("404")
        for status in sorted(wanted):
            assert status in responses, f"{method} {path} does not declare {status}"
        for status, response in responses.items():
            if status.startswith(("4", "5")):
                assert response["content"] == PROBLEM_CONTENT, (method, path, status)
                assert response["description"], (method, path, status)
        if method == "get":  # a write answers 422 for a record that breaks the rules
            assert "422" not in responses


def test_every_operation_that_rejects_unknown_parameters_declares_400(
    client: TestClient, document: dict[str, Any], seeded: dict[str, Any]
) -> None:
    """Unknown query parameters are refused everywhere, so even an operation without
    parameters can answer 400; the document has to say so."""
    refused = []
    for path, method, operation in operations(document):
        response = client.request(method, example_url(document, path), params={"knd": "x"})
        assert response.status_code == 400, f"{method} {path} accepted an unknown parameter"
        assert "400" in operation["responses"], f"{method} {path} answers 400 undeclared"
        refused.append(path)
    assert {"/v1", "/v1/nris", "/v1/nris/{nri_id}", "/healthz"} <= set(refused)


def described(schema: dict[str, Any]) -> bool:
    if CONSTRAINTS & set(schema):
        return True
    nested = [*schema.get("anyOf", []), *schema.get("oneOf", [])]
    if "items" in schema:
        nested.append(schema["items"])
    return any(described(s) for s in nested)


def test_every_parameter_has_a_description_or_constraints(document: dict[str, Any]) -> None:
    for path, method, operation in operations(document):
        for parameter in parameters_of(document, operation):
            ok = parameter.get("description") or described(parameter["schema"])
            assert ok, f"{method} {path}: parameter {parameter['name']} is unexplained"


def test_every_list_declares_the_data_links_meta_envelope(document: dict[str, Any]) -> None:
    lists = [(path, op) for path, _, op in operations(document) if is_json_list(op)]
    assert {op["operationId"] for _, op in lists} >= {
        "list_calls_to_action",
        "list_milestones",
        "list_organisations",
        "list_organisation_milestones",
        "list_nris",
        "list_action_lines",
        "list_facts",
        "list_changes",
    }
    for path, operation in lists:
        content = operation["responses"]["200"]["content"]["application/json"]
        page = resolve(document, content["schema"])
        assert set(page["required"]) == {"data", "links", "meta"}, path
        assert page["properties"]["data"]["type"] == "array", path
        links = resolve(document, page["properties"]["links"])
        meta = resolve(document, page["properties"]["meta"])
        assert set(links["required"]) == {"self", "next", "prev"}, path
        assert {"total", "limit", "sort"} <= set(meta["required"]), path


def test_every_get_response_validates_against_its_declared_schema(
    client: TestClient, document: dict[str, Any], seeded: dict[str, Any]
) -> None:
    checked = 0
    for path, method, operation in operations(document):
        if method != "get":
            continue  # writes: tests/api/test_writes.py, each exchange held to the contract
        url = example_url(document, path)
        variants = [url]
        if is_json_list(operation):
            # Pages of one: `next` is a string on the first, `prev` on the second.
            second = client.get(url, params={"limit": 1}).json()["links"]["next"]
            variants = [url, f"{url}?limit=1", *([second] if second else [])]
        for variant in variants:
            response = client.get(variant)
            if path != "/readyz":  # 503 on an unmigrated in-memory database is fine
                assert response.status_code == 200, (variant, response.text[:300])
            validate(document, path, response)
            checked += 1
        if "{" in path:
            missing = path.split("{")[0] + ("99" if "calls-to-action" in path else "zz-none")
            validate(document, path, client.get(missing + path.split("}")[1]))
        validate(document, path, client.get(url, params={"knd": "x"}))
    assert checked >= 24


def test_responses_carry_no_property_the_document_does_not_declare(
    client: TestClient, document: dict[str, Any], seeded: dict[str, Any]
) -> None:
    strict = closed(copy.deepcopy(document))
    for path, method, _ in operations(document):
        if method != "get":
            continue  # writes: held to the document by the contract check of their tests
        response = client.get(example_url(document, path))
        validate(strict, path, response)


def test_the_document_is_compressed_for_clients_that_accept_it_and_revalidated(
    client: TestClient,
) -> None:
    plain = client.get("/openapi.json", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    for coding in ("gzip", "br"):
        packed = client.get("/openapi.json", headers={"Accept-Encoding": coding})
        assert packed.headers["content-encoding"] == coding
        assert packed.json() == plain.json()  # httpx decoded it
        assert packed.headers["etag"] != plain.headers["etag"]
        assert packed.headers["vary"] == "Accept-Encoding"
        again = client.get(
            "/openapi.json",
            headers={"Accept-Encoding": coding, "If-None-Match": packed.headers["etag"]},
        )
        assert (again.status_code, again.content) == (304, b"")
    assert plain.headers["cache-control"] == "no-cache"
    assert plain.headers["content-type"] == "application/json"


def test_docs_page_is_html(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "/openapi.json" in response.text


@pytest.mark.parametrize(
    ("path", "url"),
    [
        ("/v1/nris", "/v1/nris?fields=name,country"),
        ("/v1/action-lines", "/v1/action-lines?fields=title"),
        ("/v1/milestones", "/v1/milestones?fields=title,status,organisations"),
    ],
)
def test_sparse_records_validate_against_the_document(
    client: TestClient, document: dict[str, Any], seeded: dict[str, Any], path: str, url: str
) -> None:
    response = client.get(url)
    assert response.status_code == 200
    validate(document, path, response)


def test_a_304_and_the_cache_headers_are_declared_for_cacheable_gets(
    document: dict[str, Any],
) -> None:
    for path, item in document["paths"].items():
        if "get" not in item:
            continue  # a write-only path (restore): its answers are never stored
        responses = item["get"]["responses"]
        if path != "/" and not path.startswith(("/v1", "/problems")):
            assert "304" not in responses, path
            continue
        assert "304" in responses, path
        assert {"ETag", "Last-Modified", "Cache-Control", "Vary"} <= set(
            responses["200"]["headers"]
        ), path
        assert ("Link" in responses["200"]["headers"]) == is_json_list(item["get"]), path
