"""HEAD works wherever GET does, and 405 answers say so."""

from typing import Any

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize("path", ["/healthz", "/v1/nris", "/problems/not-found", "/openapi.json"])
def test_head_answers_like_get_without_a_body(
    client: TestClient, seeded: dict[str, Any], path: str
) -> None:
    get = client.get(path)
    head = client.head(path)
    assert (get.status_code, head.status_code) == (200, 200)
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]


def test_405_lists_head_beside_get(client: TestClient) -> None:
    response = client.post("/v1/nris")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"
    assert response.headers["content-type"] == "application/problem+json"
