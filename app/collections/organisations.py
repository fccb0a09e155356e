"""Organisations named in the fact sheet (their milestones: app.collections.milestones)."""

from typing import Annotated

from fastapi import Query
from pydantic import StringConstraints

from app.collection import Collection, RecordId, Row, column, slug_id, texts_of
from app.filters import any_of, changed_since, text
from app.models import Organisation
from app.paging import SortKey
from app.schemas.organisation import OrganisationPublic
from app.search.text import document_text

TABLE = Organisation.__table__  # type: ignore[attr-defined]
NAME = "organisations"


FILTERS = (
    any_of(
        "kind",
        TABLE.c.kind,
        Annotated[
            list[Annotated[str, StringConstraints(max_length=200)]] | None,
            Query(
                description="Exact kind as the records state it, e.g. `regional internet "
                "registry`; repeat to OR.",
            ),
        ],
    ),
    text(NAME, TABLE.c.id),
    changed_since(TABLE.c.updated_at),
)


def document(r: Row) -> tuple[str, str]:
    body = document_text(
        r["full_name"],
        r["kind"],
        r["headquarters"],
        r["service_region"],
        r["role_in_fact_sheet"],
        r["notes"],
    )
    return r["short_name"], body


ORGANISATIONS = Collection(
    name=NAME,
    texts=texts_of(NAME),
    table=TABLE,
    public=OrganisationPublic,
    id=RecordId(slug_id("Organisation id.", "org-017")),
    filters=FILTERS,
    sorts={
        "name": SortKey(TABLE.c.short_name),
        "founded_year": SortKey(TABLE.c.founded_year, null_fill=0),
    },
    sort_description="`name` sorts by short name; `-` is descending.",
    facets={"kind": column("kind", TABLE)},
    search=document,
    title_column="short_name",
)
