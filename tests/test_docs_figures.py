"""The figures the README and the OpenAPI examples state are the data's own. Each figure is
read from where a reader sees it and compared with seed.json, so a rebuilt seed that changes
a count fails here until the text says the same. A figure the patterns no longer find also
fails: reword the README and this test together."""

import re
from collections import Counter
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
NUMBER_WORDS = {
    word: number
    for number, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve".split()
    )
}


def figure(pattern: str) -> tuple[str, ...]:
    """The groups of the one place in the README that matches; line breaks count as spaces."""
    found = re.findall(pattern, README)
    assert len(found) == 1, f"expected one README match for {pattern!r}, found {found!r}"
    groups = found[0]
    return groups if isinstance(groups, tuple) else (groups,)


def years(milestone: dict[str, Any]) -> list[int]:
    dates = (milestone["start_date"], milestone["end_date"])
    return [int(date[:4]) for date in dates if date is not None]


def test_the_readme_lists_what_the_data_holds(seed_data: dict[str, Any]) -> None:
    milestones = seed_data["milestones"]
    first, last = (
        min(y for m in milestones for y in years(m)),
        max(y for m in milestones for y in years(m)),
    )
    held, since, until = figure(
        r"\n- (\d+) \*\*milestones\*\* of the WSIS process \((\d{4}) to (\d{4})\);"
    )
    assert (int(held), int(since), int(until)) == (len(milestones), first, last)
    (organisations,) = figure(r"\n- (\d+) \*\*organisations\*\* the sheet names")
    assert int(organisations) == len(seed_data["organisations"])
    (nris,) = figure(r"\n- (\d+) of the IGF's \*\*National, Regional")
    assert int(nris) == len(seed_data["nris"])
    (action_lines,) = figure(r"\n- the (\d+) \*\*WSIS Action Lines\*\*")
    assert int(action_lines) == len(seed_data["action_lines"])
    (facts,) = figure(r"\n- (\d+) \*\*facts\*\*")
    assert int(facts) == len(seed_data["facts"])
    (calls,) = figure(r"its (\w+) calls to action,\s+as the sheet")
    assert NUMBER_WORDS[calls] == len(seed_data["calls_to_action"])


def test_the_readme_states_the_nri_coverage_gap_of_the_data(seed_data: dict[str, Any]) -> None:
    evidence = Counter(nri["evidence"] for nri in seed_data["nris"])
    stated = figure(
        r"\*\*NRIs\*\*: (\d+) are held against the (\d+) the fact sheet counts, and the two"
        r"\s+lists are not the\s+same set\. Only \*\*(\d+)\*\* carry a statement of IGF"
        r"\s+recognition \((\d+) seen on an IGF Secretariat\s+page, (\d+) stated elsewhere\);"
        r"\s+the other (\d+) are only reported to exist"
    )
    assert tuple(int(number) for number in stated) == (
        len(seed_data["nris"]),
        seed_data["dataset"]["nri_fact_sheet_count"],
        evidence["igf_secretariat_page"] + evidence["recognition_stated_elsewhere"],
        evidence["igf_secretariat_page"],
        evidence["recognition_stated_elsewhere"],
        evidence["existence_reported"],
    )


def test_the_readme_envelope_example_is_a_page_of_the_data(seed_data: dict[str, Any]) -> None:
    youth = sorted((n for n in seed_data["nris"] if n["kind"] == "youth"), key=lambda n: n["name"])
    first_id, first_name = figure(r'"data": \[\{"id": "(nri-\d+)", "name": "([^"]+)"')
    total, held, claimed = figure(
        r'"meta": \{"total": (\d+), "limit": 5, "sort": "name", "held": (\d+), '
        r'"fact_sheet_count": (\d+),'
    )
    assert (first_id, first_name) == (youth[0]["id"], youth[0]["name"])
    assert (int(total), int(held), int(claimed)) == (
        len(youth),
        len(seed_data["nris"]),
        seed_data["dataset"]["nri_fact_sheet_count"],
    )


@pytest.mark.parametrize(
    ("schema", "field", "figure_of"),
    [
        ("CollectionLink", "count", "nris held"),
        ("NriPageMeta", "held", "nris held"),
        ("NriPageMeta", "fact_sheet_count", "fact sheet count"),
        ("Summary", "total", "nris held"),
    ],
)
def test_openapi_count_examples_are_the_data_s_counts(
    client: TestClient, seed_data: dict[str, Any], schema: str, field: str, figure_of: str
) -> None:
    expected = {
        "nris held": len(seed_data["nris"]),
        "fact sheet count": seed_data["dataset"]["nri_fact_sheet_count"],
    }[figure_of]
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert schemas[schema]["properties"][field]["examples"] == [expected]


def test_the_collection_link_example_names_the_nris(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert schemas["CollectionLink"]["properties"]["name"]["examples"] == ["nris"]
