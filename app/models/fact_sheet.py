"""The fact sheet itself, its sections in order, and its seven calls to action."""

from sqlmodel import Field

from app.models.base import Timestamps, json_list, text


class FactSheet(Timestamps, table=True):
    __tablename__ = "fact_sheet"

    id: str = Field(primary_key=True, max_length=80)
    title: str = text()
    publisher: str = Field(max_length=200)
    source: str = text()
    source_url: str | None = text(nullable=True)
    notes: str | None = text(nullable=True)


class FactSheetSection(Timestamps, table=True):
    __tablename__ = "fact_sheet_section"

    id: str = Field(primary_key=True, max_length=120)
    fact_sheet_id: str = Field(foreign_key="fact_sheet.id", index=True, max_length=80)
    position: int = Field(index=True)
    heading: str = text()
    level: int
    parent_id: str | None = Field(default=None, max_length=120)
    body: str = text()
    footnotes: list[str] = json_list()


class CallToAction(Timestamps, table=True):
    __tablename__ = "call_to_action"

    number: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    title: str = text()
    body: str = text()
    short_title: str = text()
    summary: str = text()
    source: str = text()
