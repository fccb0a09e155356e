"""Every collection's routes, made from its declaration: the list in each of its formats
(by Accept, and by suffix), the summary of its facets when it declares one, and a record
by its id. Each list request takes one path: FastAPI parses the query into the filters and
the ListQuery; `list_records` builds the Listing, and the format's renderer pages and
encodes it."""

from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from app.api.clock import utc_date
from app.api.format_routes import (
    REQUEST,
    SESSION,
    Docs,
    add_format_routes,
    endpoint,
    parameter,
)
from app.api.formats import HTML, JSON, RECORD_FORMATS, SVG, Format, suffix_route
from app.api.html import alternates, html_response
from app.api.list_query import ListQuery, facets_query, split_facets
from app.api.params import ListParamsDep
from app.api.renderers import RENDERERS, ListAnswer
from app.collection import Collection, SubList
from app.db import SessionDep
from app.errors import NotFound, problem_responses
from app.filters import Scope
from app.http_cache import cached_json, conditional
from app.pages import views
from app.pages.summary_charts import summary_chart
from app.schemas.facets import Summary
from app.services.listing import get_one


def scope_of(request: Request, session: SessionDep) -> Scope:
    return Scope(session, utc_date(request.app.state.clock))


def sort_values(c: Collection) -> tuple[str, ...]:
    return tuple(value for key in c.sorts for value in (key, f"-{key}"))


def list_query(c: Collection) -> Any:
    """The dependency that reads a list's page, sort and facets parameters."""
    # Built at run time from the declaration: to mypy these are values, not types.
    sort_param: Any = Annotated[
        Literal[sort_values(c)],
        Query(description=c.sort_description),
    ]
    if not c.facets:

        async def query(
            params: ListParamsDep,
            sort: sort_param = c.default_sort,
        ) -> ListQuery:
            return ListQuery(params, sort)

        return query
    facets_param: Any = Annotated[str | None, facets_query(tuple(c.facets))]

    async def faceted_query(
        params: ListParamsDep,
        sort: sort_param = c.default_sort,
        facets: facets_param = None,
    ) -> ListQuery:
        return ListQuery(params, sort, split_facets(facets))

    return faceted_query


def list_records(
    c: Collection,
    *,
    request: Request,
    session: SessionDep,
    filters: Any,
    query: ListQuery,
    fmt: Any,
    title: str | None = None,
    filename: str | None = None,
) -> Response:
    scope = scope_of(request, session)
    listing = c.listing(filters, scope)
    answer = ListAnswer(
        request, scope, c, listing, query, fmt, title or c.feed_title, filename or c.name
    )
    return RENDERERS[fmt](answer)


def find_record(c: Collection, scope: Scope, value: Any) -> dict[str, Any]:
    """One record of `c` as the API shows it, or the 404 that says there is none."""
    columns = c.extra_columns(scope)
    found = get_one(scope.session, c.table, c.id_column, value, c.shape(scope.today), columns)
    if found is None:
        raise NotFound(c.not_found(value))
    return found


def get_record(
    c: Collection, request: Request, session: SessionDep, fmt: Format, **path: Any
) -> Response:
    found = find_record(c, scope_of(request, session), path[c.id_param])
    if fmt is HTML:
        links = alternates(request, RECORD_FORMATS)
        body = views.record_page(collection=c, record=found, alternates=links)
        return html_response(request, body, c.depends_on_today)
    return cached_json(request, found, depends_on_today=c.depends_on_today)


def summarise(c: Collection, request: Request, session: SessionDep, filters: Any) -> Response:
    listing = c.listing(filters, scope_of(request, session))
    summary = listing.summary(session, c.summary_facets)
    return cached_json(request, summary, depends_on_today=c.depends_on_today)


def chart(
    c: Collection, request: Request, session: SessionDep, filters: Any, facet: str
) -> Response:
    """One facet of the summary as an SVG bar chart."""
    listing = c.listing(filters, scope_of(request, session))
    summary = listing.summary(session, [facet])
    filtered = any(value is not None for value in filters.values())
    body = summary_chart(c, facet, summary, filtered)
    return conditional(request, body, SVG.content_type, None, c.depends_on_today)


def list_params(c: Collection, without: Sequence[str] = ()) -> list[Any]:
    return [
        REQUEST,
        SESSION,
        parameter("filters", Annotated[Any, Depends(c.read_filters(without))]),
        parameter("query", Annotated[ListQuery, Depends(list_query(c))]),
    ]


