"""The requests whose answers are recorded as golden responses (see tests/golden/record.py).

Most are derived from the app's OpenAPI document, so an operation added to or dropped from it
changes the set of exchanges and tests/test_golden.py fails until the goldens are re-recorded
(`python -m tests.golden.record`, only for a change an issue asks for). The rest are fixed: the
README's examples, errors, conditional requests and other methods."""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from tests.test_readme_examples import readme_examples

Direction = Literal["next", "prev"]

SUFFIXES = (".csv", ".atom", ".rss", ".feed.json", ".ics", ".json")
PROBLEM_CODES = (
    "invalid-parameter",
    "not-found",
    "method-not-allowed",
    "not-acceptable",
    "unavailable",
    "internal-error",
    "http-error",
    "too-many-requests",
    "uri-too-long",
    "payload-too-large",
    "headers-too-large",
    "request-timeout",
)
SEARCH_QUERY = "q=Internet"


@dataclass(frozen=True)
class Exchange:
    """One request to record. `follow` takes the target from `links.next` or `links.prev` of
    an earlier exchange's recorded body; `revalidate` first GETs the target and then sends
    the request with If-None-Match set to the ETag it got."""

    name: str
    target: str = ""
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    follow: tuple[str, Direction] | None = None
    revalidate: bool = False


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-")


