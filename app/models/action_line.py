"""The WSIS Action Lines C1-C11, with the C7 sub-lines under their parent."""

from sqlmodel import Field

from app.models.base import Timestamps, json_list, text


class ActionLine(Timestamps, table=True):
    __tablename__ = "action_line"

    code: str = Field(primary_key=True, max_length=40)
    # Source order (C1, C2, ..., C7, C7 sub-lines, C8, ...): codes do not sort that way as text.
    position: int = Field(index=True)
    parent_code: str | None = Field(
        default=None, foreign_key="action_line.code", max_length=40, index=True
    )
    title: str = text(index=True)
    title_variant: str | None = text(nullable=True)
    facilitators: list[str] = json_list()
    co_facilitators: list[str] = json_list()
    source_url: str = text()
    facilitator_source_urls: list[str] = json_list()
    notes: str | None = text(nullable=True)
