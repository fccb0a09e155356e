"""Response schema for the change log."""

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from app.services.changes import LOGGED

ChangeCollection = Literal[LOGGED]  # type: ignore[valid-type]
ChangeAction = Literal["created", "updated", "deleted"]


class ChangePublic(BaseModel):
    id: int = Field(description="Position in the change log; goes up with every change.")
    revision: int = Field(description="The data revision this change is part of.", examples=[2])
    at: dt.datetime = Field(description="When the change was made (UTC).")
    collection: ChangeCollection = Field(
        description="Where the record lives. `fact-sheet` covers the sheet and its sections "
        "(by section id)."
    )
    record_id: str = Field(description="The record's id (its code or number for some).")
    action: ChangeAction = Field(description="created, updated or deleted.")
    title: str = Field(
        description="The record's title or name at the time; for a deletion, all that is left."
    )
    actor: str = Field(
        description="Who made the change: `seed` for a seed run, else the name of the "
        "editor's token.",
        examples=["seed"],
    )
    href: str | None = Field(
        description="The record's URL; null for a deletion (a tombstone).",
        examples=["/v1/nris/nri-017"],
    )
