"""The IGF's National, Regional, Sub-regional and Youth Initiatives (NRIs)."""

from typing import Any

from sqlmodel import Field, Index

from app.models.base import Timestamps, json_list, text


class Nri(Timestamps, table=True):
    __tablename__ = "nri"
    # One index per sort, ending in the id that breaks ties: a page at any depth is one
    # range scan (app.paging keeps its keyset predicates on these plain columns).
    __table_args__ = (
        Index("ix_nri_name", "name", "id"),
        Index("ix_nri_established_year", "established_year", "id"),
        Index("ix_nri_country", "country", "id"),
        # Kind and region are the filters people combine ("youth initiatives in Africa"):
        # counted from the index alone, however many NRIs there are.
        Index("ix_nri_kind", "kind", "region"),
    )

    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=20)
    country: str | None = Field(default=None, max_length=2)
    region: str = Field(max_length=60, index=True)
    established_year: int | None = None
    recognised_year: int | None = None
    website: str | None = text(nullable=True)
    source_url: str = text()
    other_sources: list[str] = json_list()
    evidence: str = Field(max_length=40, index=True)
    notes: str | None = text(nullable=True)
    conflicts: list[dict[str, Any]] = json_list()
