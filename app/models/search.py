"""One searchable document per record: what /v1/search and every list's `q` look in.

The dialect's full-text index over it (an FTS5 table on SQLite, a weighted tsvector column
with a GIN index on PostgreSQL) is created by app.search.schema: it is not part of this
table's columns because neither has a portable type.
"""

from sqlmodel import Field, SQLModel, UniqueConstraint

from app.models.base import text
from app.search.schema import install


class SearchDocument(SQLModel, table=True):
    __tablename__ = "search_document"
    # record_id first: a leading `collection` would tempt SQLite into scanning a whole
    # collection's documents for `q` instead of looking up the few the full-text index found.
    __table_args__ = (UniqueConstraint("record_id", "collection"),)

    # An integer key: FTS5 addresses rows by rowid, and must find the same row again later.
    id: int | None = Field(default=None, primary_key=True)
    # The collection's URL name (milestones, nris, fact-sheet for sections, ...).
    collection: str = Field(max_length=40)
    record_id: str = Field(max_length=120)
    title: str = text()
    body: str = text()


# The dialect's index (FTS5 table or tsvector column) is made and dropped with the table.
install(SearchDocument.__table__)  # type: ignore[attr-defined]
