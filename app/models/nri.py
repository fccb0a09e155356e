"""The IGF's National, Regional, Sub-regional and Youth Initiatives (NRIs)."""

from typing import Any

from sqlmodel import Field

from app.models.base import Timestamps, json_list, text


class Nri(Timestamps, table=True):
    __tablename__ = "nri"

    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=200, index=True)
    kind: str = Field(max_length=20, index=True)
    country: str | None = Field(default=None, max_length=2, index=True)
    region: str = Field(max_length=60, index=True)
    established_year: int | None = Field(default=None, index=True)
    recognised_year: int | None = None
    website: str | None = text(nullable=True)
    source_url: str = text()
    other_sources: list[str] = json_list()
    evidence: str = Field(max_length=40, index=True)
    notes: str | None = text(nullable=True)
    conflicts: list[dict[str, Any]] = json_list()
