"""The first answer to each POST sent with an Idempotency-Key, so that a retry gets the
same answer instead of a second record. Kept per token, for IDEMPOTENCY_TTL."""

import datetime as dt

from sqlalchemy import LargeBinary
from sqlmodel import Field, SQLModel

from app.models.base import json_list, timestamp


class IdempotencyKey(SQLModel, table=True):
    __tablename__ = "idempotency_key"

    token_id: int = Field(primary_key=True)
    key: str = Field(primary_key=True, max_length=255)
    # SHA-256 of the method, path and body: the same key with another request is refused.
    fingerprint: str = Field(max_length=64)
    status: int
    headers: list[list[str]] = json_list()  # [[name, value], ...] worth repeating
    body: bytes = Field(sa_type=LargeBinary)
    created_at: dt.datetime = timestamp(index=True)
