"""Organisations named in the fact sheet (their milestones: app.collections.milestones)."""

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

from fastapi import Path, Query
from pydantic import Field, StringConstraints
from sqlalchemy import ColumnElement

from app.api.list_query import TextQuery, UpdatedSince, utc_moment
from app.api.params import check_value_count
from app.collection import Collection, RecordId, Scope, Texts, column, doc
from app.models import Organisation
from app.paging import SortKey
from app.schemas.facets import FacetedPageMeta
from app.schemas.organisation import OrganisationPublic
from app.schemas.page import META_DESCRIPTION, Page
from app.services.listing import in_values, text_match, updated_since

TABLE = Organisation.__table__  # type: ignore[attr-defined]
NAME = "organisations"


class OrganisationPage(Page[OrganisationPublic]):
    meta: FacetedPageMeta = Field(description=META_DESCRIPTION)


@dataclass(frozen=True)
class OrganisationFilters:
    kind: list[str] | None = None
    q: str | None = None
    updated_since: dt.datetime | None = None


async def organisation_filters(
    kind: Annotated[
        list[Annotated[str, StringConstraints(max_length=200)]] | None,
        Query(
            description="Exact kind as the records state it, e.g. `regional internet "
            "registry`; repeat to OR.",
        ),
    ] = None,
    q: TextQuery = None,
    updated_since: UpdatedSince = None,
) -> OrganisationFilters:
    return OrganisationFilters(
        kind=check_value_count("kind", kind),
        q=q,
        updated_since=utc_moment("updated_since", updated_since),
    )


def where(filters: OrganisationFilters, scope: Scope) -> list[ColumnElement[bool]]:
    return [
        *in_values(TABLE.c.kind, filters.kind),
        *text_match(filters.q, NAME, TABLE.c.id),
        *updated_since(TABLE, filters.updated_since),
    ]


ORGANISATIONS = Collection(
    name=NAME,
    texts=Texts(
        noun="organisation",
        plural="organisations",
        tag="organisations",
        list=doc(
            "List organisations",
            """Organisations the fact sheet names (IETF, ICANN, PTI, the five RIRs, ITU, IGF, ...).
            Also as CSV, by Accept or by suffix.""",
        ),
        detail=doc("Get an organisation", "One organisation by its stable id."),
    ),
    table=TABLE,
    public=OrganisationPublic,
    page=OrganisationPage,
    id=RecordId(
        "id",
        "organisation_id",
        Annotated[
            str,
            Path(
                pattern=r"^[a-z0-9][a-z0-9-]{0,39}$",
                description="Organisation id.",
                examples=["org-017"],
            ),
        ],
    ),
    filters=organisation_filters,
    where=where,
    sorts={
        "name": SortKey(TABLE.c.short_name),
        "founded_year": SortKey(TABLE.c.founded_year, null_fill=0),
    },
    sort_description="`name` sorts by short name; `-` is descending.",
    facets={"kind": column("kind", TABLE)},
)
