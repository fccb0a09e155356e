"""Dated events of the WSIS process, and which organisations took part in each."""

import datetime as dt
from typing import Any

from sqlmodel import Field, Index, SQLModel

from app.models.base import Timestamps, json_list, text


class Milestone(Timestamps, table=True):
    __tablename__ = "milestone"
    # One index per sort, ending in the id that breaks ties (see app.paging).
    __table_args__ = (
        Index("ix_milestone_title", "title", "id"),
        Index("ix_milestone_period_start", "period_start", "id"),
    )

    id: str = Field(primary_key=True, max_length=40)
    title: str = text()
    kind: str = Field(max_length=40, index=True)
    # As precise as the sources: YYYY, YYYY-MM or YYYY-MM-DD (see date_precision).
    start_date: str = Field(max_length=10)
    end_date: str | None = Field(default=None, max_length=10)
    date_precision: str = Field(max_length=8)
    # The first and last day the dates above can mean; filters and sorts use these.
    period_start: dt.date
    period_end: dt.date = Field(index=True)
    location: str | None = text(nullable=True)
    resolution: str | None = Field(default=None, max_length=80)
    unlinked_organisations: list[str] = json_list()
    source_url: str = text()
    other_sources: list[str] = json_list()
    in_fact_sheet: bool = Field(index=True)
    notes: str | None = text(nullable=True)
    conflicts: list[dict[str, Any]] = json_list()


class MilestoneOrganisation(SQLModel, table=True):
    __tablename__ = "milestone_organisation"

    milestone_id: str = Field(
        foreign_key="milestone.id", primary_key=True, max_length=40, ondelete="CASCADE"
    )
    organisation_id: str = Field(
        foreign_key="organisation.id", primary_key=True, max_length=40, index=True
    )
    position: int = 0
