"""The load test's request mix, discovered from the running API's /openapi.json.

For every GET operation: real ids for its path parameters (taken from the collection the
path hangs off), one unknown id, query variants read off each parameter's schema (every enum
value, bounds, examples, a cursor from a real `links.next`), requests that must fail (bad
limit, unknown parameter), every media type the 200 response declares, compressed variants,
HEAD, and conditional requests with the ETag a probe returned (304).
"""

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from bench.procs import Response

Fetch = Callable[[str, str, dict[str, str]], Response]  # (method, path, headers)
IDS_PER_OPERATION = 12  # real ids per path parameter: enough to vary, few enough to balance
UNKNOWN_ID = "zz-no-such-record"
IDENTITY_FIELDS = ("id", "code", "number")


@dataclass
class Variant:
    operation: str  # "GET /v1/nris/{nri_id}"
    method: str
    path: str  # with query string
    documented: frozenset[int]
    headers: dict[str, str] = field(default_factory=dict)
    purpose: str = "read"  # read, error, conditional, representation, head, compressed
    probed: int = 0  # the status one request before the load returned

    def request_bytes(self, host: str) -> bytes:
        lines = [f"{self.method} {self.path} HTTP/1.1", f"Host: {host}"]
        lines += [f"{name}: {value}" for name, value in self.headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _non_null(schema: dict[str, Any]) -> dict[str, Any]:
    branches = [b for b in schema.get("anyOf", [schema]) if b.get("type") != "null"]
    return branches[0] if branches else schema


def _values(parameter: dict[str, Any]) -> list[str]:
    """A few values the parameter's schema allows."""
    schema = _non_null(parameter.get("schema", {}))
    items = _non_null(schema.get("items", {})) if schema.get("type") == "array" else schema
    examples = [*items.get("examples", []), *parameter.get("schema", {}).get("examples", [])]
    if "enum" in items:
        return [str(v) for v in items["enum"][:6]]
    if examples:
        return [str(examples[0])]
    kind = items.get("type")
    if kind == "boolean":
        return ["true", "false"]
    if kind == "integer":
        low, high = items.get("minimum", 1), items.get("maximum", 10)
        return sorted({str(low), str(high), str((low + high) // 2)})
    if items.get("format") == "date":
        return ["2025-01-01"]
    if kind == "string" and "pattern" not in items:
        return ["internet"]
    return []


def _is_json(response: Response) -> bool:
    content_type = {k.lower(): v for k, v in response.headers}.get("content-type", "")
    return "json" in content_type


def _identity(record: dict[str, Any]) -> Any:
    return next((record[name] for name in IDENTITY_FIELDS if name in record), None)


def _ids(fetch: Fetch, document: dict[str, Any], template: str, name: str) -> list[str]:
    """Real values for the path parameter `name`: the identities of the collection the
    template's path hangs off, else the parameter's examples."""
    collection = template.split("{" + name + "}")[0].rstrip("/")
    ids: list[str] = []
    if collection in document["paths"]:
        response = fetch("GET", f"{collection}?limit=200", {})
        if response.status == 200 and _is_json(response):
            records = json.loads(response.body).get("data", [])
            ids = [str(_identity(r)) for r in records if _identity(r) is not None]
    if not ids:
        parameter = next(
            p
            for op in document["paths"][template].values()
            for p in op.get("parameters", [])
            if p["name"] == name and p["in"] == "path"
        )
        ids = [str(v) for v in _values(parameter)]
    step = max(1, len(ids) // IDS_PER_OPERATION)
    return ids[::step][:IDS_PER_OPERATION]


def _paths(fetch: Fetch, document: dict[str, Any], template: str) -> Iterator[tuple[str, str]]:
    """(concrete path, purpose) for each filled-in variant of the template."""
    names = [part[1:-1] for part in template.split("/") if part.startswith("{")]
    if not names:
        yield template, "read"
        return
    # One parameter in every path of this API; several would take the first id of the others.
    first, rest = names[0], names[1:]
    fixed = {n: (_ids(fetch, document, template, n) or [UNKNOWN_ID])[0] for n in rest}
    for value in _ids(fetch, document, template, first):
        yield template.format(**{first: value, **fixed}), "read"
    yield template.format(**{first: UNKNOWN_ID, **fixed}), "error"


def _query_variants(operation: dict[str, Any]) -> Iterator[tuple[dict[str, str], str]]:
    parameters = [p for p in operation.get("parameters", []) if p["in"] == "query"]
    required = {p["name"]: (_values(p) or ["x"])[0] for p in parameters if p.get("required")}
    yield dict(required), "read"
    for parameter in parameters:
        if parameter["name"] == "cursor":
            continue  # followed from a real page below
        for value in _values(parameter):
            yield {**required, parameter["name"]: value}, "read"
    names = {p["name"] for p in parameters}
    if "limit" in names:
        yield {**required, "limit": "0"}, "error"
        yield {**required, "limit": "many"}, "error"
    yield {**required, "no_such_parameter": "1"}, "error"


def discover(fetch: Fetch) -> list[Variant]:
    document = json.loads(fetch("GET", "/openapi.json", {}).body)
    variants: list[Variant] = []
    for template, item in document["paths"].items():
        operation = item.get("get")
        if operation is None:
            continue
        label = f"GET {template}"
        documented = frozenset(int(s) for s in operation["responses"] if s.isdigit())
        media_types = list(operation["responses"].get("200", {}).get("content", {}))
        for path, purpose in _paths(fetch, document, template):
            for query, query_purpose in _query_variants(operation):
                if purpose == "error" and query:
                    continue  # an unknown id once is enough
                kind = "error" if "error" in (purpose, query_purpose) else "read"
                full = f"{path}?{urlencode(query)}" if query else path
                variants.append(Variant(label, "GET", full, documented, purpose=kind))
            if purpose == "error":
                continue
            base = Variant(label, "GET", path, documented)
            variants.append(replace(base, method="HEAD", purpose="head"))
            for media_type in media_types:
                variants.append(
                    replace(base, headers={"Accept": media_type}, purpose="representation")
                )
            for coding in ("gzip", "br"):
                variants.append(
                    replace(base, headers={"Accept-Encoding": coding}, purpose="compressed")
                )
        if any(p["name"] == "cursor" for p in operation.get("parameters", [])):
            variants.extend(_cursor_variants(fetch, label, template, documented))
    return variants


def _cursor_variants(
    fetch: Fetch, label: str, template: str, documented: frozenset[int]
) -> list[Variant]:
    """Pages reached by following `links.next` (the only way to get a cursor)."""
    if "{" in template:
        return []
    found: list[Variant] = []
    link: str | None = f"{template}?limit=2"
    for _ in range(3):  # bounded walk
        if link is None:
            break
        response = fetch("GET", link, {})
        if response.status != 200 or not _is_json(response):
            break
        link = json.loads(response.body).get("links", {}).get("next")
        if link:
            found.append(Variant(label, "GET", link, documented, purpose="cursor"))
    return found


def with_conditionals(variants: list[Variant], etags: dict[int, str]) -> list[Variant]:
    """Each variant whose probe gave an ETag, again with If-None-Match (304 expected)."""
    extra = [
        replace(v, headers={**v.headers, "If-None-Match": etags[i]}, purpose="conditional")
        for i, v in enumerate(variants)
        if i in etags
    ]
    return variants + extra
