"""All routes: the data under /v1, probes and problem types at the root. A collection's
routes come from its declaration (app.collections); the rest are written out."""

from fastapi import APIRouter, Depends

from app.api import fact_sheet, feeds, health, index, problems
from app.api.collection_routes import collection_router, sub_list_router
from app.api.formats import require_acceptable
from app.api.params import reject_unknown_params
from app.api.search import router as search_router
from app.collections import ROUTE_ORDER, SUB_LISTS
from app.collections.changes import CHANGES

v1 = APIRouter(prefix="/v1")
v1.include_router(fact_sheet.router)
for collection in ROUTE_ORDER:
    v1.include_router(collection_router(collection))
v1.include_router(search_router)
for sub_list in SUB_LISTS:
    v1.include_router(sub_list_router(sub_list))
v1.include_router(collection_router(CHANGES))
v1.include_router(feeds.router)

api_router = APIRouter(dependencies=[Depends(reject_unknown_params), Depends(require_acceptable)])
api_router.include_router(index.router)
api_router.include_router(v1)
api_router.include_router(health.router)
api_router.include_router(problems.router)
