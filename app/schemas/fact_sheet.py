"""Response schemas for the fact sheet, its sections and calls to action."""

from pydantic import Field

from app.schemas.common import Stamped


class SectionPublic(Stamped):
    id: str = Field(examples=["what-is-wsis-20"])
    position: int = Field(description="Order in the fact sheet, from 1.")
    heading: str = Field(examples=["What is WSIS+20?"])
    level: int = Field(description="1 for a section, 2 for a subsection.")
    parent_id: str | None
    body: str = Field(
        description="The text as the fact sheet has it; paragraphs split by a blank line."
    )
    footnotes: list[str]


class CallToActionPublic(Stamped):
    number: int = Field(description="1 to 7, as numbered in the fact sheet.", examples=[2])
    title: str = Field(
        description="As the fact sheet words it.",
        examples=["Recognise the role of Internet coordination structures like the IETF"],
    )
    body: str = Field(description="As the fact sheet words it.")
    short_title: str = Field(description="Curator's paraphrase.")
    summary: str = Field(description="Curator's paraphrase.")
    source: str


class FactSheetPublic(Stamped):
    id: str = Field(examples=["wsis-plus-20"])
    title: str = Field(examples=["Fact Sheet: WSIS+20"])
    publisher: str = Field(examples=["RIPE NCC"])
    source: str
    source_url: str | None = Field(description="Null: the original address was not found.")
    notes: str | None
    sections: list[SectionPublic]
    calls_to_action: list[CallToActionPublic]
