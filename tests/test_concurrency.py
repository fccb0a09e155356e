"""A real uvicorn server answers a burst of concurrent requests with a tiny connection pool:
endpoints must give their connection back promptly instead of holding it while the event
loop (or another request) is needed to make progress."""

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from app.main import create_app
from app.migrate import upgrade
from app.seed import sync_seed
from app.settings import Settings

REQUESTS = 64
DEADLINE = 30.0  # seconds for the whole burst
PATHS = [
    "/v1/milestones",
    "/v1/milestones/ms-019",
    "/v1/organisations?sort=-founded_year",
    "/v1/organisations/org-017",
    "/v1/organisations/org-017/milestones",
    "/v1/nris?kind=youth&limit=5",
    "/v1/nris/nri-017",
    "/v1/action-lines",
    "/v1/action-lines/C7",
    "/v1/facts?sort=-as_of",
    "/v1/facts/fs-nri-count",
    "/v1/calls-to-action",
    "/v1/calls-to-action/2",
    "/v1/fact-sheet",
    "/v1",
    "/readyz",
]


@pytest.fixture
def server_url(tmp_path: Path, database_url: str, seed_data: dict[str, Any]) -> Iterator[str]:
    """A migrated, seeded database behind a uvicorn server on a free local port. SQLite
    is a file here (an in-memory one lives in a single connection); on PostgreSQL the
    test database is used as the other tests use it."""
    if database_url == "sqlite://":
        database_url = f"sqlite:///{tmp_path / 'factsheet.db'}"
    settings = Settings(
        database_url=database_url,
        db_pool_size=2,
        db_max_overflow=0,
        db_pool_timeout=10.0,
        cache_enabled=False,  # every request must reach the database
        _env_file=None,
    )
    app = create_app(settings)
    upgrade(app.state.engine)
    sync_seed(app.state.engine, seed_data)

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", access_log=False, ws="none"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        started_by = time.monotonic() + 10
        while not server.started:
            assert thread.is_alive(), "uvicorn stopped before it started"
            assert time.monotonic() < started_by, "uvicorn did not start within 10 s"
            time.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        listener.close()
    assert not thread.is_alive(), "uvicorn did not shut down"


async def burst(base_url: str, paths: list[str]) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=len(paths))
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=DEADLINE) as http:
        return await asyncio.gather(*(http.get(path) for path in paths))


@pytest.mark.slow
def test_64_concurrent_requests_all_answer_200_with_a_two_connection_pool(
    server_url: str,
) -> None:
    paths = [PATHS[i % len(PATHS)] for i in range(REQUESTS)]
    started = time.monotonic()
    responses = asyncio.run(asyncio.wait_for(burst(server_url, paths), timeout=DEADLINE))
    elapsed = time.monotonic() - started
    statuses = {path: response.status_code for path, response in zip(paths, responses, strict=True)}
    assert statuses == dict.fromkeys(PATHS, 200)
    assert all(response.status_code == 200 for response in responses)
    assert all(response.json() for response in responses)
    assert elapsed < DEADLINE
