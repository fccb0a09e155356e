"""Response schemas for milestones."""

from pydantic import Field

from app.models.vocabulary import DatePrecision, MilestoneKind, MilestoneStatus
from app.schemas.common import Conflict, Provenance, Stamped
from app.schemas.organisation import OrganisationRef


class MilestonePublic(Provenance, Stamped):
    id: str = Field(description="Stable id; never changes once published.", examples=["ms-019"])
    title: str = Field(
        description="What happened, in a line.",
        examples=["UNGA adopts WSIS+20 review modalities (resolution 79/277)"],
    )
    kind: MilestoneKind = Field(description="What kind of event it is.")
    start_date: str = Field(
        description="ISO 8601 date, only as precise as the sources: YYYY-MM-DD, YYYY-MM or YYYY.",
        examples=["2025-03-27"],
    )
    end_date: str | None = Field(description="Last day for multi-day events, else null.")
    date_precision: DatePrecision = Field(
        description="How precise start_date and end_date are: day, month or year."
    )
    status: MilestoneStatus = Field(
        description="past, ongoing or upcoming, computed from the dates and today's UTC date."
    )
    location: str | None = Field(description="Where it took place; null if not held anywhere.")
    resolution: str | None = Field(description="UN document symbol, if any.")
    organisations: list[OrganisationRef] = Field(
        description="Organisations held as records (see /v1/organisations)."
    )
    unlinked_organisations: list[str] = Field(
        description="Bodies the source names that are not held as organisation records."
    )
    in_fact_sheet: bool = Field(description="Whether the fact sheet itself mentions it.")
    notes: str | None = Field(description="Curator's remarks on the record and its sources.")
    conflicts: list[Conflict] = Field(description="Fields on which the sources disagree.")
