"""Synthetic NRIs and milestones for the scale benchmark: SYNTHETIC, never real data.

Every record says so three times over: its id starts with `syn-`, its name or title with
"Synthetic", and its source_url points at example.invalid. Nothing here writes seed.json;
`load` inserts straight into a scratch database (bulk inserts, then the search documents
through the same builder the seed uses).

Sizes: 1x is 2,000 NRI-like records and 500 milestones; 10x and 100x multiply both (100x is
200,000 and 50,000). The shape follows the real data where it matters to queries: the mix of
kinds and regions (so `kind=youth&region=Africa` selects about the same share at any size),
a third of founding years unknown (the nullable sort), and place names drawn from a
vocabulary that grows with the data, so one place matches about the same number of records
at any size, as a real place name would.
"""

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, insert

from app.countries import ISO_3166_1_ALPHA_2
from app.dialect import write_options
from app.models import Milestone, Nri
from app.models.vocabulary import MilestoneKind, NriEvidence, NriRegion, values
from app.search.documents import sync_documents
from app.seed_rows import period_bounds

BASE_NRIS, BASE_MILESTONES = 2_000, 500
SCALES = (1, 10, 100)
ID_PREFIX = "syn-"
SOURCE = "https://example.invalid/synthetic"
STAMP = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
CHUNK = 5_000
# About one place per 20 NRIs: a place name stays a selective query as the data grows.
RECORDS_PER_PLACE = 20
KIND_WEIGHTS = {"national": 60, "youth": 25, "regional": 10, "sub-regional": 5}
_SYLLABLES = "ka lo mi ra ve su ni to da be lu fa ri mo ne sa ti go pe zu".split()
_FILLER = (
    "forum meeting multistakeholder dialogue capacity community access policy "
    "infrastructure digital inclusion security openness cooperation workshop"
).split()


@dataclass(frozen=True)
class Scale:
    factor: int

    @property
    def nris(self) -> int:
        return BASE_NRIS * self.factor

    @property
    def milestones(self) -> int:
        return BASE_MILESTONES * self.factor

    @property
    def places(self) -> int:
        return max(self.nris // RECORDS_PER_PLACE, 1)


def place_name(index: int) -> str:
    """A made-up, pronounceable, unique place name (Kalomi, Ravesu, ...)."""
    parts = []
    n = index
    for _ in range(3):
        parts.append(_SYLLABLES[n % len(_SYLLABLES)])
        n //= len(_SYLLABLES)
    return ("".join(parts) + _SYLLABLES[n % len(_SYLLABLES)] * (n > 0)).capitalize()


def nri_rows(scale: Scale, rng: random.Random) -> Iterator[dict[str, Any]]:
    kinds, weights = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())
    regions, countries = values(NriRegion), sorted(ISO_3166_1_ALPHA_2)
    evidence = values(NriEvidence)
    for n in range(1, scale.nris + 1):
        kind = rng.choices(kinds, weights)[0]
        place = place_name(rng.randrange(scale.places))
        year = rng.randint(2006, 2025) if rng.random() > 0.35 else None
        yield {
            "id": f"{ID_PREFIX}nri-{n:06d}",
            "name": f"Synthetic {place} {kind.capitalize()} IGF {n}",
            "kind": kind,
            "country": rng.choice(countries) if kind != "regional" else None,
            "region": rng.choice(regions),
            "established_year": year,
            "recognised_year": None,
            "website": None,
            "source_url": f"{SOURCE}/nri/{n}",
            "other_sources": [],
            "evidence": rng.choice(evidence),
            "notes": "Synthetic benchmark record. " + " ".join(rng.sample(_FILLER, 4)),
            "conflicts": [],
            "created_at": STAMP,
            "updated_at": STAMP,
        }


def milestone_rows(scale: Scale, rng: random.Random) -> Iterator[dict[str, Any]]:
    kinds = values(MilestoneKind)
    for n in range(1, scale.milestones + 1):
        kind = rng.choice(kinds)
        place = place_name(rng.randrange(scale.places))
        start = dt.date(2003, 1, 1) + dt.timedelta(days=rng.randrange(28 * 365))
        period_start, period_end = period_bounds(start.isoformat(), None)
        yield {
            "id": f"{ID_PREFIX}ms-{n:06d}",
            "title": f"Synthetic {kind} in {place} {n}",
            "kind": kind,
            "start_date": start.isoformat(),
            "end_date": None,
            "date_precision": "day",
            "period_start": period_start,
            "period_end": period_end,
            "location": place,
            "resolution": None,
            "unlinked_organisations": [],
            "source_url": f"{SOURCE}/milestone/{n}",
            "other_sources": [],
            "in_fact_sheet": False,
            "notes": "Synthetic benchmark record. " + " ".join(rng.sample(_FILLER, 4)),
            "conflicts": [],
            "created_at": STAMP,
            "updated_at": STAMP,
        }


def _chunks(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def load(engine: Engine, factor: int, seed: int = 20251217) -> dict[str, int]:
    """Bulk-insert the synthetic records of one scale, then their search documents, in one
    transaction. The database should already hold the schema (and may hold the real seed,
    which is left as it is)."""
    scale, rng = Scale(factor), random.Random(seed)
    nri_table = Nri.__table__  # type: ignore[attr-defined]
    milestone_table = Milestone.__table__  # type: ignore[attr-defined]
    options = write_options(engine.dialect.name)
    with engine.connect().execution_options(**options) as conn, conn.begin():
        for chunk in _chunks(nri_rows(scale, rng)):
            conn.execute(insert(nri_table), chunk)
        for chunk in _chunks(milestone_rows(scale, rng)):
            conn.execute(insert(milestone_table), chunk)
        documents = sync_documents(conn, ["nris", "milestones"])
    return {"nris": scale.nris, "milestones": scale.milestones, "search_documents": documents}
