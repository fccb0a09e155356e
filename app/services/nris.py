"""NRIs, and how many the data holds against the fact sheet's count."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlmodel import Session

from app.errors import BadRequest, NotFound
from app.models import Dataset, Nri
from app.paging import PageRequest, PageResult, SortKey
from app.schemas.nri import NriPublic
from app.services.listing import Listing, get_one, in_values, shaper, text_match, updated_since

TABLE = Nri.__table__  # type: ignore[attr-defined]
DATASET = Dataset.__table__  # type: ignore[attr-defined]
SORTS = {
    "name": SortKey(TABLE.c.name),
    "established_year": SortKey(TABLE.c.established_year, null_fill=0),
    "country": SortKey(TABLE.c.country, null_fill=""),
}
shape = shaper(NriPublic)


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


def nri_listing(filters: NriFilters) -> Listing:
    """The NRIs that match the filters, for every format of the list."""
    low, high = filters.established_from, filters.established_to
    if low is not None and high is not None and low > high:
        raise BadRequest.for_param("established_to", "must not be below established_from")
    where: list[ColumnElement[bool]] = [
        *in_values(TABLE.c.kind, filters.kind),
        *in_values(TABLE.c.region, filters.region),
        *in_values(TABLE.c.country, filters.country),
        *in_values(TABLE.c.evidence, filters.evidence),
        *text_match(filters.q, "nris", TABLE.c.id),
    ]
    if low is not None:
        where.append(TABLE.c.established_year >= low)
    if high is not None:
        where.append(TABLE.c.established_year <= high)
    where += updated_since(TABLE, filters.updated_since)
    return Listing(TABLE, where, SORTS, TABLE.c.id, shape, extras=COVERAGE, facets=FACETS)


def list_nris(session: Session, filters: NriFilters, page: PageRequest) -> PageResult:
    return nri_listing(filters).page(session, page)


def get_nri(session: Session, nri_id: str) -> dict[str, Any]:
    found = get_one(session, TABLE, TABLE.c.id, nri_id, shape)
    if found is None:
        raise NotFound(f"No NRI has the id {nri_id!r}.")
    return found


FACETS = {
    name: TABLE.c[name] for name in ("kind", "region", "country", "evidence", "established_year")
}
COVERAGE = {
    "held": select(func.count()).select_from(TABLE),
    "fact_sheet_count": select(DATASET.c.nri_fact_sheet_count),
    "coverage_note": select(DATASET.c.nri_coverage_note),
}


def coverage(result: PageResult) -> dict[str, Any]:
    """How many NRIs are held, beside the count the fact sheet gives (read with the page)."""
    return {name: result.extras.get(name) for name in COVERAGE}
