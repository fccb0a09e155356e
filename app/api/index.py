"""GET /v1: what the API holds and where to find it."""

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from app import __version__
from app.db import SessionDep
from app.errors import problem_responses
from app.http_cache import cached_json
from app.services import dataset as service


class CollectionLink(BaseModel):
    name: str = Field(description="The collection's name in URLs.", examples=["nris"])
    href: str = Field(description="Its list (relative URL).", examples=["/v1/nris"])
    count: int = Field(description="Records held.", examples=[175])


class DataVersion(BaseModel):
    title: str = Field(description="The data set's name.")
    version: str = Field(description="Date of the reference data.", examples=["2026-12-04"])
    curated_on: dt.date = Field(
        description="The day the data was last curated (the date of the reference data). "
        "`status=upcoming` and the upcoming feed are relative to today's UTC date, so they "
        "empty as time passes unless the data is curated again.",
        examples=["2026-12-04"],
    )
    description: str = Field(description="What the data holds.")
    revision: int = Field(description="Goes up by one with every change to the data.")
    changed_at: dt.datetime = Field(description="When the data last changed (UTC).")
    notes: list[str] = Field(description="What is known to be missing or uncertain in the data.")


class ApiIndex(BaseModel):
    api_version: str = Field(description="The version of this API's code.", examples=[__version__])
    data: DataVersion | None = Field(description="Null until data has been loaded.")
    collections: list[CollectionLink] = Field(description="Every collection, with its list.")
    fact_sheet: str = Field(description="The fact sheet itself.", examples=["/v1/fact-sheet"])
    openapi: str = Field(description="This OpenAPI document.", examples=["/openapi.json"])
    docs: str = Field(description="Interactive documentation.", examples=["/docs"])


router = APIRouter(tags=["meta"])


@router.get(
    "/v1",
    response_model=ApiIndex,
    responses=problem_responses(400, 500),
    summary="API index",
)
def get_index(request: Request, session: SessionDep) -> Response:
    """Every collection with its link and record count, and the version of the data."""
    return cached_json(request, index_payload(session))


def index_payload(session: SessionDep) -> dict[str, Any]:
    counts = service.collection_counts(session)
    return {
        "api_version": __version__,
        "data": service.dataset_info(session),
        "collections": [
            {"name": name, "href": f"/v1/{name}", "count": count} for name, count in counts.items()
        ],
        "fact_sheet": "/v1/fact-sheet",
        "openapi": "/openapi.json",
        "docs": "/docs",
    }
