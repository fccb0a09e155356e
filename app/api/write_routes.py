"""Every collection's write routes, made from its declaration: POST a record to the list,
PUT, PATCH (JSON Merge Patch, RFC 7396) and DELETE it at its URL (its revisions and their
restore: app.api.revision_routes). Each checks, in this order: the editor's token and scope
(before anything about the record, so that no one without a token learns which records
exist), the body's media type, the body, If-Match; then one transaction does the write
(app.services.edits).
"""

import datetime as dt
import inspect
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Request
from fastapi.concurrency import run_in_threadpool
from starlette.convertors import Convertor, register_url_convertor
from starlette.responses import Response

from app.api.clock import utc_date
from app.api.format_routes import REQUEST, parameter
from app.api.formats import SUFFIXES
from app.auth import Editor, require_editor
from app.collection import Collection
from app.errors import InvalidBody, PreconditionRequired, UnsupportedMediaType
from app.errors import problem_responses as problems
from app.http_cache import JSON_MEDIA_TYPE
from app.services import edits

MERGE_PATCH = "application/merge-patch+json"
RECORD_ID = "record"


class RecordIdConvertor(Convertor[str]):
    """A record's id in a write's URL: never one of the read-only resources beside the
    records (`/v1/nris/summary`, `/v1/nris/nri-017.html`), which would otherwise be taken
    for an id and answered 400 or 401 where a PUT there is a 405."""

    # Not `summary`; not ending in a format's suffix (`.html`, `.feed.json`, ...): codes
    # like `C7.e-government` keep their dots.
    regex = (
        r"(?!summary(?:$|/))"
        + r"(?![^/]*(?:"
        + "|".join(re.escape(suffix) for suffix in SUFFIXES)
        + r")(?:$|/))[^/]+"
    )

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor(RECORD_ID, RecordIdConvertor())
NO_STORE = {"Cache-Control": "no-store"}
MAX_IDEMPOTENCY_KEY = 255

IfMatch = Annotated[
    str | None,
    Header(
        description="The ETag you last read the record with (from GET, or from the answer to "
        "your last write). Required: without it the answer is 428; when the record has "
        "changed since, 412 with its current ETag.",
        examples=['"55cfde5d6f8ed0cd35c70109f405d6ce"'],
    ),
]
IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        max_length=MAX_IDEMPOTENCY_KEY,
        description="Any unique string (a UUID). A retry with the same key and the same body "
        "gets the first answer again instead of a second record, for 24 hours; the same "
        "key with another body is a 422.",
        examples=["5f0c1a8e-3d1b-4c9e-9a55-0b6f0c0d2e11"],
    ),
]


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def _json_body(request: Request, accepted: Sequence[str]) -> dict[str, Any]:
    """The body as a JSON object, or the 415 or 400 that says why not."""
    media_type = _media_type(request)
    if media_type not in accepted:
        header = "Accept-Patch" if MERGE_PATCH in accepted else "Accept-Post"
        raise UnsupportedMediaType(
            f"The body must be sent as {' or '.join(accepted)}, not "
            f"{media_type or 'without a Content-Type'}.",
            headers={header: ", ".join(accepted)},
        )
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError as exc:
        raise InvalidBody(f"The body is not a JSON document (UTF-8): {exc}.") from exc
    if not isinstance(body, dict):
        raise InvalidBody("The body must be a JSON object: one record, or a patch to one.")
    return body


def _now(request: Request) -> dt.datetime:
    now: dt.datetime = request.app.state.clock()
    return now


async def editor_of(request: Request, c: Collection) -> Editor:
    engine = request.app.state.engine
    authorization = request.headers.get("authorization")
    return await run_in_threadpool(require_editor, engine, authorization, c.name, _now(request))


def write_of(c: Collection, request: Request, editor: Editor, **values: Any) -> edits.Write:
    return edits.Write(c, editor, _now(request), utc_date(request.app.state.clock), **values)


def required_if_match(if_match: str | None, c: Collection) -> str:
    if if_match is None:
        raise PreconditionRequired(
            f"Send If-Match with the ETag you read the {c.texts.noun} with: GET it first. "
            "This way no one's change is lost."
        )
    return if_match


async def written_response(request: Request, written: edits.Written) -> Response:
    # This process's cache moves at once; every other process's within
    # FACTSHEET_CACHE_REVISION_INTERVAL seconds (app.revision).
    await request.app.state.revision_watcher.refresh()
    headers = dict(NO_STORE)
    if written.etag:
        headers["ETag"] = written.etag
    if written.location:
        headers["Location"] = written.location
    if written.replayed:
        headers["Idempotent-Replayed"] = "true"
    if written.status == 204:
        return Response(status_code=204, headers=headers)
    return Response(written.body, written.status, headers, media_type=JSON_MEDIA_TYPE)


