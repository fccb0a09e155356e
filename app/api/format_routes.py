"""One route per format, from one handler: a path answers in every format it offers by the
Accept header, and `path + suffix` answers in that format alone (`/v1/nris` and
`/v1/nris.csv`). The routes differ only in the format they pass to the handler, their
operation id and their texts, so they are made here rather than written out."""

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from app.api.formats import JSON, Format, accepting, negotiated_responses, suffix_route
from app.db import SessionDep, open_session
from app.errors import problem_responses

Handler = Callable[..., Response]
# Whether a request, by its solved parameters, reads with one statement.
OneStatement = Callable[[Mapping[str, Any]], bool]


@dataclass(frozen=True)
class Docs:
    """An operation's summary and description, as the OpenAPI document shows them."""

    summary: str
    description: str


def parameter(name: str, annotation: Any, default: Any = inspect.Parameter.empty) -> Any:
    """An endpoint parameter as FastAPI reads it from a signature."""
    kind = inspect.Parameter.KEYWORD_ONLY
    return inspect.Parameter(name, kind, annotation=annotation, default=default)


REQUEST = parameter("request", Request)
# Not solved by FastAPI: an endpoint given SESSION opens the session itself, in the thread it
# runs in. As a dependency (a sync generator) it would cost two more thread-pool round trips
# per request, one to open it and one to close it.
SESSION = parameter("session", SessionDep)


def endpoint(
    handle: Handler,
    params: Sequence[inspect.Parameter],
    one_statement: OneStatement | None = None,
    **fixed: Any,
) -> Handler:
    """A sync endpoint (it runs in the thread pool, as database work must) whose signature is
    `params`: FastAPI solves them and the handler gets them as keywords, with `fixed`. With
    SESSION among `params` (and REQUEST before it), the handler also gets a session that
    lives as long as the call: without a transaction when `one_statement(values)` says the
    handler reads with a single statement (db.open_session)."""
    solved = [p for p in params if p is not SESSION]
    if len(solved) == len(params):

        def call(**values: Any) -> Response:
            return handle(**values, **fixed)

    else:
        assert REQUEST in params, "SESSION needs REQUEST: the engine is the app's"  # nosec B101

        def call(**values: Any) -> Response:
            single = one_statement is not None and one_statement({**values, **fixed})
            with open_session(values["request"], single) as session:
                return handle(**values, session=session, **fixed)

    call.__signature__ = inspect.Signature(solved, return_annotation=Response)  # type: ignore[attr-defined]
    return call


def operation_suffix(fmt: Format) -> str:
    return fmt.suffix.replace(".", "_")


def json_docs(negotiated: Docs) -> Docs:
    """The texts of a `.json` route that has none of its own: the negotiated route's."""
    return Docs(
        f"{negotiated.summary}, as JSON",
        f"{negotiated.description}\n\nAs JSON whatever the Accept header says.",
    )


def add_format_routes(
    router: APIRouter,
    path: str,
    *,
    name: str,
    formats: Sequence[Format],
    handle: Handler,
    params: Sequence[inspect.Parameter],
    docs: Mapping[str, Docs],
    response_model: Any = None,
    problems: Sequence[int] = (400, 500),
    names: Mapping[str, str] | None = None,
    one_statement: OneStatement | None = None,
) -> None:
    """The negotiated route at `path` (docs["negotiated"]) and one route per suffix format
    (docs[format name]). `handle` gets `fmt` and every parameter of `params` as keywords.

    A path that ends in a parameter (`/v1/nris/{nri_id}`) would also match its suffixed
    paths (`nri-017.html` as the id), so there the suffix routes come first."""
    negotiated = parameter("fmt", Annotated[Format, Depends(accepting(*formats))])
    responses = negotiated_responses(*formats)
    if tuple(problems) != (400, 500):
        responses = {**responses, **problem_responses(*problems, 406)}

    def add_negotiated_route() -> None:
        extra: dict[str, Any] = {} if JSON in formats else {"response_class": Response}
        router.add_api_route(
            path,
            endpoint(handle, [*params, negotiated], one_statement),
            name=name,
            response_model=response_model,
            responses=responses,
            summary=docs["negotiated"].summary,
            description=docs["negotiated"].description,
            **extra,
        )

    def add_suffix_routes() -> None:
        for fmt in formats:
            if fmt is JSON:
                # The same model as the negotiated route: a generated client gets one type.
                kwargs: dict[str, Any] = {
                    "response_model": response_model,
                    "responses": problem_responses(*problems),
                }
            else:
                kwargs = suffix_route(fmt, *problems)
            if fmt is JSON and fmt.name not in docs:
                texts = json_docs(docs["negotiated"])
            else:
                texts = docs[fmt.name]
            router.add_api_route(
                path + fmt.suffix,
                endpoint(handle, params, one_statement, fmt=fmt),
                name=(names or {}).get(fmt.name, f"{name}{operation_suffix(fmt)}"),
                summary=texts.summary,
                description=texts.description,
                **kwargs,
            )

    if path.endswith("}"):
        add_suffix_routes()
        add_negotiated_route()
    else:
        add_negotiated_route()
        add_suffix_routes()
