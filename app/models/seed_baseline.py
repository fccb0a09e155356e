"""Each record as the last seed file held it: the common ancestor that tells, at the next
seed run, who changed a record since, the seed file, an editor, or both (app.record_history).
"""

from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel


class SeedBaseline(SQLModel, table=True):
    __tablename__ = "seed_baseline"

    collection: str = Field(primary_key=True, max_length=40)  # the collection's URL name
    record_id: str = Field(primary_key=True, max_length=120)
    record: dict[str, Any] = Field(sa_type=JSON, nullable=False)
