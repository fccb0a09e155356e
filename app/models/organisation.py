"""Organisations named in the fact sheet (IETF, ICANN, PTI, the RIRs, ITU, IGF, ...)."""

from typing import Any

from sqlmodel import Field

from app.models.base import Timestamps, json_list, text


class Organisation(Timestamps, table=True):
    __tablename__ = "organisation"

    id: str = Field(primary_key=True, max_length=40)
    short_name: str = Field(max_length=120, index=True)
    full_name: str = text()
    kind: str = Field(max_length=200, index=True)
    founded_year: int | None = Field(default=None, index=True)
    headquarters: str | None = text(nullable=True)
    service_region: str | None = text(nullable=True)
    website: str | None = text(nullable=True)
    role_in_fact_sheet: str = text()
    source_url: str = text()
    other_sources: list[str] = json_list()
    notes: str | None = text(nullable=True)
    conflicts: list[dict[str, Any]] = json_list()
