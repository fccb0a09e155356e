"""Response schemas for organisations."""

from pydantic import BaseModel, Field

from app.schemas.common import Conflict, Provenance, Stamped


class OrganisationPublic(Provenance, Stamped):
    id: str = Field(description="Stable id; never changes once published.", examples=["org-009"])
    short_name: str = Field(examples=["RIPE NCC"])
    full_name: str = Field(examples=["Réseaux IP Européens Network Coordination Centre"])
    kind: str = Field(examples=["regional internet registry"])
    founded_year: int | None = Field(description="Null where no source confirms it.")
    headquarters: str | None
    service_region: str | None
    website: str | None
    role_in_fact_sheet: str = Field(description="Why the fact sheet names it (curator wording).")
    notes: str | None
    conflicts: list[Conflict]


class OrganisationRef(BaseModel):
    id: str = Field(examples=["org-017"])
    short_name: str = Field(examples=["UNGA"])
