"""Does the cost stay flat as the data grows? `.venv/bin/python -m bench.scale`

For each backend (a scratch SQLite file; a scratch PostgreSQL database, created and dropped
here) and each size (1x, 10x, 100x synthetic data, see bench/synthetic.py), loads the real
seed plus the synthetic records, then times requests in-process through the whole app
(TestClient; response cache and rate limit off, so every request reaches the database) and
writes the medians to bench/SCALE.md. Bounded: about five to ten minutes on two cores.
"""

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from fastapi.testclient import TestClient
from psycopg import sql
from sqlalchemy import Engine, select, text
from sqlalchemy.engine import make_url

from app.collections.nris import NRIS
from app.cursors import Cursor, CursorCodec
from app.db import make_engine
from app.main import create_app
from app.migrate import upgrade
from app.models import Nri
from app.paging import Ordering
from app.resources import seed_path
from app.seed import sync_seed
from app.seed_check import load_seed_file
from app.settings import Settings
from bench import synthetic
from bench.scale_report import Measurement, render

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
LIMIT = 50
DEPTH = 1_000  # pages
WARMUP, REPEAT = 2, 15
NRI = Nri.__table__  # type: ignore[attr-defined]
SELECTIVE_PLACE = synthetic.place_name(7)


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def scratch_database(backend: str, admin_url: str, workdir: Path) -> Iterator[str]:
    """A new, empty database; removed afterwards."""
    if backend == "sqlite":
        path = workdir / f"scale-{secrets.token_hex(4)}.db"
        try:
            yield f"sqlite:///{path}"
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    name = f"factsheet_scale_{secrets.token_hex(4)}"
    with psycopg.connect(_libpq(admin_url), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_libpq(admin_url), autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def prepare(url: str, factor: int) -> float:
    """Schema, real seed, synthetic records, fresh statistics; returns the seconds it took."""
    started = time.perf_counter()
    engine = make_engine(url)
    try:
        upgrade(engine)
        sync_seed(engine, load_seed_file(seed_path()))
        synthetic.load(engine, factor)
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        else:
            with engine.begin() as conn:
                conn.execute(text("ANALYZE"))
    finally:
        engine.dispose()
    return time.perf_counter() - started


def deep_cursor(engine: Engine, sort: str, pages: int) -> tuple[str, int]:
    """The cursor that `next` links would hold after `pages - 1` pages (or as deep as the
    data goes), read straight from the table instead of walking there."""
    with engine.connect() as conn:
        total = int(conn.execute(select(text("count(*)")).select_from(NRI)).scalar_one())
    depth = min(pages, (total - 1) // LIMIT + 1)
    ordering = Ordering(sort, NRIS.sorts[sort.lstrip("-")], NRI.c.id)
    column = ordering.key.column
    order = [column.is_(None)]
    order += [column.desc(), NRI.c.id.desc()] if ordering.descending else [column, NRI.c.id]
    query = select(NRI).order_by(*order).offset((depth - 1) * LIMIT - 1).limit(1)
    with engine.connect() as conn:
        row = conn.execute(query).one()._mapping
    # Signed with the database's cursor secret, as the app (no FACTSHEET_CURSOR_SECRET) signs.
    token = CursorCodec(engine).encode(Cursor(sort, ordering.key_of(row, "id"), "next"))
    return token, depth


def get(client: TestClient, url: str, params: dict[str, Any]) -> float:
    """Seconds one request took; it must succeed."""
    started = time.perf_counter()
    response = client.get(url, params=params)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"{url} {params}: {response.status_code} {response.text[:300]}")
    return elapsed


def measure(url: str, factor: int, backend: str) -> list[Measurement]:
    """Median milliseconds per scenario. The scenarios take turns, REPEAT rounds after WARMUP
    ones, so a burst of load elsewhere on the machine spreads over all of them."""
    settings = Settings(
        database_url=url,
        cache_enabled=False,
        rate_limit_enabled=False,
        access_log=False,
        _env_file=None,
    )
    app = create_app(settings)
    try:
        # localhost: a host the API answers to by default (testserver is not one).
        with TestClient(app, base_url="http://localhost") as client:
            scenarios = requests(client, app.state.engine)
            samples: dict[str, list[float]] = {key: [] for key, *_ in scenarios}
            for round_ in range(WARMUP + REPEAT):
                for key, path, params, _ in scenarios:
                    elapsed = get(client, path, params)
                    if round_ >= WARMUP:
                        samples[key].append(elapsed * 1000)
    finally:
        app.state.engine.dispose()
    return [
        Measurement(backend, factor, key, statistics.median(samples[key]), note)
        for key, _, _, note in scenarios
    ]


def requests(client: TestClient, engine: Engine) -> list[tuple[str, str, dict[str, Any], str]]:
    """(key, path, params, note) of every scenario at this size."""
    name_cursor, depth = deep_cursor(engine, "name", DEPTH)
    year_cursor, _ = deep_cursor(engine, "-established_year", DEPTH)
    deep = f"page {depth}"
    return [
        ("first", "/v1/nris", {"limit": LIMIT}, ""),
        ("deep", "/v1/nris", {"limit": LIMIT, "cursor": name_cursor}, deep),
        (
            "deep_nullable",
            "/v1/nris",
            {"limit": LIMIT, "sort": "-established_year", "cursor": year_cursor},
            deep,
        ),
        ("filtered", "/v1/nris", {"kind": "youth", "region": "Africa", "limit": LIMIT}, ""),
        ("facets", *facet_request(client)),
        ("search", "/v1/search", {"q": SELECTIVE_PLACE}, ""),
        ("search_broad", "/v1/search", {"q": "youth Africa"}, ""),
        ("list_q", "/v1/nris", {"q": SELECTIVE_PLACE, "limit": LIMIT}, ""),
    ]


def facet_request(client: TestClient) -> tuple[str, dict[str, Any], str]:
    """The list's own facet counts (issue 4's `facets` parameter)."""
    params: dict[str, Any] = {"facets": "kind,region", "limit": 1}
    if client.get("/v1/nris", params=params).status_code == 200:
        return "/v1/nris", params, ""
    raise RuntimeError("GET /v1/nris has no `facets` parameter")


def run(backends: list[str], factors: list[int], admin_url: str) -> tuple[list[Any], str]:
    measurements: list[Measurement] = []
    log: list[str] = []
    with tempfile.TemporaryDirectory(prefix="factsheet-scale-") as tmp:
        for backend in backends:
            for factor in factors:
                with scratch_database(backend, admin_url, Path(tmp)) as url:
                    loaded = prepare(url, factor)
                    started = time.perf_counter()
                    measurements += measure(url, factor, backend)
                    line = (
                        f"{backend} {factor}x: loaded in {loaded:.1f} s, "
                        f"measured in {time.perf_counter() - started:.1f} s"
                    )
                    print(line, flush=True)
                    log.append(line)
    return measurements, "\n".join(log)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scales", default="1,10,100", help="comma-separated factors")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("FACTSHEET_BENCH_PG_URL", DEFAULT_PG),
        help="a PostgreSQL URL whose user may CREATE DATABASE (scratch databases go beside)",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "SCALE.md")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    factors = [int(f) for f in args.scales.split(",")]
    backends = args.backends.split(",")
    measurements, log = run(backends, factors, args.pg_url)
    elapsed = time.perf_counter() - started
    command = " ".join(["python -m bench.scale", *(argv if argv is not None else sys.argv[1:])])
    args.out.write_text(render(measurements, factors, backends, elapsed, command, log))
    print(f"wrote {args.out} in {elapsed:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
