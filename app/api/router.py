"""All routes: the data under /v1, probes and problem types at the root. A collection's
routes come from its declaration (app.collections); the rest are written out."""

from functools import cache

from fastapi import APIRouter, Depends, Request
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from app.api import docs, fact_sheet, feeds, health, home, index, metrics, problems
from app.api.collection_routes import collection_router, sub_list_router
from app.api.flat_routes import flat_copy
from app.api.formats import require_acceptable
from app.api.params import reject_unknown_params
from app.api.revision_routes import revision_router
from app.api.search import router as search_router
from app.api.write_routes import write_router
from app.collections import SUB_LISTS, route_order
from app.collections.changes import CHANGES
from app.metrics_access import require_scraper

v1 = APIRouter(prefix="/v1")
v1.include_router(fact_sheet.router)
for collection in route_order():
    v1.include_router(collection_router(collection))
    if collection.texts.detail is not None:
        v1.include_router(write_router(collection))
        v1.include_router(revision_router(collection))
v1.include_router(search_router)
for sub_list in SUB_LISTS:
    v1.include_router(sub_list_router(sub_list))
v1.include_router(collection_router(CHANGES))
v1.include_router(feeds.router)


async def check_request(request: Request) -> None:
    """The rules for every operation, in this order: its query parameters
    (params.reject_unknown_params), then its Accept header (formats.require_acceptable). One
    dependency, as FastAPI's cost is per dependency solved, not per line run."""
    await reject_unknown_params(request)
    await require_acceptable(request)


tree = APIRouter(dependencies=[Depends(check_request)])
tree.include_router(home.router)
tree.include_router(index.router)
tree.include_router(v1)
tree.include_router(health.router)
tree.include_router(problems.router)


def operation_id(route: APIRoute) -> str:
    """An operation's id is its route's name (`get_milestone`), not FastAPI's default of name,
    path and method: what code generators turn into method names."""
    return route.name


@cache
def served_routes(with_metrics: bool = True) -> tuple[BaseRoute, ...]:
    """Every route an app serves, flat: the API, /docs, and /metrics when asked for. Built
    once per process, at its first app, and handed to each app it makes
    (app.main.create_app). An *included* router is built again by FastAPI (0.165) for every
    app, on that app's first request: a type adapter per parameter and response, about 0.2 s
    before the first answer of each worker, and of each app a test makes."""
    served = APIRouter(generate_unique_id_function=operation_id)
    served.include_router(tree)
    served.include_router(docs.router)
    if with_metrics:
        served.include_router(metrics.router, dependencies=[Depends(require_scraper)])
    # `served` has no prefix or dependencies of its own: copied as it is, not included again
    # (an unprefixed include builds every route below it once more).
    return tuple(flat_copy(served).routes)
