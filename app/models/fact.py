"""Key figures: the fact sheet's own numbers and ITU's headline Internet-use estimates."""

from typing import Any

from sqlmodel import Field

from app.models.base import Timestamps, big_int, json_list, text


class Fact(Timestamps, table=True):
    __tablename__ = "fact"

    id: str = Field(primary_key=True, max_length=80)
    category: str = Field(max_length=20, index=True)
    label: str = text(index=True)
    value: int | None = big_int()
    unit: str = Field(max_length=40)
    qualifier: str | None = Field(default=None, max_length=40)
    as_of: int | None = Field(default=None, index=True)
    edition: str | None = text(nullable=True)
    context: str | None = text(nullable=True)
    source: str | None = text(nullable=True)
    source_url: str | None = text(nullable=True)
    other_sources: list[str] = json_list()
    notes: str | None = text(nullable=True)
    conflicts: list[dict[str, Any]] = json_list()
