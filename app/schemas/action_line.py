"""Response schemas for action lines."""

from pydantic import Field

from app.schemas.common import Stamped


class ActionLinePublic(Stamped):
    code: str = Field(description="Stable code; C7 sub-lines are C7.<name>.", examples=["C5"])
    parent_code: str | None = Field(description="C7 for its sub-lines, else null.")
    title: str = Field(
        description="The action line's title as the WSIS documents give it.",
        examples=["Building confidence and security in the use of ICTs"],
    )
    title_variant: str | None = Field(description="Another wording found in the sources.")
    facilitators: list[str] = Field(description="Lead facilitators; empty = not confirmed.")
    co_facilitators: list[str] = Field(description="Co-facilitators; empty = none confirmed.")
    source_url: str = Field(description="Where the title was taken from.")
    facilitator_source_urls: list[str] = Field(description="Where the facilitators come from.")
    notes: str | None = Field(description="Curator's remarks on the record and its sources.")
