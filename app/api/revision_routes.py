"""Every collection's history routes, made from its declaration: a record's revisions (who
changed what, when, each with its JSON Patch) and the restore of one of them, itself a write
checked like any other (app.api.write_routes)."""

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from sqlmodel import Session
from starlette.responses import Response

from app.api.format_routes import REQUEST, parameter
from app.api.write_routes import (
    RECORD_ID,
    IfMatch,
    editor_of,
    required_if_match,
    with_signature,
    write_of,
    written_response,
)
from app.collection import Collection
from app.errors import InvalidRecord
from app.errors import problem_responses as problems
from app.http_cache import JSON_MEDIA_TYPE, conditional, dumps
from app.schemas.revision import RevisionPage
from app.services import edits, revisions

# record_revision.number is an INTEGER column, 32 bits on PostgreSQL: a larger number would
# reach the database and fail there (a 500), so the parameters refuse it with a 400.
LARGEST_REVISION = 2**31 - 1
REVISION_NUMBER = Path(
    ge=1,
    le=LARGEST_REVISION,
    description="The revision's number (from the revision list).",
    examples=[1],
)


def revision_router(c: Collection) -> APIRouter:
    router = APIRouter(prefix=c.href.removeprefix("/v1"), tags=[c.texts.tag])
    noun, name, record = c.texts.noun, c.record_name, f"/{{{c.id_param}:{RECORD_ID}}}"
    record_id = parameter(c.id_param, c.id.annotation)
    if_match = parameter("if_match", IfMatch, None)

    def history(
        request: Request,
        after: int | None = None,
        limit: int = 50,
        sort: str = "number",
        actor: str | None = None,
        **path: Any,
    ) -> Response:
        key = str(path[c.id_param])
        with Session(request.app.state.engine) as session:
            found = revisions.list_revisions(
                session, c, key, after, limit, sort.startswith("-"), actor
            )
        base = f"{c.href}/{key}/revisions?"
        query = {"limit": limit, "sort": sort, **({"actor": actor} if actor else {})}

        def link(at: int | None) -> str:
            # Sorted, as every list link is: one URL per page, for caches.
            return base + urlencode(sorted({**query, **({"after": at} if at else {})}.items()))

        page = {
            "data": found.rows,
            "links": {
                "self": link(after),
                "next": link(found.rows[-1]["number"]) if found.more else None,
                "prev": link(found.prev_after) if found.prev_after is not None else None,
            },
            "meta": {"total": found.total, "limit": limit, "sort": sort},
        }
        return conditional(request, dumps(page), JSON_MEDIA_TYPE)

    router.add_api_route(
        f"{record}/revisions",
        with_signature(
            history,
            [
                REQUEST,
                record_id,
                parameter(
                    "after",
                    Annotated[
                        int | None,
                        Query(
                            ge=0,
                            le=LARGEST_REVISION,
                            description="The revisions after this "
                            "number (before it, with sort=-number): the "
                            "`next` link sets it.",
                        ),
                    ],
                    None,
                ),
                parameter(
                    "limit",
                    Annotated[int, Query(ge=1, le=200, description="Revisions per page.")],
                    50,
                ),
                parameter(
                    "sort",
                    Annotated[
                        str,
                        Query(
                            pattern="^-?number$",
                            description="`number` (oldest first) or `-number` (newest first).",
                        ),
                    ],
                    "number",
                ),
                parameter(
                    "actor",
                    Annotated[
                        str | None,
                        Query(
                            max_length=80,
                            description="Only the revisions this editor "
                            "made (`seed` for seed runs).",
                        ),
                    ],
                    None,
                ),
            ],
        ),
        methods=["GET"],
        name=f"list_{name}_revisions",
        response_model=RevisionPage,
        responses=problems(400, 404, 500, 503),
        summary=f"List a {noun}'s revisions",
        description=f"Every version of the {noun}, from the seed or an editor: who made it "
        "(`actor`), when, with which data revision, the record as it then was (`null` once "
        "deleted) and the JSON Patch (RFC 6902) from the version before. A deleted "
        f"{noun}'s revisions stay listed.",
    )

    async def restore(
        request: Request, revision: int, if_match: str | None = None, **path: Any
    ) -> Response:
        editor = await editor_of(request, c)
        key = str(path[c.id_param])
        write = write_of(c, request, editor, record_id=key, if_match=required_if_match(if_match, c))
        engine = request.app.state.engine

        def run() -> edits.Written:
            with Session(engine) as session:
                version = revisions.get_revision(session, c, key, revision)["record"]
            if version is None:
                raise InvalidRecord(
                    f"Revision {revision} deleted the {noun}: there is nothing in it to restore.",
                    [{"name": "revision", "in": "path", "reason": "is a deletion"}],
                )
            return edits.restore_record(engine, write, version)

        return await written_response(request, await run_in_threadpool(run))

    router.add_api_route(
        f"{record}/revisions/{{revision}}/restore",
        with_signature(
            restore,
            [
                REQUEST,
                record_id,
                parameter("revision", Annotated[int, REVISION_NUMBER]),
                if_match,
            ],
        ),
        methods=["POST"],
        name=f"restore_{name}_revision",
        response_model=c.public,
        responses={**problems(400, 401, 403, 404, 412, 422, 428, 500, 503)},
        summary=f"Restore a revision of a {noun}",
        description=f"Make the {noun} what it was at this revision: a new revision, by you, "
        "checked by the same rules as any write and guarded by If-Match in the same way.",
    )
    return router
