"""What the layers in front of the routes add to every operation, stated in the document.

FastAPI documents what a route returns; it cannot know what the middleware answers before
any route runs, or which headers it adds on the way out. Those are the same for every
operation, so they are declared here once, from the layers' own constants:

* statuses: 406 (app.api.formats) on every operation without a format suffix; 408, 413, 414
  and 431 (app.limits); 503 (app.concurrency, and the database); and 429 (app.rate_limit)
  wherever the limiter applies;
* headers on every response: X-Request-ID (app.observability), the security and CORS headers
  (app.security), and, wherever the limiter applies, the RateLimit headers; Retry-After on
  429 and, when the cap is the cause, on 503.

Headers are declared once under components/headers, and the responses most operations share
once under components/responses; operations reference them, which keeps a document of fifty
operations from repeating them hundreds of times.
"""

from collections import Counter
from typing import Any

import orjson

from app.api.formats import SUFFIXES
from app.errors import PROBLEM_DESCRIPTIONS, PROBLEM_MEDIA_TYPE, PROBLEM_PAGE
from app.observability import REQUEST_ID
from app.rate_limit import EXEMPT_PATHS
from app.security import API_CSP, CORS_EXPOSED


def _header(description: str, schema: dict[str, Any], required: bool) -> dict[str, Any]:
    return {"description": description, "required": required, "schema": schema}


HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-ID": _header(
        "This request's id: the client's own X-Request-ID when it is well-formed, else a new "
        "one. It is in the access log line for the request; quote it when reporting a problem.",
        {"type": "string", "pattern": f"^{REQUEST_ID.pattern}$"},
        True,
    ),
    "X-Content-Type-Options": _header(
        "Browsers must not guess another media type.", {"const": "nosniff"}, True
    ),
    "Referrer-Policy": _header(
        "Links followed from a response send no Referer.", {"const": "no-referrer"}, True
    ),
    "X-Frame-Options": _header(
        "No page may frame a response (old browsers; new ones read frame-ancestors).",
        {"const": "DENY"},
        True,
    ),
    "Content-Security-Policy": _header(
        "API responses are data, never a document to render: nothing may load from them.",
        {"type": "string", "examples": [API_CSP]},
        True,
    ),
    "Access-Control-Allow-Origin": _header(
        "CORS: any origin may read the API (it uses no credentials).", {"const": "*"}, True
    ),
    "Access-Control-Expose-Headers": _header(
        "CORS: the response headers a page on another origin may read.",
        {"type": "string", "examples": [CORS_EXPOSED]},
        True,
    ),
    "RateLimit-Limit": _header(
        "Requests this client may make in a burst (its bucket size). Present while rate "
        "limiting is on (FACTSHEET_RATE_LIMIT_ENABLED) and its store answers.",
        {"type": "integer", "minimum": 1},
        False,
    ),
    "RateLimit-Remaining": _header(
        "Requests this client may still make at once, this one counted (a 304 costs none).",
        {"type": "integer", "minimum": 0},
        False,
    ),
    "RateLimit-Reset": _header(
        "Seconds until this client's bucket is full again.",
        {"type": "integer", "minimum": 0},
        False,
    ),
    "RateLimit-Policy": _header(
        "The quota: bucket size, then `w=` the seconds an empty bucket takes to refill.",
        {"type": "string", "pattern": "^[0-9]+;w=[0-9]+$", "examples": ["120;w=60"]},
        False,
    ),
    "Problem-Cache-Control": _header(
        "Problems are not stored, except a 404, which caches may keep for a minute (the "
        "record may appear with the next data release).",
        {"enum": ["no-store", "public, max-age=60"]},
        True,
    ),
    "Problem-Vary": _header(
        "Sent with a problem shown as a page (for a browser): the answer depends on Accept.",
        {"const": "Accept"},
        False,
    ),
    "Retry-After": _header(
        "Seconds to wait before retrying.", {"type": "integer", "minimum": 0}, True
    ),
    "Retry-After-When-Given": _header(
        "Seconds to wait before retrying; sent when the server is at its concurrency limit "
        "(1) or the database is away (5).",
        {"type": "integer", "minimum": 0},
        False,
    ),
}
EVERY_RESPONSE = (
    "X-Request-ID",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "X-Frame-Options",
    "Content-Security-Policy",
    "Access-Control-Allow-Origin",
    "Access-Control-Expose-Headers",
)
RATE_LIMITED = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy")
# Answered by app.limits, outside the rate limiter: these carry no RateLimit headers.
BEFORE_THE_LIMITER = frozenset({"408", "413", "414", "431"})


