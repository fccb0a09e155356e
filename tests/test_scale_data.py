"""The scale benchmark's synthetic data: marked as synthetic everywhere, never in seed.json,
loadable beside the real seed on either backend, and the benchmark's shortcut to a deep page
lands where following `next` links would."""

import json
import random
from collections import Counter
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from bench import synthetic
from bench.scale import LIMIT, deep_cursor
from tests.conftest import SEED_PATH


def test_sizes_scale_from_two_thousand_nris_and_five_hundred_milestones() -> None:
    assert [(synthetic.Scale(f).nris, synthetic.Scale(f).milestones) for f in (1, 10, 100)] == [
        (2_000, 500),
        (20_000, 5_000),
        (200_000, 50_000),
    ]


def generated(factor: int = 1) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rng = random.Random(1)
    scale = synthetic.Scale(factor)
    return list(synthetic.nri_rows(scale, rng)), list(synthetic.milestone_rows(scale, rng))


def test_every_record_is_marked_synthetic_three_ways() -> None:
    nris, milestones = generated()
    assert len(nris) == 2_000 and len(milestones) == 500
    for row, title in [*((r, r["name"]) for r in nris), *((r, r["title"]) for r in milestones)]:
        assert row["id"].startswith("syn-")
        assert title.startswith("Synthetic ")
        assert row["source_url"].startswith("https://example.invalid/synthetic/")


def test_ids_are_unique_and_generation_is_repeatable() -> None:
    nris, milestones = generated()
    ids = [r["id"] for r in nris + milestones]
    assert len(set(ids)) == len(ids)
    assert generated() == (nris, milestones)


def test_the_mix_of_kinds_follows_the_weights() -> None:
    nris, _ = generated(10)
    shares = {k: n / len(nris) for k, n in Counter(r["kind"] for r in nris).items()}
    total = sum(synthetic.KIND_WEIGHTS.values())
    for kind, weight in synthetic.KIND_WEIGHTS.items():
        assert shares[kind] == pytest.approx(weight / total, abs=0.02)


def test_seed_json_holds_nothing_synthetic() -> None:
    text = SEED_PATH.read_text(encoding="utf-8")
    data = json.loads(text)
    ids = [r["id"] for key in ("milestones", "nris", "organisations", "facts") for r in data[key]]
    assert not [i for i in ids if i.startswith(synthetic.ID_PREFIX)]
    assert "Synthetic " not in text and "example.invalid" not in text


def test_place_names_are_distinct() -> None:
    names = [synthetic.place_name(i) for i in range(synthetic.Scale(100).places)]
    assert len(set(names)) == len(names)


def test_load_adds_records_and_search_documents_beside_the_real_seed(
    client: TestClient, engine: Engine, seeded: dict[str, Any]
) -> None:
    loaded = synthetic.load(engine, 1)
    assert loaded == {"nris": 2_000, "milestones": 500, "search_documents": 2_500}
    body = client.get("/v1/nris", params={"limit": 1}).json()
    assert body["meta"]["total"] == len(seeded["nris"]) + 2_000
    place = synthetic.place_name(7)
    hits = client.get("/v1/search", params={"q": place, "limit": 200}).json()["data"]
    assert hits and all(place in h["title"] for h in hits)
    assert client.get("/v1/nris/nri-017").json()["id"] == "nri-017"


@pytest.mark.parametrize("sort", ["name", "-established_year"])
def test_the_benchmark_deep_cursor_is_the_one_next_links_lead_to(
    client: TestClient, engine: Engine, seeded: dict[str, Any], sort: str
) -> None:
    synthetic.load(engine, 1)
    page = client.get("/v1/nris", params={"limit": LIMIT, "sort": sort}).json()
    for _ in range(3):
        page = client.get(page["links"]["next"]).json()
    cursor, depth = deep_cursor(engine, sort, 4)
    shortcut = client.get("/v1/nris", params={"limit": LIMIT, "sort": sort, "cursor": cursor})
    assert depth == 4
    assert shortcut.json()["data"] == page["data"]
