"""Response schemas for milestones."""

from pydantic import Field

from app.models.vocabulary import DatePrecision, MilestoneKind, MilestoneStatus
from app.schemas.common import Conflict, Provenance, Stamped
from app.schemas.organisation import OrganisationRef


class MilestonePublic(Provenance, Stamped):
    id: str = Field(description="Stable id; never changes once published.", examples=["ms-019"])
    title: str = Field(examples=["UNGA adopts WSIS+20 review modalities (resolution 79/277)"])
    kind: MilestoneKind
    start_date: str = Field(
        description="ISO 8601 date, only as precise as the sources: YYYY-MM-DD, YYYY-MM or YYYY.",
        examples=["2025-03-27"],
    )
    end_date: str | None = Field(description="Last day for multi-day events, else null.")
    date_precision: DatePrecision
    status: MilestoneStatus = Field(
        description="past, ongoing or upcoming, computed from the dates and today's UTC date."
    )
    location: str | None
    resolution: str | None = Field(description="UN document symbol, if any.")
    organisations: list[OrganisationRef] = Field(
        description="Organisations held as records (see /v1/organisations)."
    )
    unlinked_organisations: list[str] = Field(
        description="Bodies the source names that are not held as organisation records."
    )
    in_fact_sheet: bool = Field(description="Whether the fact sheet itself mentions it.")
    notes: str | None
    conflicts: list[Conflict]
