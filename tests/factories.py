"""Plain functions that insert one record with sensible defaults and commit."""

import datetime as dt
from typing import Any

from sqlmodel import Session

from app.models import Milestone, MilestoneOrganisation, Nri, Organisation
from app.seed_rows import period_bounds


def _release(session: Session) -> None:
    """End the read transaction `refresh` began, keeping the loaded record: on the in-memory
    test database every connection is one shared connection, and a transaction left open
    here would stop the app's own from beginning."""
    session.close()


def make_organisation(session: Session, **overrides: Any) -> Organisation:
    values: dict[str, Any] = {
        "id": "org-901",
        "short_name": "TESTORG",
        "full_name": "Test Organisation",
        "kind": "test body",
        "role_in_fact_sheet": "Named in a test.",
        "source_url": "https://example.org/org",
    }
    values.update(overrides)
    organisation = Organisation(**values)
    session.add(organisation)
    session.commit()
    session.refresh(organisation)
    _release(session)
    return organisation


def make_milestone(
    session: Session, organisations: list[str] | None = None, **overrides: Any
) -> Milestone:
    values: dict[str, Any] = {
        "id": "ms-901",
        "title": "Test milestone",
        "kind": "meeting",
        "start_date": "2025-07-07",
        "end_date": None,
        "date_precision": "day",
        "source_url": "https://example.org/ms",
        "in_fact_sheet": False,
    }
    values.update(overrides)
    start, end = period_bounds(values["start_date"], values["end_date"])
    values.setdefault("period_start", start)
    values.setdefault("period_end", end)
    milestone = Milestone(**values)
    session.add(milestone)
    for position, organisation_id in enumerate(organisations or []):
        session.add(
            MilestoneOrganisation(
                milestone_id=values["id"], organisation_id=organisation_id, position=position
            )
        )
    session.commit()
    session.refresh(milestone)
    _release(session)
    return milestone


def make_nri(session: Session, **overrides: Any) -> Nri:
    values: dict[str, Any] = {
        "id": "nri-901",
        "name": "Test IGF",
        "kind": "national",
        "country": "NL",
        "region": "Western Europe and Others",
        "established_year": 2010,
        "source_url": "https://example.org/nri",
        "evidence": "existence_reported",
    }
    values.update(overrides)
    nri = Nri(**values)
    session.add(nri)
    session.commit()
    session.refresh(nri)
    _release(session)
    return nri


def utc(year: int, month: int, day: int) -> dt.datetime:
    return dt.datetime(year, month, day, tzinfo=dt.UTC)
