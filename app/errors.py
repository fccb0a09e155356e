"""One error shape for the whole API: RFC 9457 problem details (application/problem+json)."""

import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from app.redaction import redact

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("app.errors")


class InvalidParam(BaseModel):
    name: str = Field(description="The parameter (or body field) at fault.", examples=["limit"])
    location: str = Field(
        alias="in",
        description="Where it was sent: query, path, header or body.",
        examples=["query"],
    )
    reason: str = Field(
        description="What is wrong with it.", examples=["Input should be less than or equal to 200"]
    )

    model_config = {"populate_by_name": True}


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(
        description="A URI reference naming the kind of problem; GET it for an explanation.",
        examples=["/problems/invalid-parameter"],
    )
    title: str = Field(
        description="Short name of the problem type; the same for every problem of its type.",
        examples=["Invalid parameter"],
    )
    status: int = Field(description="The HTTP status code of the response.", examples=[400])
    detail: str = Field(
        description="What went wrong with this request, for a person to read.",
        examples=["The query parameter 'limit' is invalid."],
    )
    instance: str = Field(
        description="The request path (and query) that produced the problem.",
        examples=["/v1/nris?limit=500"],
    )
    errors: list[InvalidParam] | None = Field(
        default=None, description="For invalid input: each offending parameter and why."
    )


