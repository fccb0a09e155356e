"""The IGF's National, Regional, Sub-regional and Youth Initiatives."""

from typing import Annotated, Any

from fastapi import Query
from pydantic import Field, StringConstraints
from sqlalchemy import func, select

from app.collection import Collection, RecordId, Row, column, slug_id, texts_of
from app.countries import ISO_3166_1_ALPHA_2
from app.errors import BadRequest
from app.filters import Filter, any_of, changed_since, ordered_range, text
from app.models import Dataset, Nri
from app.models.vocabulary import NriEvidence, NriKind, NriRegion
from app.paging import PageResult, SortKey
from app.schemas.facets import FacetedPageMeta
from app.schemas.nri import NriPublic
from app.search.text import document_text

TABLE = Nri.__table__  # type: ignore[attr-defined]
DATASET = Dataset.__table__  # type: ignore[attr-defined]
NAME = "nris"


class NriPageMeta(FacetedPageMeta):
    held: int = Field(description="NRIs the data holds in all, before filters.", examples=[175])
    fact_sheet_count: int | None = Field(
        description="How many NRIs the fact sheet counts.", examples=[176]
    )
    coverage_note: str | None = Field(description="Why the two counts differ.")


def _countries(codes: list[str]) -> list[str]:
    codes = [v.upper() for v in codes]
    unknown = [c for c in codes if c not in ISO_3166_1_ALPHA_2]
    if unknown:
        raise BadRequest.for_param(
            "country", f"not ISO 3166-1 alpha-2 code(s): {', '.join(unknown)}"
        )
    return codes


def _year(bound: str) -> Any:
    text = (
        "Founded in or after this year." if bound == "from" else "Founded in or before this year."
    )
    return Annotated[int | None, Query(ge=1900, le=2100, description=text)]


YEAR = TABLE.c.established_year
FILTERS = (
    any_of(
        "kind", TABLE.c.kind, Annotated[list[NriKind] | None, Query(description="Repeat to OR.")]
    ),
    any_of(
        "region",
        TABLE.c.region,
        Annotated[
            list[NriRegion] | None,
            Query(
                description="UN regional group for national and national youth initiatives; "
                "the named region for regional and sub-regional ones. Repeat to OR."
            ),
        ],
    ),
    any_of(
        "country",
        TABLE.c.country,
        Annotated[
            # The constraints belong to each value: on the list they would count its items.
            list[Annotated[str, StringConstraints(pattern="^[A-Za-z]{2}$")]] | None,
            Query(description="ISO 3166-1 alpha-2 code, e.g. KE; repeat to OR."),
        ],
        clean=_countries,
    ),
    any_of(
        "evidence",
        TABLE.c.evidence,
        Annotated[
            list[NriEvidence] | None, Query(description="Strength of the sources; repeat to OR.")
        ],
    ),
    Filter("established_from", _year("from"), lambda year, scope: YEAR >= year),
    Filter("established_to", _year("to"), lambda year, scope: YEAR <= year),
    text(NAME, TABLE.c.id),
    changed_since(TABLE.c.updated_at),
)


COVERAGE = {
    "held": select(func.count()).select_from(TABLE),
    "fact_sheet_count": select(DATASET.c.nri_fact_sheet_count),
    "coverage_note": select(DATASET.c.nri_coverage_note),
}


def coverage(result: PageResult) -> dict[str, Any]:
    """How many NRIs are held, beside the count the fact sheet gives (read with the page)."""
    return {name: result.extras.get(name) for name in COVERAGE}


def document(r: Row) -> tuple[str, str]:
    # "Youth initiative · Africa": what people call them, so "youth initiatives in Africa"
    # finds them although no NRI's own text says so.
    kind = f"{r['kind'].capitalize()} initiative"
    return r["name"], document_text(kind, r["region"], r["notes"])


NRIS = Collection(
    name=NAME,
    texts=texts_of(NAME),
    table=TABLE,
    public=NriPublic,
    id=RecordId(slug_id("NRI id.", "nri-017")),
    filters=FILTERS,
    rules=[
        ordered_range(
            "established_from",
            "established_to",
            "established_to",
            "must not be below established_from",
        )
    ],
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
    page_meta=NriPageMeta,
    search=document,
    title_column="name",
    extras=COVERAGE,
    meta=coverage,
)
