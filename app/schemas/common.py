"""Pieces shared by the public (response) schemas of every resource."""

import datetime as dt

from pydantic import BaseModel, Field


class Conflict(BaseModel):
    """Sources disagree on one field; the record keeps one value and states the others."""

    field: str = Field(description="The field the sources disagree on.", examples=["start_date"])
    values: list[str] = Field(
        description="The competing values, as the sources give them.",
        examples=[["2025-03-25", "2025-03-27"]],
    )
    note: str = Field(description="Which sources say what, and which value the record uses.")


class Provenance(BaseModel):
    source_url: str = Field(description="The page the record was taken from.")
    other_sources: list[str] = Field(description="Further pages that support or add to it.")


class Stamped(BaseModel):
    created_at: dt.datetime = Field(description="When the record entered the data (UTC).")
    updated_at: dt.datetime = Field(description="When the record last changed (UTC).")
