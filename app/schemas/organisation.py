"""Response schemas for organisations."""

from pydantic import BaseModel, Field

from app.schemas.common import Conflict, Provenance, Stamped


class OrganisationPublic(Provenance, Stamped):
    id: str = Field(description="Stable id; never changes once published.", examples=["org-009"])
    short_name: str = Field(
        description="The name or acronym it is known by.", examples=["RIPE NCC"]
    )
    full_name: str = Field(
        description="Its full name.", examples=["Réseaux IP Européens Network Coordination Centre"]
    )
    kind: str = Field(
        description="What kind of body it is, in the curator's words.",
        examples=["regional internet registry"],
    )
    founded_year: int | None = Field(description="Null where no source confirms it.")
    headquarters: str | None = Field(description="Where it is based; null if it has no seat.")
    service_region: str | None = Field(
        description="The region it serves, for a regional body; else null."
    )
    website: str | None = Field(description="Its own site.")
    role_in_fact_sheet: str = Field(description="Why the fact sheet names it (curator wording).")
    notes: str | None = Field(description="Curator's remarks on the record and its sources.")
    conflicts: list[Conflict] = Field(description="Fields on which the sources disagree.")


class OrganisationRef(BaseModel):
    id: str = Field(
        description="The organisation's id (see /v1/organisations).", examples=["org-017"]
    )
    short_name: str = Field(description="The name or acronym it is known by.", examples=["UNGA"])
