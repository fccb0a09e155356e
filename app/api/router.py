"""All routes: the data under /v1, probes and problem types at the root. A collection's
routes come from its declaration (app.collections); the rest are written out."""

from fastapi import APIRouter, Depends, Request

from app.api import fact_sheet, feeds, health, home, index, problems
from app.api.collection_routes import collection_router, sub_list_router
from app.api.flat_routes import flattened
from app.api.formats import require_acceptable
from app.api.params import reject_unknown_params
from app.api.revision_routes import revision_router
from app.api.search import router as search_router
from app.api.write_routes import write_router
from app.collections import SUB_LISTS, route_order
from app.collections.changes import CHANGES

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
api_router = flattened(tree)
