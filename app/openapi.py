"""Finishing touches on the generated OpenAPI document."""

from itertools import groupby
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from app.api.formats import document_formats
from app.api.params import FIELDS_PATTERN, MAX_VALUES
from app.countries import ISO_3166_1_ALPHA_2
from app.errors import PROBLEM_MEDIA_TYPE, PROBLEM_PAGE
from app.openapi_clients import document_clients
from app.openapi_examples import document_examples
from app.openapi_layers import document_layers
from app.openapi_writes import document_write_examples, document_writes


def _problem_content(responses: dict[str, Any]) -> None:
    """Error bodies are problem+json, not application/json (or a page, for a browser); say so
    in the document."""
    for status, response in responses.items():
        if not status.startswith(("4", "5")):
            continue
        content = response.get("content", {})
        schema = content.get("application/json", {}).get("schema") or content.get(
            PROBLEM_MEDIA_TYPE, {}
        ).get("schema")
        if schema is not None:
            response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": schema}, **PROBLEM_PAGE}


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
        "Shared caches may keep the response, serve it stale while they revalidate it, and "
        "while the API fails (RFC 5861).",
        "public, max-age=300, stale-while-revalidate=60, stale-if-error=3600",
    ),
    "Vary": _header("The request headers the response depends on.", "Accept, Accept-Encoding"),
}
LINK_HEADER = _header(
    "RFC 8288 links: the same self, next and prev URLs as the body's `links`.",
    '</v1/nris?kind=youth&limit=5>; rel="self", </v1/nris?cursor=...&kind=youth&limit=5>; '
    'rel="next"',
)
NO_STORE_HEADER = {
    "description": "Probes and metrics describe this moment; nothing may store them.",
    "required": True,
    "schema": {"const": "no-store"},
}
DISPOSITION_HEADER = _header(
    "On CSV and iCalendar bodies: the file name to save them under.",
    'inline; filename="nris.csv"',
)
FILE_MEDIA_TYPES = frozenset({"text/csv", "text/calendar"})
NOT_MODIFIED = {
    "description": "Not modified: the If-None-Match or If-Modified-Since condition matched. "
    "No body.",
    "headers": CACHE_HEADERS,
}
CACHED_PREFIXES = ("/v1", "/problems")  # and the landing page, "/"


def _document_caching(path: str, operation: dict[str, Any]) -> None:
    """Successful GETs carry validators and freshness, and answer 304 to conditions."""
    responses = operation.get("responses", {})
    ok = responses.get("200")
    if ok is None:
        return
    if path != "/" and not path.startswith(CACHED_PREFIXES):
        ok["headers"] = {"Cache-Control": NO_STORE_HEADER}
        return
    schema = ok.get("content", {}).get("application/json", {}).get("schema", {})
    headers = dict(CACHE_HEADERS)
    if schema.get("$ref", "").endswith("Page"):
        headers["Link"] = LINK_HEADER
    if FILE_MEDIA_TYPES & set(ok.get("content", {})):
        headers["Content-Disposition"] = DISPOSITION_HEADER
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


def _replace_pattern(schema: Any, old: str, new: str) -> None:
    """Swap one `pattern` for another wherever it occurs in a parameter's schema."""
    if isinstance(schema, dict):
        if schema.get("pattern") == old:
            schema["pattern"] = new
        for value in schema.values():
            _replace_pattern(value, old, new)
    elif isinstance(schema, list):
        for value in schema:
            _replace_pattern(value, old, new)


def _query_parameter(operation: dict[str, Any], name: str) -> dict[str, Any] | None:
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "query" and parameter.get("name") == name:
            found: dict[str, Any] = parameter
            return found
    return None


def _document_field_names(operation: dict[str, Any], schemas: dict[str, Any]) -> None:
    """`fields` takes only the names of the list's record fields; the shared parameter only
    knows their alphabet, so spell the names out per list (a client, or a fuzzer, that
    follows the document then never gets a 400 for a well-formed request)."""
    parameter = _query_parameter(operation, "fields")
    ok = operation.get("responses", {}).get("200", {})
    ref = ok.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref", "")
    page = schemas.get(ref.rsplit("/", 1)[-1], {})
    record_ref = page.get("properties", {}).get("data", {}).get("items", {}).get("$ref", "")
    record = schemas.get(record_ref.rsplit("/", 1)[-1], {})
    names = list(record.get("properties", {}))
    if parameter is None or not names:
        return
    name = "|".join(names)
    _replace_pattern(parameter["schema"], FIELDS_PATTERN, f"^(?:{name})(?:,(?:{name}))*$")
    parameter["schema"]["examples"] = [",".join(names[:3])]


def country_code_pattern(codes: frozenset[str] = ISO_3166_1_ALPHA_2) -> str:
    """A regular expression matching exactly the given alpha-2 codes, in any letter case
    (the API upper-cases them), grouped by first letter to stay short."""
    groups = []
    for first, members in groupby(sorted(codes), key=lambda code: code[0]):
        seconds = "".join(f"{c[1]}{c[1].lower()}" for c in members)
        groups.append(f"[{first}{first.lower()}][{seconds}]")
    return f"^(?:{'|'.join(groups)})$"


def _document_country_codes(operation: dict[str, Any]) -> None:
    """Two letters are not enough: only assigned ISO 3166-1 codes are accepted."""
    parameter = _query_parameter(operation, "country")
    if parameter is not None:
        _replace_pattern(parameter["schema"], TWO_LETTERS_PATTERN, country_code_pattern())


TWO_LETTERS_PATTERN = "^[A-Za-z]{2}$"  # app.collections.nris.nri_filters


def _document_value_counts(operation: dict[str, Any]) -> None:
    """A filter given more than MAX_VALUES times is refused (params.check_value_count)."""
    for parameter in operation.get("parameters", []):
        if parameter.get("in") != "query":
            continue
        schema = parameter.get("schema", {})
        for branch in [schema, *schema.get("anyOf", [])]:
            if branch.get("type") == "array":
                branch.setdefault("maxItems", MAX_VALUES)


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
        schemas = document.get("components", {}).get("schemas", {})
        for path, path_item in document.get("paths", {}).items():
            for method, operation in path_item.items():
                _problem_content(operation.get("responses", {}))
                if method == "get":
                    _document_caching(path, operation)
                _document_field_names(operation, schemas)
                _document_country_codes(operation)
                _document_value_counts(operation)
                # FastAPI adds a 422 we never send: validation failures are 400 problems.
                # (A write's own 422, an invalid record, stays.)
                responses = operation.get("responses", {})
                if "HTTPValidationError" in str(responses.get("422", {})):
                    responses.pop("422")
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        _document_sparse_records(schemas)
        document_formats(document)
        document_writes(document)
        document_layers(document)
        document_clients(document)
        document_examples(document)
        document_write_examples(document)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
