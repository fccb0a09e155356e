"""Random secrets every process on one database shares, one row per purpose (the cursor
signing key is the first). They live with the data: replicas that serve the same data agree
on them without anything to configure, and no value ships with the source."""

from sqlmodel import Field, SQLModel


class Secret(SQLModel, table=True):
    __tablename__ = "secret"

    name: str = Field(primary_key=True, max_length=40)
    value: str = Field(max_length=200)
