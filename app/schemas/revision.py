"""A record's revisions as /v1/{collection}/{id}/revisions lists them."""

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from app.schemas.page import PageLinks, PageMeta


class PatchOperation(BaseModel):
    """One RFC 6902 JSON Patch operation."""

    op: Literal["add", "remove", "replace"] = Field(description="What the operation does.")
    path: str = Field(description="RFC 6901 JSON Pointer into the record; `` is all of it.")
    value: Any = Field(default=None, description="The new value (not on `remove`).")


class Revision(BaseModel):
    number: int = Field(description="1 for the record's first version, then 2, 3, ...")
    data_revision: int = Field(description="The dataset revision this version came with.")
    at: dt.datetime = Field(description="When it was made (UTC).")
    actor: str = Field(
        description="Who made it: `seed` for a seed run, else the name of the editor's token."
    )
    action: Literal["created", "updated", "deleted"] = Field(
        description="What the revision did to the record."
    )
    patch: list[PatchOperation] = Field(
        description="RFC 6902 JSON Patch from the version before to this one."
    )
    record: dict[str, Any] | None = Field(
        description="The record as seed.json would hold it after this revision; null once "
        "deleted. PUT it back, or restore the revision, to return to it."
    )


class RevisionPage(BaseModel):
    data: list[Revision] = Field(description="The revisions of this page.")
    links: PageLinks = Field(description="URLs of this page and its neighbours.")
    meta: PageMeta = Field(description="How many revisions match, the page size and the sort.")