def bind(function: Any, c: Collection) -> Any:
    return lambda **values: function(c, **values)


def add_list_routes(router: APIRouter, c: Collection, path: str = "") -> None:
    docs = {"negotiated": c.texts.list, **{f.name: c.format_docs(f) for f in c.formats}}
    add_format_routes(
        router,
        path,
        name=f"list_{c.name.replace('-', '_')}",
        formats=c.formats,
        handle=bind(list_records, c),
        params=list_params(c),
        docs=docs,
        response_model=c.page,
        one_statement=one_page_statement,
    )


def one_page_statement(values: Mapping[str, Any]) -> bool:
    """A JSON page is read with one statement (facets take one each)."""
    return values["fmt"] is JSON and not values["query"].facets


def add_summary_route(router: APIRouter, c: Collection, name: str) -> None:
    if c.texts.summary is None:
        return
    params = [REQUEST, SESSION, parameter("filters", Annotated[Any, Depends(c.read_filters())])]
    router.add_api_route(
        "/summary",
        endpoint(bind(summarise, c), params),
        name=f"get_{name}_summary",
        response_model=Summary,
        responses=problem_responses(400, 500),
        summary=c.texts.summary.summary,
        description=c.texts.summary.description,
    )
    facets = tuple(c.summary_facets)
    facet: Any = Annotated[
        Literal[facets],
        Query(description=f"The facet to chart: {', '.join(facets)}."),
    ]
    router.add_api_route(
        "/summary" + SVG.suffix,
        endpoint(bind(chart, c), [*params, parameter("facet", facet, facets[0])]),
        name=f"get_{name}_summary_chart",
        summary=f"Chart the {c.texts.plural} by a facet",
        description=f"How many {c.texts.plural} match the filters, counted by one facet, as an "
        "SVG bar chart with a title and a description (its numbers in words), for a dashboard "
        "to put in an `<img>`. The numbers are those of the summary.",
        **suffix_route(SVG),
    )


def add_detail_route(router: APIRouter, c: Collection, name: str) -> None:
    if c.texts.detail is None:
        return
    page = Docs(
        f"Get one {c.texts.noun} as a page",
        f"The {c.texts.noun} as a page for people: every field, its sources, its evidence "
        "and any conflict between sources.",
    )
    as_json = Docs(
        f"Get one {c.texts.noun} as JSON",
        f"The {c.texts.noun} as JSON, whatever the Accept header says: the same as its URL "
        "without the suffix answers a program.",
    )
    add_format_routes(
        router,
        f"/{{{c.id_param}}}",
        name=f"get_{name}",
        formats=RECORD_FORMATS if HTML in c.formats else (JSON,),
        handle=bind(get_record, c),
        params=[REQUEST, SESSION, parameter(c.id_param, c.id.annotation)],
        docs={"negotiated": c.texts.detail, JSON.name: as_json, HTML.name: page},
        response_model=c.public,
        problems=(400, 404, 500),
        one_statement=lambda values: True,
    )


def collection_router(c: Collection) -> APIRouter:
    router = APIRouter(prefix=c.href.removeprefix("/v1"), tags=[c.texts.tag])
    add_list_routes(router, c)
    add_summary_route(router, c, c.record_name)
    add_detail_route(router, c, c.record_name)
    return router


def sub_list_router(sub: SubList) -> APIRouter:
    parent, child = sub.parent, sub.child
    router = APIRouter(tags=[parent.texts.tag])

    def handle(
        request: Request, session: SessionDep, filters: Any, fmt: Any, **values: Any
    ) -> Response:
        parent_id = values.pop(parent.id_param)
        found = find_record(parent, scope_of(request, session), parent_id)
        return list_records(
            child,
            request=request,
            session=session,
            filters={**filters, sub.link: [parent_id]},
            fmt=fmt,
            title=sub.title(found),
            filename=f"{parent_id}-{child.name}",
            **values,
        )

    request, session, *rest = list_params(child, without=(sub.link,))
    add_format_routes(
        router,
        f"{parent.href.removeprefix('/v1')}/{{{parent.id_param}}}/{child.name}",
        name=sub.name,
        formats=child.formats,
        handle=handle,
        params=[request, session, parameter(parent.id_param, parent.id.annotation), *rest],
        docs=sub.docs,
        response_model=child.page,
        problems=(400, 404, 500),
    )
    return router
