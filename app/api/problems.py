"""The problem types named in error bodies, so each `type` URI explains itself."""

from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from app.errors import PROBLEM_TYPES, NotFound, problem_responses
from app.http_cache import cached_json

router = APIRouter(prefix="/problems", tags=["meta"])


class ProblemType(BaseModel):
    type: str = Field(
        description="The problem type: the `type` of the problems it explains.",
        examples=["/problems/invalid-parameter"],
    )
    title: str = Field(description="Its short name, the `title` of those problems.")
    description: str = Field(description="What it means and what a client should do about it.")


@router.get(
    "/{code}",
    response_model=ProblemType,
    responses=problem_responses(400, 404, 500),
    summary="Explain a problem type",
)
def get_problem_type(
    request: Request,
    code: Annotated[str, Path(max_length=40, examples=["invalid-parameter"])],
) -> Response:
    """What an error's `type` means and what a client should do about it."""
    if code not in PROBLEM_TYPES:
        raise NotFound(f"No problem type {code!r}.")
    title, description = PROBLEM_TYPES[code]
    return cached_json(
        request, {"type": f"/problems/{code}", "title": title, "description": description}
    )
