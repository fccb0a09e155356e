"""Bearer tokens of the editors who change the data through the API. Only a hash of each
token is kept: the token itself is shown once, when it is made (app.tokens)."""

import datetime as dt

from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, json_list, timestamp


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    # Who the token speaks for: the actor of every change made with it, in the change log
    # and the revisions. Unique, so that an actor names one token.
    name: str = Field(max_length=80, unique=True)
    # SHA-256 of the whole token, hex: a token is looked up by its hash, never stored.
    hash: str = Field(max_length=64, unique=True)
    # The start of the token (its prefix and a few characters), for `tokens list` to show
    # which token is which without showing any of its secret part.
    hint: str = Field(max_length=20)
    scope: str = Field(max_length=8)  # write | admin
    # The collections (URL names) a write token may change; empty for an admin token.
    collections: list[str] = json_list()
    created_at: dt.datetime = timestamp()
    expires_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    revoked_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
