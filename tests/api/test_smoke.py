from typing import Any

from fastapi.testclient import TestClient


def test_youth_nris_page_has_five_records_a_next_link_and_total_42(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    response = client.get("/v1/nris", params={"kind": "youth", "limit": 5})
    body = response.json()
    assert response.status_code == 200
    assert len(body["data"]) == 5
    assert {r["kind"] for r in body["data"]} == {"youth"}
    assert body["links"]["next"] is not None
    assert body["meta"]["total"] == 42
