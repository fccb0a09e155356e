"""Tests for app.seed_check against the real seed.json and variants of it."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from app.countries import ISO_3166_1_ALPHA_2
from app.seed_check import (
    SeedProblem,
    check_seed,
    check_seed_file,
    load_schema,
    load_seed_file,
)

REPO_ROOT = Path(__file__).parents[1]
SEED_PATH = REPO_ROOT / "seed.json"
BUILD_SCRIPT = REPO_ROOT / "tools" / "build_seed.py"
SHARED = REPO_ROOT.parent / "shared"

_REAL_SEED: dict[str, Any] = json.loads(SEED_PATH.read_text(encoding="utf-8"))


@pytest.fixture
def seed() -> dict[str, Any]:
    """A deep copy of the real seed, free to modify."""
    return copy.deepcopy(_REAL_SEED)


def record(data: dict[str, Any], collection: str, record_id: str) -> dict[str, Any]:
    key = {"action_lines": "code"}.get(collection, "id")
    for item in data[collection]:
        if item[key] == record_id:
            return item  # type: ignore[no-any-return]
    raise KeyError(record_id)


def section(data: dict[str, Any], section_id: str) -> dict[str, Any]:
    for item in data["fact_sheet"]["sections"]:
        if item["id"] == section_id:
            return item  # type: ignore[no-any-return]
    raise KeyError(section_id)


def at(
    problems: list[SeedProblem], collection: str, record_id: str | None, field: str
) -> list[SeedProblem]:
    return [
        p
        for p in problems
        if (p.collection, p.record_id, p.field) == (collection, record_id, field)
    ]


# --------------------------------------------------------------------------- the real seed


def test_real_seed_has_no_problems() -> None:
    assert check_seed(_REAL_SEED) == []


def test_real_seed_file_has_no_problems() -> None:
    assert check_seed_file(SEED_PATH) == []


@pytest.mark.skipif(not (SHARED / "reference").is_dir(), reason="shared reference data not present")
def test_real_seed_holds_every_record_the_reference_files_declare() -> None:
    def reference(name: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(
            (SHARED / "reference" / f"{name}.json").read_text(encoding="utf-8")
        )
        return data

    for name in ("milestones", "organisations", "nris", "action_lines", "calls_to_action"):
        assert len(_REAL_SEED[name]) == reference(name)["records_found"], name
    nris = reference("nris")
    for field in ("kind", "evidence"):
        held = Counter(nri[field] for nri in _REAL_SEED["nris"])
        assert held == nris[f"counts_by_{field}"], field
    facts = reference("facts")
    fact_sheet_facts = [f for f in _REAL_SEED["facts"] if f["category"] == "fact_sheet"]
    assert len(fact_sheet_facts) == facts["records_found"]


def test_real_seed_top_level_keys_are_in_the_documented_order() -> None:
    assert list(_REAL_SEED) == [
        "dataset",
        "fact_sheet",
        "calls_to_action",
        "organisations",
        "milestones",
        "nris",
        "action_lines",
        "facts",
    ]


def test_real_seed_records_fact_sheet_nri_count_and_coverage_gap() -> None:
    dataset = _REAL_SEED["dataset"]
    claim = record(_REAL_SEED, "facts", "fs-nri-count")["value"]
    assert dataset["nri_fact_sheet_count"] == claim
    evidence = Counter(nri["evidence"] for nri in _REAL_SEED["nris"])
    secretariat = evidence["igf_secretariat_page"]
    elsewhere = evidence["recognition_stated_elsewhere"]
    assert dataset["nri_coverage_note"].startswith(
        f"This dataset holds {len(_REAL_SEED['nris'])} NRIs against the {claim} counted in the "
        f"fact sheet, and the two lists are not the same set. Only {secretariat + elsewhere} "
        f"records carry a statement of IGF recognition ({secretariat} igf_secretariat_page + "
        f"{elsewhere} recognition_stated_elsewhere); the other "
        f"{evidence['existence_reported']} are only reported to exist"
    )


def _record_texts(value: object, path: str = "") -> list[tuple[str, str]]:
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in _record_texts(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [t for i, v in enumerate(value) for t in _record_texts(v, f"{path}[{i}]")]
    return []


def test_real_seed_texts_do_not_point_at_files_users_cannot_see() -> None:
    url = re.compile(r"https?://\S+")
    pointer = re.compile(r"\bREADME\b|\b[\w-]+\.json\b|\bthis file\b|\bitu_headline_figures\b")
    found = [
        (path, text)
        for path, text in _record_texts({k: v for k, v in _REAL_SEED.items() if k != "fact_sheet"})
        if pointer.search(url.sub("", text))
    ]
    assert found == []


def test_real_seed_pointers_to_other_records_name_records_that_exist() -> None:
    hrefs = {
        f"/v1/{name.replace('_', '-')}/{item['code' if name == 'action_lines' else 'id']}"
        for name in ("milestones", "organisations", "nris", "action_lines", "facts")
        for item in _REAL_SEED[name]
    }
    linked = {
        href.rstrip(".,;)")
        for _, text in _record_texts(_REAL_SEED)
        for href in re.findall(r"(?<![\w/])/v1/[\w/-]+", text)
    }
    assert linked
    assert linked - hrefs <= {"/v1/calls-to-action"}


def test_real_seed_source_addresses_are_not_cut_off() -> None:
    cut = [
        (path, text)
        for path, text in _record_texts(_REAL_SEED)
        if re.search(r"https?://\S*(?:\.\.\.|\u2026)", text)
    ]
    assert cut == []


def test_real_seed_cites_the_wsis_resolution_by_its_un_document_address() -> None:
    for milestone_id in ("ms-001", "ms-002", "ms-003", "ms-004"):
        milestone = record(_REAL_SEED, "milestones", milestone_id)
        assert milestone["source_url"] == "https://undocs.org/A/RES/59/220"
        assert milestone["other_sources"][0] == "https://studylib.net/doc/13466531"
    assert record(_REAL_SEED, "milestones", "ms-003")["resolution"] == "A/RES/59/220"


def test_real_seed_modalities_date_conflict_is_recorded() -> None:
    ms_019 = record(_REAL_SEED, "milestones", "ms-019")
    assert ms_019["start_date"] == "2025-03-27"
    assert ms_019["conflicts"][0]["field"] == "start_date"
    assert set(ms_019["conflicts"][0]["values"]) == {"2025-03-25", "2025-03-27"}


def test_real_seed_unmatched_milestone_organisations_are_kept_as_names() -> None:
    ms_014 = record(_REAL_SEED, "milestones", "ms-014")
    assert ms_014["organisations"] == ["org-011"]
    assert ms_014["unlinked_organisations"] == ["UNESCO", "UNDP", "UNCTAD"]
    ms_018 = record(_REAL_SEED, "milestones", "ms-018")
    assert ms_018["organisations"] == ["org-011", "org-019"]


def test_seed_file_is_written_with_two_space_indent_and_trailing_newline() -> None:
    text = SEED_PATH.read_text(encoding="utf-8")
    assert text == json.dumps(_REAL_SEED, indent=2, ensure_ascii=False) + "\n"


@pytest.mark.skipif(not (SHARED / "reference").is_dir(), reason="shared reference data not present")
def test_build_script_reproduces_seed_json_byte_for_byte(tmp_path: Path) -> None:
    out = tmp_path / "seed.json"
    subprocess.run(
        [
            sys.executable,
            str(BUILD_SCRIPT),
            "--reference",
            str(SHARED / "reference"),
            "--fact-sheet",
            str(SHARED / "seeds" / "000_8dd7d0fc31151220.txt"),
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    assert out.read_bytes() == SEED_PATH.read_bytes()


# --------------------------------------------------------------------------- uniqueness


def test_duplicate_milestone_id_is_reported_with_record_and_field(seed: dict[str, Any]) -> None:
    seed["milestones"][1]["id"] = "ms-001"
    problems = check_seed(seed)
    assert [p.message for p in at(problems, "milestones", "ms-001", "id")] == [
        "duplicate id ms-001 (records #0 and #1)"
    ]
    assert len(problems) == 1


@pytest.mark.parametrize(
    ("collection", "key"),
    [
        ("organisations", "id"),
        ("nris", "id"),
        ("action_lines", "code"),
        ("facts", "id"),
    ],
)
def test_duplicate_id_in_any_collection_is_reported(
    seed: dict[str, Any], collection: str, key: str
) -> None:
    first = seed[collection][0][key]
    seed[collection][2][key] = first
    problems = check_seed(seed)
    duplicates = at(problems, collection, first, key)
    assert len(duplicates) == 1
    assert duplicates[0].message == f"duplicate {key} {first} (records #0 and #2)"


def test_duplicate_call_to_action_number_is_reported(seed: dict[str, Any]) -> None:
    seed["calls_to_action"][2]["number"] = 2
    problems = check_seed(seed)
    assert at(problems, "calls_to_action", "2", "number")[0].message.startswith(
        "duplicate number 2"
    )
    # The numbering rule fires too: 1, 2, 2, 4, ... is not 1..7.
    assert at(problems, "calls_to_action", None, "number")


def test_duplicate_section_id_is_reported(seed: dict[str, Any]) -> None:
    seed["fact_sheet"]["sections"][1]["id"] = "what-is-wsis-20"
    problems = check_seed(seed)
    assert len(at(problems, "fact_sheet.sections", "what-is-wsis-20", "id")) == 1


# --------------------------------------------------------------------------- references


def test_unknown_milestone_organisation_is_reported_at_its_position(
    seed: dict[str, Any],
) -> None:
    record(seed, "milestones", "ms-030")["organisations"].append("org-999")
    problems = check_seed(seed)
    assert [str(p) for p in problems] == [
        "milestones[ms-030].organisations[3]: unknown organisation id org-999"
    ]


def test_milestone_organisation_refers_to_a_removed_organisation(seed: dict[str, Any]) -> None:
    seed["organisations"] = [o for o in seed["organisations"] if o["id"] != "org-019"]
    problems = check_seed(seed)
    assert [(p.record_id, p.field) for p in problems] == [("ms-018", "organisations[1]")]


def test_unknown_action_line_parent_code_is_reported(seed: dict[str, Any]) -> None:
    record(seed, "action_lines", "C7.e-health")["parent_code"] = "C12"
    problems = check_seed(seed)
    assert [str(p) for p in problems] == [
        "action_lines[C7.e-health].parent_code: unknown parent_code C12"
    ]


def test_unknown_section_parent_id_is_reported(seed: dict[str, Any]) -> None:
    section(seed, "technical-coordination-and-internet-governance")["parent_id"] = "no-such"
    problems = check_seed(seed)
    assert [(p.collection, p.record_id, p.field) for p in problems] == [
        ("fact_sheet.sections", "technical-coordination-and-internet-governance", "parent_id")
    ]
    assert problems[0].message == "unknown parent_id no-such"


def test_section_parent_must_be_a_level_one_section(seed: dict[str, Any]) -> None:
    section(seed, "technical-coordination-and-internet-governance")["parent_id"] = (
        "the-internet-as-global-infrastructure"
    )
    problems = check_seed(seed)
    assert len(problems) == 1
    assert problems[0].message.endswith("is not a level-1 section")


def test_conflict_must_name_a_field_of_its_record(seed: dict[str, Any]) -> None:
    record(seed, "nris", "nri-068")["conflicts"][0]["field"] = "founded"
    problems = check_seed(seed)
    assert [(p.collection, p.record_id, p.field) for p in problems] == [
        ("nris", "nri-068", "conflicts[0].field")
    ]


# --------------------------------------------------------------------------- integers


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (5.0, "5.0 is not of type 'integer', 'null'"),
        (2**63, f"{2**63} is greater than the maximum of {2**63 - 1}"),
        (-(2**63) - 1, f"{-(2**63) - 1} is less than the minimum of {-(2**63)}"),
        (True, "True is not of type 'integer', 'null'"),
    ],
    ids=["float", "past-64-bits", "below-64-bits", "boolean"],
)
def test_an_integer_field_takes_only_an_integer_its_column_holds(
    seed: dict[str, Any], value: object, reason: str
) -> None:
    """JSON Schema alone counts 5.0 as an integer, and sets no bound: the database would keep
    5 (or fail on 2**63) while a revision kept what the file said."""
    fact = seed["facts"][0]
    fact["value"] = value
    assert [str(p) for p in check_seed(seed)] == [f"facts[{fact['id']}].value: {reason}"]


def test_the_largest_and_smallest_64_bit_values_are_integers(seed: dict[str, Any]) -> None:
    seed["facts"][0]["value"], seed["facts"][1]["value"] = 2**63 - 1, -(2**63)
    assert check_seed(seed) == []


# --------------------------------------------------------------------------- dates


def test_end_date_before_start_date_is_reported(seed: dict[str, Any]) -> None:
    record(seed, "milestones", "ms-019")["end_date"] = "2025-03-01"
    problems = check_seed(seed)
    assert [str(p) for p in problems] == [
        "milestones[ms-019].end_date: end_date 2025-03-01 is before start_date 2025-03-27"
    ]


def test_end_date_equal_to_start_date_is_accepted(seed: dict[str, Any]) -> None:
    record(seed, "milestones", "ms-019")["end_date"] = "2025-03-27"
    assert check_seed(seed) == []


@pytest.mark.parametrize(
    ("precision", "start", "end", "ok"),
    [
        ("year", "2010", "2010", True),
        ("year", "2010", "2009", False),
        ("month", "2025-08", "2025-08", True),
        ("month", "2025-08", "2025-07", False),
        ("day", "2025-12-16", "2025-12-17", True),
    ],
)
def test_end_date_is_compared_by_the_start_of_its_period(
    seed: dict[str, Any], precision: str, start: str, end: str, ok: bool
) -> None:
    ms = record(seed, "milestones", "ms-009")
    ms.update(date_precision=precision, start_date=start, end_date=end)
    problems = check_seed(seed)
    assert (problems == []) is ok
    if not ok:
        assert [(p.record_id, p.field) for p in problems] == [("ms-009", "end_date")]


@pytest.mark.parametrize(
    ("precision", "value"),
    [("day", "2025-03"), ("day", "2025"), ("month", "2025-03-27"), ("year", "2025-03")],
)
def test_date_shape_must_match_date_precision(
    seed: dict[str, Any], precision: str, value: str
) -> None:
    ms = record(seed, "milestones", "ms-017")
    ms.update(date_precision=precision, start_date=value)
    problems = check_seed(seed)
    assert len(problems) == 1
    assert (problems[0].record_id, problems[0].field) == ("ms-017", "start_date")
    assert f"does not match date_precision {precision}" in problems[0].message


@pytest.mark.parametrize(
    ("precision", "value"),
    [("day", "2025-02-29"), ("day", "2025-04-31"), ("day", "2025-00-10"), ("month", "2025-13")],
)
def test_impossible_calendar_date_is_reported(
    seed: dict[str, Any], precision: str, value: str
) -> None:
    ms = record(seed, "milestones", "ms-017")
    ms.update(date_precision=precision, start_date=value)
    problems = check_seed(seed)
    assert [str(p) for p in problems] == [
        f"milestones[ms-017].start_date: {value} is not a calendar date"
    ]


def test_malformed_date_is_one_schema_problem(seed: dict[str, Any]) -> None:
    record(seed, "milestones", "ms-017")["start_date"] = "20 January 2025"
    problems = check_seed(seed)
    assert [(p.record_id, p.field) for p in problems] == [("ms-017", "start_date")]
    assert "does not match" in problems[0].message


def test_leap_day_is_a_calendar_date(seed: dict[str, Any]) -> None:
    record(seed, "milestones", "ms-017")["start_date"] = "2024-02-29"
    assert check_seed(seed) == []


def test_impossible_end_date_is_reported_without_a_date_order_problem(
    seed: dict[str, Any],
) -> None:
    record(seed, "milestones", "ms-024")["end_date"] = "2025-06-31"
    problems = check_seed(seed)
    assert [(p.record_id, p.field) for p in problems] == [("ms-024", "end_date")]


def test_recognised_before_established_is_not_a_problem(seed: dict[str, Any]) -> None:
    nri = record(seed, "nris", "nri-032")
    nri.update(established_year=2021, recognised_year=2020)
    assert check_seed(seed) == []


# --------------------------------------------------------------------------- countries


@pytest.mark.parametrize("code", ["UK", "EU", "XK", "ZZ", "AN"])
def test_unassigned_country_code_is_reported(seed: dict[str, Any], code: str) -> None:
    record(seed, "nris", "nri-101")["country"] = code
    problems = check_seed(seed)
    assert [(p.collection, p.record_id, p.field) for p in problems] == [
        ("nris", "nri-101", "country")
    ]
    assert "not an officially assigned ISO 3166-1 alpha-2 code" in problems[0].message


@pytest.mark.parametrize("code", ["TW", "HK", "PS", "AX"])
def test_assigned_country_codes_such_as_taiwan_and_hong_kong_are_accepted(
    seed: dict[str, Any], code: str
) -> None:
    record(seed, "nris", "nri-101")["country"] = code
    assert check_seed(seed) == []


def test_country_list_holds_the_249_assigned_codes() -> None:
    assert len(ISO_3166_1_ALPHA_2) == 249
    assert all(len(code) == 2 and code.isupper() for code in ISO_3166_1_ALPHA_2)
    assert {"TW", "HK", "GB", "SS"} <= ISO_3166_1_ALPHA_2
    assert not {"UK", "EU", "XK"} & ISO_3166_1_ALPHA_2


def test_lower_case_country_code_is_a_schema_problem(seed: dict[str, Any]) -> None:
    record(seed, "nris", "nri-101")["country"] = "es"
    problems = check_seed(seed)
    assert at(problems, "nris", "nri-101", "country")


# --------------------------------------------------------------------------- calls to action


def test_call_to_action_numbers_must_have_no_gaps(seed: dict[str, Any]) -> None:
    del seed["calls_to_action"][2]
    problems = check_seed(seed)
    assert [str(p) for p in problems] == [
        "calls_to_action.number: numbers must be exactly 1..6 in order without gaps; "
        "found [1, 2, 4, 5, 6, 7]"
    ]


def test_call_to_action_numbers_must_start_at_one(seed: dict[str, Any]) -> None:
    for call in seed["calls_to_action"]:
        call["number"] += 1
    problems = check_seed(seed)
    assert [(p.collection, p.field) for p in problems] == [("calls_to_action", "number")]


# --------------------------------------------------------------------------- schema


def test_unknown_milestone_kind_is_a_schema_problem(seed: dict[str, Any]) -> None:
    record(seed, "milestones", "ms-001")["kind"] = "party"
    problems = check_seed(seed)
    assert len(problems) == 1
    assert (problems[0].collection, problems[0].record_id, problems[0].field) == (
        "milestones",
        "ms-001",
        "kind",
    )
    assert problems[0].message.startswith("'party' is not one of")


@pytest.mark.parametrize(
    ("collection", "record_id", "field", "value"),
    [
        ("nris", "nri-001", "evidence", "rumour"),
        ("nris", "nri-001", "kind", "global"),
        ("nris", "nri-001", "region", "Atlantis"),
        ("milestones", "ms-001", "date_precision", "week"),
        ("facts", "fs-calls", "category", "opinion"),
    ],
)
def test_value_outside_a_controlled_vocabulary_is_a_schema_problem(
    seed: dict[str, Any], collection: str, record_id: str, field: str, value: str
) -> None:
    record(seed, collection, record_id)[field] = value
    problems = check_seed(seed)
    assert at(problems, collection, record_id, field)
    assert {p.record_id for p in problems} == {record_id}


def test_missing_required_field_is_named_in_the_problem(seed: dict[str, Any]) -> None:
    del record(seed, "organisations", "org-002")["website"]
    problems = check_seed(seed)
    assert [str(p) for p in problems] == [
        "organisations[org-002].website: required field is missing"
    ]


def test_unexpected_field_is_named_in_the_problem(seed: dict[str, Any]) -> None:
    record(seed, "action_lines", "C3")["colour"] = "blue"
    problems = check_seed(seed)
    assert [str(p) for p in problems] == ["action_lines[C3].colour: unexpected field"]


def test_wrong_id_pattern_is_a_schema_problem(seed: dict[str, Any]) -> None:
    record(seed, "milestones", "ms-005")["id"] = "milestone-5"
    problems = check_seed(seed)
    assert [(p.collection, p.record_id, p.field) for p in problems] == [
        ("milestones", "milestone-5", "id")
    ]


def test_string_year_is_a_schema_problem(seed: dict[str, Any]) -> None:
    record(seed, "organisations", "org-002")["founded_year"] = "1998"
    problems = check_seed(seed)
    assert [(p.record_id, p.field) for p in problems] == [("org-002", "founded_year")]


def test_national_nri_without_country_is_a_schema_problem(seed: dict[str, Any]) -> None:
    record(seed, "nris", "nri-068")["country"] = None
    problems = check_seed(seed)
    assert [(p.record_id, p.field) for p in problems] == [("nri-068", "country")]


def test_level_two_section_without_parent_is_a_schema_problem(seed: dict[str, Any]) -> None:
    section(seed, "the-internet-as-global-infrastructure")["parent_id"] = None
    problems = check_seed(seed)
    assert at(problems, "fact_sheet.sections", "the-internet-as-global-infrastructure", "parent_id")


def test_problem_inside_a_conflict_entry_is_located(seed: dict[str, Any]) -> None:
    record(seed, "milestones", "ms-019")["conflicts"][0]["values"] = ["2025-03-27"]
    problems = check_seed(seed)
    assert [(p.record_id, p.field) for p in problems] == [("ms-019", "conflicts[0].values")]


def test_missing_collection_is_reported_at_the_root(seed: dict[str, Any]) -> None:
    del seed["nris"]
    problems = check_seed(seed)
    assert [str(p) for p in problems] == ["(root).nris: required field is missing"]


def test_record_of_the_wrong_type_is_reported_by_position(seed: dict[str, Any]) -> None:
    seed["milestones"][4] = "not a record"
    problems = check_seed(seed)
    assert [(p.collection, p.record_id, p.field) for p in problems] == [("milestones", "#4", "")]


def test_non_object_document_is_one_root_problem() -> None:
    problems = check_seed([1, 2, 3])
    assert len(problems) == 1
    assert (problems[0].collection, problems[0].record_id) == ("(root)", None)


def test_schema_is_draft_2020_12_package_data() -> None:
    schema = load_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False


# --------------------------------------------------------------------------- many at once


def test_several_problems_are_all_reported_at_once(seed: dict[str, Any]) -> None:
    record(seed, "milestones", "ms-019")["end_date"] = "2025-03-01"
    record(seed, "milestones", "ms-002")["organisations"] = ["org-404"]
    record(seed, "milestones", "ms-003")["kind"] = "party"
    record(seed, "nris", "nri-010")["country"] = "QZ"
    record(seed, "action_lines", "C7.e-science")["parent_code"] = "C99"
    seed["facts"][1]["id"] = seed["facts"][0]["id"]
    del seed["calls_to_action"][6]["summary"]
    del seed["calls_to_action"][0]
    problems = check_seed(seed)
    located = {(p.collection, p.record_id, p.field) for p in problems}
    assert {
        ("milestones", "ms-019", "end_date"),
        ("milestones", "ms-002", "organisations[0]"),
        ("milestones", "ms-003", "kind"),
        ("nris", "nri-010", "country"),
        ("action_lines", "C7.e-science", "parent_code"),
        ("facts", "fs-users-2003", "id"),
        ("calls_to_action", "7", "summary"),
        ("calls_to_action", None, "number"),
    } <= located
    # nri-010 is sub-regional: a country is both a schema problem and an unassigned code.
    assert len(at(problems, "nris", "nri-010", "country")) == 2


def test_problems_are_sorted_and_repeatable(seed: dict[str, Any]) -> None:
    record(seed, "nris", "nri-150")["region"] = "Nowhere"
    record(seed, "milestones", "ms-030")["end_date"] = "2020-01-01"
    record(seed, "organisations", "org-001")["extra"] = 1
    first = check_seed(seed)
    assert first == check_seed(copy.deepcopy(seed))
    keys = [(p.collection, p.record_id or "", p.field, p.message) for p in first]
    assert keys == sorted(keys)
    assert [p.collection for p in first] == ["milestones", "nris", "organisations"]


def test_problem_str_names_collection_record_and_field() -> None:
    problem = SeedProblem("milestones", "ms-019", "end_date", "end_date 2025-03-01 is before")
    assert str(problem) == "milestones[ms-019].end_date: end_date 2025-03-01 is before"
    assert str(SeedProblem("dataset", None, "version", "bad")) == "dataset.version: bad"
    assert str(SeedProblem("(file)", None, "", "broken")) == "(file): broken"


# --------------------------------------------------------------------------- files


def test_invalid_json_file_is_a_single_file_problem(tmp_path: Path) -> None:
    path = tmp_path / "seed.json"
    path.write_text('{\n  "dataset": {\n    "title": "x",\n  }\n}\n', encoding="utf-8")
    problems = check_seed_file(path)
    assert len(problems) == 1
    assert problems[0].collection == "(file)"
    assert problems[0].record_id is None
    assert "line 4, column 3" in problems[0].message


def test_load_seed_file_raises_value_error_with_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "seed.json"
    path.write_text("[1, 2,\n  oops]\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"line 2, column 3"):
        load_seed_file(path)


def test_non_utf8_file_is_a_single_file_problem(tmp_path: Path) -> None:
    path = tmp_path / "seed.json"
    path.write_bytes(b'{"title": "\xff"}')
    problems = check_seed_file(path)
    assert [p.collection for p in problems] == ["(file)"]


def test_missing_file_is_a_single_file_problem(tmp_path: Path) -> None:
    problems = check_seed_file(tmp_path / "absent.json")
    assert len(problems) == 1
    assert problems[0].collection == "(file)"
    assert "cannot read" in problems[0].message


def test_valid_file_with_bad_content_is_checked_record_by_record(
    tmp_path: Path, seed: dict[str, Any]
) -> None:
    record(seed, "milestones", "ms-019")["end_date"] = "2025-03-01"
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(seed), encoding="utf-8")
    assert [str(p) for p in check_seed_file(path)] == [
        "milestones[ms-019].end_date: end_date 2025-03-01 is before start_date 2025-03-27"
    ]


def test_action_line_whose_parent_is_a_sub_line_is_reported(seed: dict[str, Any]) -> None:
    record(seed, "action_lines", "C7.e-business")["parent_code"] = "C7.e-government"
    problems = check_seed(seed)
    found = at(problems, "action_lines", "C7.e-business", "parent_code")
    assert any("is itself a sub-line" in p.message for p in found), found