def _resolve(document: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in item:
        node: Any = document
        for part in item["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        item = node
    return item


@dataclass(frozen=True)
class Operation:
    path: str
    target: str
    params: dict[str, dict[str, Any]]
    media_types: list[str]
    statuses: list[str]

    @property
    def suffixed(self) -> bool:
        return self.path.endswith(SUFFIXES)

    @property
    def json_list(self) -> bool:
        # A record's revisions hold one entry after a seed: no second page to follow
        # (tests/api/test_writes.py pages through them after edits).
        if self.path.endswith("/revisions"):
            return False
        return "limit" in self.params and "application/json" in self.media_types


def operations(document: dict[str, Any]) -> list[Operation]:
    """Every GET operation, with its path parameters filled in from the document's examples."""
    found = []
    for path, methods in document["paths"].items():
        operation = methods.get("get")
        if operation is None:
            continue
        params = [_resolve(document, p) for p in operation.get("parameters", [])]
        target = path
        for param in params:
            if param["in"] == "path":
                example = param["schema"]["examples"][0]
                target = target.replace("{" + param["name"] + "}", str(example))
        ok = _resolve(document, operation["responses"].get("200", {}))
        found.append(
            Operation(
                path=path,
                target=target,
                params={p["name"]: p for p in params if p["in"] == "query"},
                media_types=list(ok.get("content", {})),
                statuses=list(operation["responses"]),
            )
        )
    return found


def _choices(schema: dict[str, Any]) -> list[str]:
    match = re.match(r"\^\(\?:([^)]*)\)", schema["pattern"])
    assert match, f"no alternatives in {schema['pattern']!r}"
    return match.group(1).split("|")


def _unknown_target(document: dict[str, Any], path: str) -> str | None:
    """`path` with its one path parameter set to a well-formed value no record has."""
    names = re.findall(r"\{([^}]+)\}", path)
    if len(names) != 1:
        return None
    operation = document["paths"][path]["get"]
    (param,) = [
        p
        for p in (_resolve(document, p) for p in operation.get("parameters", []))
        if p["in"] == "path"
    ]
    schema = param["schema"]
    if schema.get("type") == "integer":
        value = str(schema.get("maximum", 999))
    elif schema.get("pattern", "").startswith("^C"):
        value = "C99"
    else:
        value = "no-such-record"
    return path.replace("{" + names[0] + "}", value)


def _list_query(operation: Operation, extra: str) -> str:
    base = SEARCH_QUERY if "q" in operation.params and "search" in operation.path else ""
    return f"{operation.target}?{'&'.join(q for q in (base, extra) if q)}"


def from_openapi(document: dict[str, Any]) -> Iterable[Exchange]:
    for operation in operations(document):
        target = _list_query(operation, "") if operation.path == "/v1/search" else operation.target
        yield Exchange(f"op--{slug(target)}", target)
        if len(operation.media_types) > 1 and not operation.suffixed:
            for media_type in operation.media_types:
                yield Exchange(
                    f"accept--{slug(target)}--{slug(media_type)}",
                    target,
                    headers={"Accept": media_type},
                )
        if operation.json_list and not operation.suffixed:
            first = f"page--{slug(operation.target)}--limit-2"
            yield Exchange(first, _list_query(operation, "limit=2"))
            yield Exchange(f"{first}--next", follow=(first, "next"))
            yield Exchange(f"{first}--next--prev", follow=(f"{first}--next", "prev"))
            if "facets" in operation.params:
                facets = ",".join(_choices(operation.params["facets"]["schema"]))
                yield Exchange(
                    f"facets--{slug(operation.target)}", _list_query(operation, f"facets={facets}")
                )
            if "fields" in operation.params:
                fields = operation.params["fields"]["schema"]["examples"][0]
                yield Exchange(
                    f"fields--{slug(operation.target)}", _list_query(operation, f"fields={fields}")
                )
        if "404" in operation.statuses and not operation.suffixed:
            unknown = _unknown_target(document, operation.path)
            if unknown is not None:
                yield Exchange(f"404--{slug(unknown)}", unknown)


FIXED = [
    Exchange("summary--v1-nris-summary-kind-youth", "/v1/nris/summary?kind=youth"),
    Exchange(
        "summary--v1-milestones-summary-status-upcoming", "/v1/milestones/summary?status=upcoming"
    ),
    Exchange("search--v1-search-q-ICANN", "/v1/search?q=ICANN"),
    Exchange("search--v1-search-q-regional-registry", "/v1/search?q=regional%20registry"),
    Exchange("search--v1-search-q-empty", "/v1/search?q="),
    Exchange("400--bad-filter-value-nris-kind", "/v1/nris?kind=martian"),
    Exchange("400--bad-filter-value-milestones-from", "/v1/milestones?from=not-a-date"),
    Exchange("400--bad-limit", "/v1/nris?limit=500"),
    Exchange("400--bad-cursor", "/v1/nris?cursor=forged"),
    Exchange("400--unknown-query-parameter", "/v1/nris?colour=red"),
    Exchange("400--unknown-host", "/v1", headers={"Host": "evil.example"}),
    Exchange("404--no-such-page", "/no-such-page"),
    Exchange("405--post-v1-nris-nri-017", "/v1/nris/nri-017", method="POST"),
    # A write without a token: refused before anything about the record is looked up.
    Exchange("401--patch-v1-nris-nri-017", "/v1/nris/nri-017", method="PATCH"),
    Exchange("406--v1-nris-image-png", "/v1/nris", headers={"Accept": "image/png"}),
    Exchange("406--v1-nris-nri-017-image-png", "/v1/nris/nri-017", headers={"Accept": "image/png"}),
    Exchange("304--v1-nris-nri-017", "/v1/nris/nri-017", revalidate=True),
    Exchange("304--v1-nris-limit-2", "/v1/nris?limit=2", revalidate=True),
    Exchange("304--v1-milestones.ics", "/v1/milestones.ics", revalidate=True),
    Exchange("head--v1-nris", "/v1/nris", method="HEAD"),
    Exchange("head--v1-milestones.csv", "/v1/milestones.csv", method="HEAD"),
    Exchange(
        "options--preflight-v1-nris",
        "/v1/nris",
        method="OPTIONS",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET"},
    ),
    Exchange("meta--openapi.json", "/openapi.json"),
    Exchange("meta--docs", "/docs"),
    Exchange("meta--healthz", "/healthz"),
    *(Exchange(f"problem--{code}", f"/problems/{code}") for code in PROBLEM_CODES),
]


def from_readme() -> Iterable[Exchange]:
    for example in readme_examples():
        name = f"readme--{example.method.lower()}-{slug(example.target)}"
        if example.headers:
            name += "--" + slug("-".join(f"{k}-{v}" for k, v in example.headers.items()))
        yield Exchange(name, example.target, example.method, dict(example.headers))


def exchanges(document: dict[str, Any]) -> list[Exchange]:
    """Every exchange, in recording order (a followed link comes after what it follows), for
    the app whose OpenAPI document is `document`."""
    found: dict[str, Exchange] = {}
    for exchange in [*from_openapi(document), *FIXED, *from_readme()]:
        if exchange.name in found:
            assert found[exchange.name] == exchange, f"two exchanges named {exchange.name}"
            continue
        found[exchange.name] = exchange
    return list(found.values())
