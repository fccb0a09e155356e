"""A collection the API does not have: toys. Its model, its declaration and its seed records
are all there is; nothing in app/ names it. tests/test_toy_collection.py serves this app in
a server process of its own (registering a collection changes what the app is made of, so
it must happen before app.main is imported, never inside the test run):

    uvicorn tests.toy_app:create_app --factory

with FACTSHEET_DATABASE_URL pointing at an empty SQLite file."""

import datetime as dt
import json
from typing import Annotated

from fastapi import FastAPI, Path, Query
from pydantic import BaseModel, Field
from sqlmodel import Field as Column
from sqlmodel import SQLModel

from app.api.formats import ATOM, CSV, HTML, JSON, JSON_FEED, RSS
from app.collection import Collection, RecordId, Row, Texts, column, doc
from app.collections import register
from app.feeds.model import TAG, Entry
from app.filters import any_of, changed_since, text
from app.models.base import Timestamps
from app.paging import SortKey
from app.resources import seed_path
from app.search.text import document_text

NOW = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)
TOYS = [
    {"id": "toy-1", "name": "Red kite", "colour": "red", "notes": "Flies in any wind."},
    {"id": "toy-2", "name": "Blue yo-yo", "colour": "blue", "notes": None},
    {"id": "toy-3", "name": "Red ball", "colour": "red", "notes": "Bounces twice."},
]


class Toy(Timestamps, table=True):
    __tablename__ = "toy"

    id: str = Column(primary_key=True, max_length=40)
    name: str = Column(max_length=80)
    colour: str = Column(max_length=20, index=True)
    notes: str | None = Column(default=None, max_length=200)


class ToyPublic(BaseModel):
    id: str = Field(description="Stable id.")
    name: str = Field(description="What it is called.")
    colour: str = Field(description="Its colour.")
    notes: str | None = Field(description="Anything else.")
    created_at: dt.datetime = Field(description="When it entered the data (UTC).")
    updated_at: dt.datetime = Field(description="When it last changed (UTC).")


def toy_entry(row: Row, base_url: str) -> Entry:
    return Entry(
        id=f"{TAG}toys/{row['id']}",
        title=row["name"],
        published=row["created_at"],
        updated=row["updated_at"],
        summary=f"A {row['colour']} toy.",
        content_html=f"<p>A {row['colour']} toy.</p>",
        link=f"{base_url}/v1/toys/{row['id']}",
    )


TABLE = Toy.__table__  # type: ignore[attr-defined]
TOY_COLLECTION = Collection(
    name="toys",
    texts=Texts(
        noun="toy",
        plural="toys",
        tag="toys",
        tag_description="Toys, to show what a declaration gives.",
        list=doc("List toys", "Every toy."),
        detail=doc("Get a toy", "One toy by its id."),
    ),
    table=TABLE,
    public=ToyPublic,
    id=RecordId(Path(pattern=r"^toy-[0-9]+$", description="Toy id.")),
    filters=(
        any_of("colour", TABLE.c.colour, Annotated[list[str] | None, Query(description="OR.")]),
        text("toys", TABLE.c.id),
        changed_since(TABLE.c.updated_at),
    ),
    sorts={"name": SortKey(TABLE.c.name)},
    sort_description="By name.",
    facets={"colour": column("colour", TABLE)},
    formats=(JSON, CSV, ATOM, RSS, JSON_FEED, HTML),
    entry=toy_entry,
    feed_title="Toys",
    feed_subtitle="Every toy.",
    search=lambda row: (row["name"], document_text(row["colour"], row["notes"])),
    title_column="name",
    seed_schema={
        "type": "object",
        "required": ["id", "name", "colour"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string", "pattern": "^toy-[0-9]+$"},
            "name": {"type": "string"},
            "colour": {"type": "string"},
            "notes": {"type": ["string", "null"]},
        },
    },
)
register(TOY_COLLECTION)


def create_app() -> FastAPI:
    # Imported here, after the toy is registered: the app is made of the registry.
    from app.main import create_app as create_api
    from app.seed import sync_seed
    from app.settings import Settings

    settings = Settings(rate_limit_enabled=False, _env_file=None)
    app = create_api(settings, clock=lambda: NOW)
    SQLModel.metadata.create_all(app.state.engine)
    data = json.loads(seed_path().read_text(encoding="utf-8"))
    sync_seed(app.state.engine, {**data, "toys": TOYS}, now=NOW)
    return app
