"""Facet counts: how many records of a list have each value of a field."""

from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

from app.schemas.page import PageMeta

FacetCounts = dict[str, dict[str, int]]
FACETS_DESCRIPTION = (
    "With `facets`: per field asked for, the number of matching records for each value (a "
    "missing value counts under `null`). The counts of one field add up to `total`."
)


class FacetedPageMeta(PageMeta):
    # Left out of the JSON unless asked for, never null: the document says "optional", not
    # "nullable", so generated clients get a plain mapping.
    facets: FacetCounts | SkipJsonSchema[None] = Field(
        default=None,
        description=FACETS_DESCRIPTION,
        examples=[{"kind": {"national": 115, "regional": 20, "youth": 39}}],
    )


class Summary(BaseModel):
    total: int = Field(description="Records matching the filters.", examples=[175])
    facets: FacetCounts = Field(description=FACETS_DESCRIPTION)
