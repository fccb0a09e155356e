"""The dataset as a whole: its provenance and the revision counter every cache keys on."""

import datetime as dt

from sqlmodel import Field, SQLModel

from app.models.base import json_list, text, timestamp


class Dataset(SQLModel, table=True):
    __tablename__ = "dataset"

    id: int = Field(default=1, primary_key=True)
    title: str = text()
    version: str = Field(max_length=40)
    description: str = text()
    nri_fact_sheet_count: int
    nri_coverage_note: str = text()
    notes: list[str] = json_list()
    # Bumped in the same transaction as any change to the data: caches and ETags key on it.
    revision: int = Field(default=0)
    changed_at: dt.datetime = timestamp()