def _ref(component: str) -> dict[str, str]:
    return {"$ref": f"#/components/headers/{component}"}


def _problem(status: int) -> dict[str, Any]:
    return {
        "description": PROBLEM_DESCRIPTIONS[status],
        "content": {
            PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}},
            **PROBLEM_PAGE,
        },
    }


LAYER_STATUSES = {str(status): _problem(status) for status in (406, 408, 413, 414, 431, 503, 429)}


def _statuses(path: str, responses: dict[str, Any]) -> None:
    limited = path not in EXEMPT_PATHS
    for status, response in LAYER_STATUSES.items():
        # Every operation without a format suffix negotiates Accept the same way
        # (app.api.formats.require_acceptable); a suffix names its format itself.
        if status == "406" and path.endswith(SUFFIXES):
            continue
        # Probes and scrapes are neither rate limited nor shed; a probe may still say 503.
        if limited or status in BEFORE_THE_LIMITER or status == "406":
            responses.setdefault(status, response)


def _headers(path: str, status: str) -> dict[str, Any]:
    """Response header name -> reference to its declaration, for one path and status."""
    headers = {name: _ref(name) for name in EVERY_RESPONSE}
    if path not in EXEMPT_PATHS and status not in BEFORE_THE_LIMITER:
        headers.update({name: _ref(name) for name in RATE_LIMITED})
    if status.startswith(("4", "5")):
        headers["Cache-Control"] = _ref("Problem-Cache-Control")
        headers["Vary"] = _ref("Problem-Vary")
    if status == "429":
        headers["Retry-After"] = _ref("Retry-After")
    elif status == "503":
        headers["Retry-After"] = _ref("Retry-After-When-Given")
    return headers


# Names under components/responses for the answers most operations share word for word.
SHARED_RESPONSES = {
    "304": "NotModified",
    "400": "BadRequest",
    "404": "NotFound",
    "406": "NotAcceptable",
    "408": "RequestTimeout",
    "413": "ContentTooLarge",
    "414": "URITooLong",
    "431": "RequestHeaderFieldsTooLarge",
    "429": "TooManyRequests",
    "500": "InternalServerError",
    "503": "ServiceUnavailable",
}


def _share_responses(document: dict[str, Any]) -> None:
    """Each shared status's most common declaration becomes one component that operations
    reference; an operation that says something else for that status keeps its own."""
    responses_of = [
        operation["responses"]
        for path_item in document.get("paths", {}).values()
        for operation in path_item.values()
    ]
    components = document["components"].setdefault("responses", {})
    for status, name in SHARED_RESPONSES.items():
        # Each declaration serialised once: the key to count it by and to compare it with.
        declared = [
            (responses, orjson.dumps(responses[status], option=orjson.OPT_SORT_KEYS))
            for responses in responses_of
            if status in responses
        ]
        if not declared:
            continue
        common, _ = Counter(key for _, key in declared).most_common(1)[0]
        components[name] = orjson.loads(common)
        for responses, key in declared:
            if key == common:
                responses[status] = {"$ref": f"#/components/responses/{name}"}


def document_layers(document: dict[str, Any]) -> None:
    document.setdefault("components", {}).setdefault("headers", {}).update(HEADERS)
    for path, path_item in document.get("paths", {}).items():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            _statuses(path, responses)
            for status, response in list(responses.items()):
                # A copy: some response objects are shared between operations.
                responses[status] = {
                    **response,
                    "headers": {**response.get("headers", {}), **_headers(path, status)},
                }
    _share_responses(document)
