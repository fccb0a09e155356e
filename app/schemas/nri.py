"""Response schemas for NRIs."""

from pydantic import Field

from app.models.vocabulary import NriEvidence, NriKind, NriRegion
from app.schemas.common import Conflict, Provenance, Stamped


class NriPublic(Provenance, Stamped):
    id: str = Field(description="Stable id; never changes once published.", examples=["nri-017"])
    name: str = Field(
        description="The name the initiative goes by, with its acronym.",
        examples=["Youth IGF Africa"],
    )
    kind: NriKind = Field(description="national, regional, sub-regional or youth.")
    country: str | None = Field(
        description="ISO 3166-1 alpha-2 code; null for regional initiatives.", examples=["KE"]
    )
    region: NriRegion = Field(
        description="UN regional group for national initiatives, the named region otherwise."
    )
    established_year: int | None = Field(description="Null where no source gives it.")
    recognised_year: int | None = Field(description="Year of IGF recognition, where stated.")
    website: str | None = Field(description="The initiative's own site; null if none is known.")
    evidence: NriEvidence = Field(
        description="How strongly the sources show the initiative: igf_secretariat_page (seen "
        "on an intgovforum.org page), recognition_stated_elsewhere (another page says the IGF "
        "recognises it), existence_reported (exists or met; IGF recognition not confirmed)."
    )
    notes: str | None = Field(description="Curator's remarks on the record and its sources.")
    conflicts: list[Conflict] = Field(description="Fields on which the sources disagree.")
