"""Response schemas for the fact sheet, its sections and calls to action."""

from pydantic import Field

from app.schemas.common import Stamped


class SectionPublic(Stamped):
    id: str = Field(
        description="Stable id, made from the heading; the sheet's fragment for it.",
        examples=["what-is-wsis-20"],
    )
    position: int = Field(description="Order in the fact sheet, from 1.")
    heading: str = Field(description="As the fact sheet words it.", examples=["What is WSIS+20?"])
    level: int = Field(description="1 for a section, 2 for a subsection.")
    parent_id: str | None = Field(description="The section a subsection belongs to, else null.")
    body: str = Field(
        description="The text as the fact sheet has it; paragraphs split by a blank line."
    )
    footnotes: list[str] = Field(description="The section's footnotes, as the fact sheet has them.")


class CallToActionPublic(Stamped):
    number: int = Field(description="1 to 7, as numbered in the fact sheet.", examples=[2])
    title: str = Field(
        description="As the fact sheet words it.",
        examples=["Recognise the role of Internet coordination structures like the IETF"],
    )
    body: str = Field(description="As the fact sheet words it.")
    short_title: str = Field(description="Curator's paraphrase.")
    summary: str = Field(description="Curator's paraphrase.")
    source: str = Field(description="Citation of the fact sheet it comes from.")


class FactSheetPublic(Stamped):
    id: str = Field(description="Stable id of the fact sheet.", examples=["wsis-plus-20"])
    title: str = Field(description="As the fact sheet has it.", examples=["Fact Sheet: WSIS+20"])
    publisher: str = Field(description="Who published the fact sheet.", examples=["RIPE NCC"])
    source: str = Field(description="Citation of the text served here.")
    source_url: str | None = Field(description="Null: the original address was not found.")
    notes: str | None = Field(description="How the text was taken from the sheet.")
    sections: list[SectionPublic] = Field(description="The sheet's sections, in order.")
    calls_to_action: list[CallToActionPublic] = Field(
        description="The numbered items of its Call to Action section, also at /v1/calls-to-action."
    )
