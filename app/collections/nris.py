"""The IGF's National, Regional, Sub-regional and Youth Initiatives."""

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import Field, StringConstraints
from sqlalchemy import ColumnElement, func, select

from app.api.list_query import TextQuery, UpdatedSince, utc_moment
from app.api.params import check_value_count
from app.collection import Collection, RecordId, Scope, Texts, column, doc
from app.countries import ISO_3166_1_ALPHA_2
from app.errors import BadRequest
from app.models import Dataset, Nri
from app.models.vocabulary import NriEvidence, NriKind, NriRegion
from app.paging import PageResult, SortKey
from app.schemas.facets import FacetedPageMeta
from app.schemas.nri import NriPublic
from app.schemas.page import META_DESCRIPTION, Page
from app.services.listing import in_values, text_match, updated_since

TABLE = Nri.__table__  # type: ignore[attr-defined]
DATASET = Dataset.__table__  # type: ignore[attr-defined]
NAME = "nris"


class NriPageMeta(FacetedPageMeta):
    held: int = Field(description="NRIs the data holds in all, before filters.", examples=[175])
    fact_sheet_count: int | None = Field(
        description="How many NRIs the fact sheet counts.", examples=[176]
    )
    coverage_note: str | None = Field(description="Why the two counts differ.")


class NriPage(Page[NriPublic]):
    meta: NriPageMeta = Field(description=META_DESCRIPTION)


@dataclass(frozen=True)
class NriFilters:
    kind: list[str] | None = None
    region: list[str] | None = None
    country: list[str] | None = None
    evidence: list[str] | None = None
    established_from: int | None = None
    established_to: int | None = None
    q: str | None = None
    updated_since: dt.datetime | None = None


def _countries(values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    codes = [v.upper() for v in values]
    unknown = [c for c in codes if c not in ISO_3166_1_ALPHA_2]
    if unknown:
        raise BadRequest.for_param(
            "country", f"not ISO 3166-1 alpha-2 code(s): {', '.join(unknown)}"
        )
    return codes


async def nri_filters(
    kind: Annotated[list[NriKind] | None, Query(description="Repeat to OR.")] = None,
    region: Annotated[
        list[NriRegion] | None,
        Query(
            description="UN regional group for national and national youth initiatives; the "
            "named region for regional and sub-regional ones. Repeat to OR."
        ),
    ] = None,
    country: Annotated[
        # The constraints belong to each value: on the list they would count its items.
        list[Annotated[str, StringConstraints(pattern="^[A-Za-z]{2}$")]] | None,
        Query(description="ISO 3166-1 alpha-2 code, e.g. KE; repeat to OR."),
    ] = None,
    evidence: Annotated[
        list[NriEvidence] | None, Query(description="Strength of the sources; repeat to OR.")
    ] = None,
    established_from: Annotated[
        int | None, Query(ge=1900, le=2100, description="Founded in or after this year.")
    ] = None,
    established_to: Annotated[
        int | None, Query(ge=1900, le=2100, description="Founded in or before this year.")
    ] = None,
    q: TextQuery = None,
    updated_since: UpdatedSince = None,
) -> NriFilters:
    return NriFilters(
        kind=check_value_count("kind", kind),
        region=check_value_count("region", region),
        country=_countries(check_value_count("country", country)),
        evidence=check_value_count("evidence", evidence),
        established_from=established_from,
        established_to=established_to,
        q=q,
        updated_since=utc_moment("updated_since", updated_since),
    )


def where(filters: NriFilters, scope: Scope) -> list[ColumnElement[bool]]:
    low, high = filters.established_from, filters.established_to
    if low is not None and high is not None and low > high:
        raise BadRequest.for_param("established_to", "must not be below established_from")
    conditions: list[ColumnElement[bool]] = [
        *in_values(TABLE.c.kind, filters.kind),
        *in_values(TABLE.c.region, filters.region),
        *in_values(TABLE.c.country, filters.country),
        *in_values(TABLE.c.evidence, filters.evidence),
        *text_match(filters.q, NAME, TABLE.c.id),
    ]
    if low is not None:
        conditions.append(TABLE.c.established_year >= low)
    if high is not None:
        conditions.append(TABLE.c.established_year <= high)
    return conditions + updated_since(TABLE, filters.updated_since)


COVERAGE = {
    "held": select(func.count()).select_from(TABLE),
    "fact_sheet_count": select(DATASET.c.nri_fact_sheet_count),
    "coverage_note": select(DATASET.c.nri_coverage_note),
}


def coverage(result: PageResult) -> dict[str, Any]:
    """How many NRIs are held, beside the count the fact sheet gives (read with the page)."""
    return {name: result.extras.get(name) for name in COVERAGE}


NRIS = Collection(
    name=NAME,
    texts=Texts(
        noun="NRI",
        plural="NRIs",
        tag="nris",
        list=doc(
            "List NRIs",
            """National, Regional, Sub-regional and Youth IGF Initiatives. The data holds fewer than
            the fact sheet counts; `meta` states both numbers and why. Also as CSV, by Accept or by
            suffix.""",
        ),
        summary=doc(
            "Count NRIs",
            """NRIs counted by kind, region, country and evidence, under the list's filters: the
            numbers behind a dashboard's first charts.""",
        ),
        detail=doc("Get an NRI", "One NRI by its stable id."),
    ),
    table=TABLE,
    public=NriPublic,
    page=NriPage,
    id=RecordId(
        "id",
        "nri_id",
        Annotated[
            str,
            Path(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$", description="NRI id.", examples=["nri-017"]),
        ],
    ),
    filters=nri_filters,
    where=where,
    sorts={
        "name": SortKey(TABLE.c.name),
        "established_year": SortKey(TABLE.c.established_year, null_fill=0),
        "country": SortKey(TABLE.c.country, null_fill=""),
    },
    sort_description="`-` is descending; records without the value come last either way.",
    facets={
        name: column(name, TABLE)
        for name in ("kind", "region", "country", "evidence", "established_year")
    },
    summary_facets=("kind", "region", "country", "evidence"),
    extras=COVERAGE,
    meta=coverage,
)
