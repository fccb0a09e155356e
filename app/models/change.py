"""One row per record created, updated or deleted, by a seed run or an editor: the change log behind
/v1/changes and the changes feed. Deleted records keep their title here as a tombstone."""

import datetime as dt

from sqlmodel import Field, Index, SQLModel

from app.models.base import text, timestamp


class Change(SQLModel, table=True):
    __tablename__ = "change"
    __table_args__ = (Index("ix_change_collection_record_id", "collection", "record_id"),)

    id: int | None = Field(default=None, primary_key=True)
    # The dataset revision this change produced: a client that saw revision N needs the rest.
    revision: int
    at: dt.datetime = timestamp(index=True)
    # The collection's URL name (action-lines, calls-to-action, ...), so a client can link.
    collection: str = Field(max_length=40)
    record_id: str = Field(max_length=120)
    action: str = Field(max_length=8)  # created | updated | deleted
    title: str = text()
    # Who made it: "seed" for a seed run, else the name of the editor's token.
    actor: str = Field(default="seed", max_length=80, sa_column_kwargs={"server_default": "seed"})