def with_signature(handler: Callable[..., Any], params: list[Any]) -> Any:
    """The handler, with the signature FastAPI reads its parameters from."""
    handler.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    return handler


def record_write(
    c: Collection,
    service: Callable[[Any, edits.Write, dict[str, Any]], edits.Written],
    accepted: Sequence[str],
) -> Callable[..., Awaitable[Response]]:
    """The endpoint of a write with a body to a record (PUT, PATCH): token, body, If-Match,
    then the service's one transaction."""

    async def handle(request: Request, if_match: str | None = None, **path: Any) -> Response:
        editor = await editor_of(request, c)
        body = await _json_body(request, accepted)
        key, precondition = str(path[c.id_param]), required_if_match(if_match, c)
        write = write_of(c, request, editor, record_id=key, if_match=precondition)
        written = await run_in_threadpool(service, request.app.state.engine, write, body)
        return await written_response(request, written)

    return handle


def write_router(c: Collection) -> APIRouter:
    router = APIRouter(prefix=c.href.removeprefix("/v1"), tags=[c.texts.tag])
    noun, name, record = c.texts.noun, c.record_name, f"/{{{c.id_param}:{RECORD_ID}}}"
    record_id = parameter(c.id_param, c.id.annotation)
    if_match = parameter("if_match", IfMatch, None)
    common = problems(400, 401, 403, 413, 415, 422, 500, 503)

    async def create(request: Request, idempotency_key: str | None = None) -> Response:
        editor = await editor_of(request, c)
        body = await _json_body(request, (JSON_MEDIA_TYPE,))
        key = None
        if idempotency_key is not None:
            raw = await request.body()
            key = edits.Idempotency.of(idempotency_key, "POST", request.url.path, raw)
        write = write_of(c, request, editor, idempotency=key)
        written = await run_in_threadpool(
            edits.create_record, request.app.state.engine, write, body
        )
        return await written_response(request, written)

    router.add_api_route(
        "",
        with_signature(create, [REQUEST, parameter("idempotency_key", IdempotencyKeyHeader, None)]),
        methods=["POST"],
        name=f"create_{name}",
        status_code=201,
        response_model=c.public,
        responses=problems(400, 401, 403, 409, 413, 415, 422, 500, 503),
        summary=f"Add a {noun}",
        description=f"Add a {noun}, with the {c.id.label} it will have. The record is checked "
        "by the rules `factsheet check-seed` applies to seed.json; the answer is the "
        f"{noun} as GET shows it, with its ETag and its URL in Location. Needs a token "
        "whose scope covers this collection.",
    )

    replace = record_write(c, edits.replace_record, (JSON_MEDIA_TYPE,))

    router.add_api_route(
        record,
        with_signature(replace, [REQUEST, record_id, if_match]),
        methods=["PUT"],
        name=f"replace_{name}",
        response_model=c.public,
        responses={**common, **problems(404, 412, 428)},
        summary=f"Replace a {noun}",
        description=f"Replace the {noun} with the record sent (every field; the "
        f"{c.id.label} may be left out, and cannot change).",
    )

    update = record_write(c, edits.patch_record, (MERGE_PATCH, JSON_MEDIA_TYPE))

    router.add_api_route(
        record,
        with_signature(update, [REQUEST, record_id, if_match]),
        methods=["PATCH"],
        name=f"update_{name}",
        response_model=c.public,
        responses={**common, **problems(404, 412, 428)},
        summary=f"Change some fields of a {noun}",
        description="Change the fields the JSON Merge Patch (RFC 7396) names: a field "
        "given replaces the one held (a list replaces the whole list), a field left out "
        "stays as it is. Every field of a record is always present, so `null` makes a field "
        "null (unknown) where the rules allow, rather than removing it.",
    )

    async def remove(request: Request, if_match: str | None = None, **path: Any) -> Response:
        editor = await editor_of(request, c)
        write = write_of(
            c,
            request,
            editor,
            record_id=str(path[c.id_param]),
            if_match=required_if_match(if_match, c),
        )
        written = await run_in_threadpool(edits.delete_record, request.app.state.engine, write)
        return await written_response(request, written)

    router.add_api_route(
        record,
        with_signature(remove, [REQUEST, record_id, if_match]),
        methods=["DELETE"],
        name=f"delete_{name}",
        status_code=204,
        response_class=Response,
        responses={**problems(400, 401, 403, 404, 412, 422, 428, 500, 503)},
        summary=f"Delete a {noun}",
        description=f"Delete the {noun}. Refused (422) while other records link to it. "
        "Its revisions stay, and the change log keeps a tombstone.",
    )

    return router
