"""check_record, the check of an editor's write, finds exactly what check_seed finds in a
document that held together but for the one record written: a write is held to the same
rules as seed.json, at a fraction of the cost."""

import copy
from collections.abc import Callable
from typing import Any

import pytest

from app.collections import seed_order
from app.seed_check import check_record, check_seed, cross_record_problems

Change = Callable[[dict[str, Any]], None]


def _drop(field: str) -> Change:
    return lambda record: record.pop(field, None)


def _set(field: str, value: Any) -> Change:
    return lambda record: record.__setitem__(field, value)


CHANGES: dict[str, Change] = {
    "unchanged": lambda record: None,
    "missing title": _drop("title"),
    "missing name": _drop("name"),
    "unknown field": _set("colour", "red"),
    "wrong type": _set("notes", 42),
    "control character": _set("notes", "bell \u0007"),
    "bad url": _set("source_url", "not a url"),
    "bad country": _set("country", "XX"),
    "unknown organisation": _set("organisations", ["org-999"]),
    "end before start": _set("end_date", "1990-01-01"),
    "bad kind": _set("kind", "party"),
    "duplicate id": lambda record: None,  # replaced below by the id of another record
}


@pytest.mark.parametrize("collection", [c.seed_key for c in seed_order()])
@pytest.mark.parametrize("change", list(CHANGES))
def test_a_changed_record_gets_the_problems_the_whole_check_finds(
    seed_data: dict[str, Any], collection: str, change: str
) -> None:
    data = copy.deepcopy(seed_data)
    records = data[collection]
    key = next(c for c in seed_order() if c.seed_key == collection).id.column
    if change == "duplicate id":
        records[1][key] = records[0][key]
    else:
        CHANGES[change](records[1])
    assert check_record(data, collection, 1) == check_seed(data)


@pytest.mark.parametrize("collection", [c.seed_key for c in seed_order()])
def test_an_added_record_gets_the_problems_the_whole_check_finds(
    seed_data: dict[str, Any], collection: str
) -> None:
    data = copy.deepcopy(seed_data)
    added = copy.deepcopy(data[collection][0])  # the same id again, and all else
    added.pop("title", None)
    data[collection].append(added)
    found = check_record(data, collection, len(data[collection]) - 1)
    assert found == check_seed(data) and found


def test_a_deletion_is_checked_by_the_rules_across_records(seed_data: dict[str, Any]) -> None:
    data = copy.deepcopy(seed_data)
    linked = data["milestones"][0]["organisations"][0]
    data["organisations"] = [o for o in data["organisations"] if o["id"] != linked]
    found = cross_record_problems(data)
    assert sorted(map(str, found)) == sorted(map(str, check_seed(data))) and found
