"""Finishing touches on the generated OpenAPI document."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from app.errors import PROBLEM_MEDIA_TYPE


def _problem_content(responses: dict[str, Any]) -> None:
    """Error bodies are problem+json, not application/json; say so in the document."""
    for status, response in responses.items():
        if not status.startswith(("4", "5")):
            continue
        content = response.get("content", {})
        schema = content.get("application/json", {}).get("schema") or content.get(
            PROBLEM_MEDIA_TYPE, {}
        ).get("schema")
        if schema is not None:
            response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": schema}}


def _header(description: str, example: str) -> dict[str, Any]:
    return {"description": description, "schema": {"type": "string"}, "example": example}


CACHE_HEADERS = {
    "ETag": _header(
        "Strong validator of this representation; send it back in If-None-Match.",
        '"55cfde5d6f8ed0cd35c70109f405d6ce"',
    ),
    "Last-Modified": _header(
        "When the data behind the response last changed (for milestone status: no earlier "
        "than today's UTC midnight).",
        "Sat, 29 Nov 2026 21:41:05 GMT",
    ),
    "Cache-Control": _header(
        "Shared caches may keep the response.", "public, max-age=300, stale-while-revalidate=60"
    ),
    "Vary": _header("The request headers the response depends on.", "Accept, Accept-Encoding"),
}
LINK_HEADER = _header(
    "RFC 8288 links: the same self, next and prev URLs as the body's `links`.",
    '</v1/nris?kind=youth&limit=5>; rel="self", </v1/nris?cursor=...&kind=youth&limit=5>; '
    'rel="next"',
)
NOT_MODIFIED = {
    "description": "Not modified: the If-None-Match or If-Modified-Since condition matched. "
    "No body.",
    "headers": CACHE_HEADERS,
}
CACHED_PREFIXES = ("/v1", "/problems")


def _document_caching(path: str, operation: dict[str, Any]) -> None:
    """Successful GETs carry validators and freshness, and answer 304 to conditions."""
    responses = operation.get("responses", {})
    ok = responses.get("200")
    if not path.startswith(CACHED_PREFIXES) or ok is None:
        return
    schema = ok.get("content", {}).get("application/json", {}).get("schema", {})
    headers = dict(CACHE_HEADERS)
    if schema.get("$ref", "").endswith("Page"):
        headers["Link"] = LINK_HEADER
    ok["headers"] = headers
    responses["304"] = NOT_MODIFIED


def _document_sparse_records(schemas: dict[str, Any]) -> None:
    """With `fields`, list records hold only the fields asked for (and their id)."""
    for name, schema in list(schemas.items()):
        data = schema.get("properties", {}).get("data", {})
        ref = data.get("items", {}).get("$ref")
        if not name.endswith("Page") or not ref:
            continue
        record_name = ref.rsplit("/", 1)[-1]
        record = schemas[record_name]
        identity = next(n for n in ("id", "code", "number") if n in record["properties"])
        sparse_name = f"{record_name}Fields"
        schemas[sparse_name] = {
            **record,
            "title": sparse_name,
            "description": f"A {record_name} reduced by `fields`: only the fields asked for, "
            "and always its identity field.",
            "required": [identity],
        }
        data["items"] = {"anyOf": [{"$ref": ref}, {"$ref": f"#/components/schemas/{sparse_name}"}]}


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
        )
        for path, path_item in document.get("paths", {}).items():
            for operation in path_item.values():
                _problem_content(operation.get("responses", {}))
                _document_caching(path, operation)
                # FastAPI adds a 422 we never send: validation failures are 400 problems.
                operation.get("responses", {}).pop("422", None)
        schemas = document.get("components", {}).get("schemas", {})
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        _document_sparse_records(schemas)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
