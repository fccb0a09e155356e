"""All routes: the data under /v1, probes and problem types at the root."""

from fastapi import APIRouter, Depends

from app.api import (
    action_lines,
    changes,
    fact_sheet,
    facts,
    feeds,
    health,
    index,
    milestones,
    nris,
    organisation_milestones,
    organisations,
    problems,
)
from app.api.formats import require_acceptable
from app.api.params import reject_unknown_params
from app.api.search import router as search_router

v1 = APIRouter(prefix="/v1")
for module in (fact_sheet, milestones, organisations, nris, action_lines, facts):
    v1.include_router(module.router)
v1.include_router(search_router)
for module in (organisation_milestones, changes, feeds):
    v1.include_router(module.router)

api_router = APIRouter(dependencies=[Depends(reject_unknown_params), Depends(require_acceptable)])
api_router.include_router(index.router)
api_router.include_router(v1)
api_router.include_router(health.router)
api_router.include_router(problems.router)