class AppError(Exception):
    status_code = 500
    code = "internal-error"
    title = "Internal server error"

    def __init__(
        self,
        detail: str,
        errors: Sequence[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors) if errors else None
        self.headers = headers or {}


class BadRequest(AppError):
    status_code, code, title = 400, "invalid-parameter", "Invalid parameter"

    @classmethod
    def for_param(cls, name: str, reason: str, location: str = "query") -> "BadRequest":
        return cls(
            f"The {location} parameter {name!r} is invalid: {reason}",
            [{"name": name, "in": location, "reason": reason}],
        )


class NotFound(AppError):
    status_code, code, title = 404, "not-found", "Not found"


class NotAcceptable(AppError):
    status_code, code, title = 406, "not-acceptable", "Not acceptable"


class ServiceUnavailable(AppError):
    status_code, code, title = 503, "unavailable", "Service unavailable"


class InvalidBody(AppError):
    status_code, code, title = 400, "invalid-body", "Invalid body"


class Unauthorized(AppError):
    status_code, code, title = 401, "unauthorized", "Unauthorized"


class Forbidden(AppError):
    status_code, code, title = 403, "forbidden", "Forbidden"


class Conflict(AppError):
    status_code, code, title = 409, "conflict", "Conflict"


class PreconditionFailed(AppError):
    status_code, code, title = 412, "precondition-failed", "Precondition failed"


class UnsupportedMediaType(AppError):
    status_code, code, title = 415, "unsupported-media-type", "Unsupported media type"


class InvalidRecord(AppError):
    status_code, code, title = 422, "invalid-record", "Invalid record"


class IdempotencyKeyReused(AppError):
    status_code, code, title = 422, "idempotency-key-reused", "Idempotency key reused"


class PreconditionRequired(AppError):
    status_code, code, title = 428, "precondition-required", "Precondition required"


# Every problem type the API emits, with the text served at /problems/{code}.
PROBLEM_TYPES: dict[str, tuple[str, str]] = {
    "invalid-parameter": (
        "Invalid parameter",
        "A query or path parameter is malformed, out of range, or not known to the operation. "
        "The `errors` list names each one and why. Fix the request; retrying it unchanged fails.",
    ),
    "not-found": (
        "Not found",
        "No resource exists at this path, or no record has this id. Record ids never change "
        "once published, so a 404 for a known id means the record was removed from the data.",
    ),
    "method-not-allowed": (
        "Method not allowed",
        "The resource exists but does not support this HTTP method; the Allow header lists "
        "the methods it does support. Writes are only accepted on a collection (POST) and on "
        "a record (PUT, PATCH, DELETE).",
    ),
    "not-acceptable": (
        "Not acceptable",
        "The resource cannot be represented in any media type the Accept header allows.",
    ),
    "unavailable": (
        "Service unavailable",
        "The service cannot answer right now: the database is unreachable or not migrated, "
        "or this server is already answering as many requests as it takes at once, or as "
        "many from this client as it takes from one. Retry later; when a Retry-After header "
        "is present, wait that many seconds first.",
    ),
    "internal-error": (
        "Internal server error",
        "The server failed unexpectedly. Nothing was changed. The failure is logged; retrying "
        "may succeed.",
    ),
    "invalid-body": (
        "Invalid body",
        "The request body is not a JSON document (or not a JSON object where one is "
        "expected), or is not UTF-8. Nothing was changed.",
    ),
    "unauthorized": (
        "Unauthorized",
        "Writes need an editor's token, sent as `Authorization: Bearer <token>`. The token "
        "is missing, malformed, unknown, expired or revoked. Reads need no token.",
    ),
    "forbidden": (
        "Forbidden",
        "The token is valid but its scope does not cover this collection (a write token "
        "names the collections it may change), or this operation needs an admin token.",
    ),
    "conflict": (
        "Conflict",
        "A record with this id exists already. Change it with PUT or PATCH instead, or "
        "choose another id.",
    ),
    "precondition-failed": (
        "Precondition failed",
        "The record changed since you read it: the If-Match header does not hold its current "
        "ETag, which this response carries in its ETag header. GET the record again, apply "
        "your change to what it holds now, and retry with the new ETag. Nothing was changed.",
    ),
    "unsupported-media-type": (
        "Unsupported media type",
        "The body must be sent as `application/json` (POST, PUT) or "
        "`application/merge-patch+json` (PATCH, RFC 7396). Nothing was changed.",
    ),
    "invalid-record": (
        "Invalid record",
        "The record breaks the data's rules: the same rules `factsheet check-seed` applies to "
        "seed.json (field types, vocabularies, ISO codes, end dates after start dates, links to "
        "records that exist). The `errors` list names every field at fault. Nothing was "
        "changed.",
    ),
    "idempotency-key-reused": (
        "Idempotency key reused",
        "This Idempotency-Key was used before, with another request (another path or body). "
        "Use a new key for a new request; a retry of the same request gets the first answer.",
    ),
    "precondition-required": (
        "Precondition required",
        "Changing or deleting a record needs an If-Match header with the ETag you last read "
        "for it, so that no one's change is lost. GET the record, then send its ETag.",
    ),
    "http-error": ("HTTP error", "The request could not be served; see the status and detail."),
    "too-many-requests": (
        "Too many requests",
        "This client used up its request budget (see the RateLimit-Limit, RateLimit-Remaining "
        "and RateLimit-Reset headers). Wait the seconds given in Retry-After, then retry. "
        "A 304 for a page the server already holds costs nothing: revalidate with "
        "If-None-Match.",
    ),
    "uri-too-long": (
        "URI too long",
        "The query string is longer than this API accepts. Repeat fewer filter values, or "
        "split the request in several.",
    ),
    "payload-too-large": (
        "Content too large",
        "The request body is larger than this API accepts. Nothing was read or changed.",
    ),
    "headers-too-large": (
        "Request header fields too large",
        "The request line and headers together are larger than this API accepts. Send fewer "
        "or shorter headers (cookies are never needed).",
    ),
    "request-timeout": (
        "Request timeout",
        "The request body did not arrive in time, so the request was dropped unread. Retry; "
        "nothing was changed.",
    ),
}


def _instance(request: Request) -> str:
    query = request.url.query
    return redact(request.url.path + (f"?{query}" if query else ""))


def problem_response(
    request: Request,
    status: int,
    code: str,
    title: str,
    detail: str,
    errors: Sequence[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    instance: str | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": f"/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": _instance(request) if instance is None else instance,
    }
    if errors:
        body["errors"] = list(errors)
    all_headers = {"Cache-Control": "no-store"}
    if status == 404 and request.method in ("GET", "HEAD"):
        # A missing record may appear after a reseed; let caches keep the answer briefly.
        all_headers["Cache-Control"] = "public, max-age=60"
    all_headers.update(headers or {})
    # Imported here: the pages import the collections, which import this module.
    from app.api.html import problem_page, wants_page

    if wants_page(request):
        return problem_page(body, status, headers or {})
    return Response(
        orjson.dumps(body), status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=all_headers
    )


async def app_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    return problem_response(
        request, exc.status_code, exc.code, exc.title, exc.detail, exc.errors, exc.headers
    )


def _validation_reason(error: dict[str, Any]) -> str:
    message = str(error.get("msg", "is invalid"))
    if error.get("type") == "missing":
        return "is required"
    return message


async def validation_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = []
    for error in exc.errors():
        loc = [str(part) for part in error.get("loc", ())]
        location = loc[0] if loc else "query"
        # A query, path or header error names the parameter itself, not `kind.0` (the first
        # of its repeated values); only a body field needs the path to it.
        name = ".".join(loc[1:] if location == "body" else loc[1:2]) or location
        errors.append({"name": name, "in": location, "reason": _validation_reason(error)})
    names = ", ".join(sorted({e["name"] for e in errors}))
    return problem_response(
        request,
        400,
        "invalid-parameter",
        "Invalid parameter",
        f"Invalid value for: {names}.",
        errors,
    )


async def http_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    headers = dict(exc.headers or {})
    if status == 404:
        return problem_response(
            request,
            404,
            "not-found",
            "Not found",
            f"No resource at {request.url.path}.",
            headers=headers,
        )
    if status == 405:
        # Imported here: the routes import this module.
        from app.allowed_methods import allowed_methods

        headers = {k: v for k, v in headers.items() if k.lower() != "allow"}
        headers["Allow"] = allowed_methods(request.app, request.url.path)
        return problem_response(
            request,
            405,
            "method-not-allowed",
            "Method not allowed",
            f"{request.method} is not supported on {request.url.path}.",
            headers=headers,
        )
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    detail = exc.detail if isinstance(exc.detail, str) else phrase
    return problem_response(request, status, "http-error", phrase, detail, headers=headers)


def internal_error_response(request: Request) -> Response:
    """The 500 problem: nothing about the failure itself leaves the server."""
    return problem_response(
        request,
        500,
        "internal-error",
        "Internal server error",
        "The server failed to answer this request. The failure has been logged.",
    )


# Seconds a client is asked to wait when the database is away: about what a restart or a
# failover takes, and long enough that retries do not pile onto a server coming back.
DATABASE_RETRY_AFTER = 5
# What a database that is down, unreachable, too slow or not migrated raises (the pool's
# TimeoutError included): the request may well succeed later, so these are 503s, not 500s.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout)


def database_unavailable_response(request: Request) -> Response:
    return problem_response(
        request,
        503,
        "unavailable",
        "Service unavailable",
        f"The database did not answer in time, or is not ready. Retry in {DATABASE_RETRY_AFTER} s.",
        headers={"Retry-After": str(DATABASE_RETRY_AFTER)},
    )


# PostgreSQL's query_canceled: the statement timeout stopped one slow statement, and the
# database itself still answers.
STATEMENT_CANCELLED = "57014"


async def database_error_handler(request: Request, exc: Exception) -> Response:
    # One line, not a traceback: an outage fails many requests the same way.
    driver_error = getattr(exc, "orig", None)
    reason = str(driver_error or exc).splitlines()[0]
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path, reason)
    watcher = getattr(request.app.state, "revision_watcher", None)
    # A statement cancelled for its time, or a write that waited too long for SQLite's one
    # writer, says the database is busy, not away: reads go on as before.
    busy = getattr(driver_error, "sqlstate", None) == STATEMENT_CANCELLED or (
        "database is locked" in reason
    )
    if watcher is not None and not busy:
        watcher.database_failed(reason)  # see app.response_cache: the next misses are 503s
    return database_unavailable_response(request)


async def unhandled_error_handler(request: Request, exc: Exception) -> Response:
    log.exception("Unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return internal_error_response(request)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, app_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    for error in DATABASE_UNAVAILABLE:
        app.add_exception_handler(error, database_error_handler)
    app.add_exception_handler(Exception, unhandled_error_handler)


# What each problem status means, as the OpenAPI document words it: routes declare theirs
# with problem_responses, app.openapi_layers the ones the middleware answers.
PROBLEM_DESCRIPTIONS = {
    400: "Invalid input: a parameter is malformed, out of range or unknown.",
    401: "No valid editor token: missing, malformed, unknown, expired or revoked. The "
    "WWW-Authenticate header names the Bearer scheme.",
    403: "The token's scope does not cover this collection or operation.",
    404: "No record with this id, or no such path.",
    406: "The requested representation is not available.",
    409: "A record with this id exists already.",
    412: "If-Match does not hold the record's current ETag (sent in this response's ETag "
    "header): the record changed since it was read. Nothing was changed.",
    408: "The request body did not arrive within FACTSHEET_BODY_TIMEOUT seconds.",
    413: "The request body is larger than the API accepts (FACTSHEET_MAX_BODY_BYTES).",
    415: "The body's Content-Type is not one the operation takes.",
    422: "The record breaks the data's rules (every field at fault is in `errors`), or the "
    "Idempotency-Key was used with another request.",
    428: "If-Match is required: send the ETag the record was read with.",
    414: "The query string is longer than the API accepts (FACTSHEET_MAX_QUERY_BYTES).",
    429: "Too many requests from this client; retry after the seconds in Retry-After.",
    431: "The request line and headers are larger than the API accepts "
    "(FACTSHEET_MAX_HEADER_BYTES).",
    500: "Unexpected server failure (no details are exposed).",
    503: "The database is unreachable or not migrated, or the server is at its concurrency "
    "limit (FACTSHEET_LIMIT_CONCURRENCY), or this client at its share of it "
    "(FACTSHEET_LIMIT_CONCURRENCY_PER_CLIENT); retry later, after Retry-After seconds when "
    "given.",
}


# A browser asking for a page (Accept ranks text/html first, or a `.html` URL) gets the
# problem as a page for people (app.api.html.problem_page).
PROBLEM_PAGE = {"text/html": {"schema": {"type": "string"}}}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries declaring problem+json bodies for the given statuses."""
    return {
        status: {
            "description": PROBLEM_DESCRIPTIONS.get(status, HTTPStatus(status).phrase),
            "model": Problem,
            "content": {PROBLEM_MEDIA_TYPE: {}, **PROBLEM_PAGE},
        }
        for status in statuses
    }
