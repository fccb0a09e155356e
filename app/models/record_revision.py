"""Every version of every record, from the seed or an editor: the history behind
/v1/{collection}/{id}/revisions. Written in the transaction that changes the record, with
its change log entry and the dataset revision."""

import datetime as dt
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field, Index, SQLModel

from app.models.base import timestamp


class RecordRevision(SQLModel, table=True):
    __tablename__ = "record_revision"
    __table_args__ = (
        Index("ix_record_revision_record", "collection", "record_id", "number", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    collection: str = Field(max_length=40)  # the collection's URL name
    record_id: str = Field(max_length=120)
    number: int  # 1, 2, ... for each record
    data_revision: int  # the dataset revision this version came with
    at: dt.datetime = timestamp()
    actor: str = Field(max_length=80)  # "seed", or the name of the editor's token
    action: str = Field(max_length=8)  # created | updated | deleted
    # The record as seed.json holds it after this revision; null once deleted.
    record: dict[str, Any] | None = Field(default=None, sa_type=JSON, nullable=True)
    # RFC 6902 JSON Patch from the version before (from nothing, for the first) to this one.
    patch: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON, nullable=False)
