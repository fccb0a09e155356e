"""GET /v1: what the API holds and where to find it."""

import datetime as dt

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from app import __version__
from app.db import SessionDep
from app.errors import problem_responses
from app.http_cache import cached_json
from app.services import dataset as service


class CollectionLink(BaseModel):
    name: str = Field(examples=["nris"])
    href: str = Field(examples=["/v1/nris"])
    count: int = Field(description="Records held.", examples=[174])


class DataVersion(BaseModel):
    title: str
    version: str = Field(description="Date of the reference data.", examples=["2026-11-29"])
    description: str
    revision: int = Field(description="Goes up by one with every change to the data.")
    changed_at: dt.datetime
    notes: list[str]


class ApiIndex(BaseModel):
    api_version: str = Field(examples=[__version__])
    data: DataVersion | None = Field(description="Null until data has been loaded.")
    collections: list[CollectionLink]
    fact_sheet: str = Field(examples=["/v1/fact-sheet"])
    openapi: str = Field(examples=["/openapi.json"])
    docs: str = Field(examples=["/docs"])


router = APIRouter(tags=["meta"])


@router.get(
    "/v1",
    response_model=ApiIndex,
    responses=problem_responses(400, 500),
    summary="API index",
)
def get_index(request: Request, session: SessionDep) -> Response:
    """Every collection with its link and record count, and the version of the data."""
    counts = service.collection_counts(session)
    payload = {
        "api_version": __version__,
        "data": service.dataset_info(session),
        "collections": [
            {"name": name, "href": f"/v1/{name}", "count": count} for name, count in counts.items()
        ],
        "fact_sheet": "/v1/fact-sheet",
        "openapi": "/openapi.json",
        "docs": "/docs",
    }
    return cached_json(request, payload)
