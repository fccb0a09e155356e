"""Prometheus metrics at /metrics: the request metrics of app.observability, plus figures
read from the app's state at scrape time (response cache, data revision, database pool,
rate limiter) and the process's own (CPU, memory, file descriptors, GC)."""

from collections.abc import Iterator

from fastapi import APIRouter, Request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    GCCollector,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine
from starlette.responses import Response

from app import __version__
from app.api.health import pool_status
from app.observability import Metrics
from app.rate_buckets import Buckets
from app.response_cache import ResponseStore

router = APIRouter(include_in_schema=False)


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    """Prometheus text exposition of this process's metrics."""
    collected: Metrics = request.app.state.metrics
    return Response(
        generate_latest(collected.registry),
        media_type=CONTENT_TYPE_LATEST,
        headers={"Cache-Control": "no-store"},
    )


class StateCollector(Collector):
    """Reads counters the app keeps anyway; nothing is counted twice on the hot path."""

    def __init__(self, store: ResponseStore, engine: Engine, buckets: Buckets | None) -> None:
        self.store = store
        self.engine = engine
        self.buckets = buckets

    def collect(self) -> Iterator[Metric]:
        info = GaugeMetricFamily("factsheet_build_info", "The running version.", labels=["version"])
        info.add_metric([__version__], 1)
        yield info
        store = self.store
        yield CounterMetricFamily(
            "factsheet_response_cache_hits", "Requests answered from the cache.", store.hits
        )
        yield CounterMetricFamily(
            "factsheet_response_cache_misses",
            "Cacheable requests that went on to the routes.",
            store.misses,
        )
        yield GaugeMetricFamily(
            "factsheet_response_cache_entries", "Entries in the response cache.", len(store)
        )
        yield GaugeMetricFamily(
            "factsheet_response_cache_bytes",
            "Approximate memory held by the response cache.",
            store.bytes,
        )
        state = store.state
        if state is not None:
            yield GaugeMetricFamily(
                "factsheet_data_revision", "The data revision served.", state.revision
            )
            if state.changed_at is not None:
                yield GaugeMetricFamily(
                    "factsheet_data_changed_timestamp_seconds",
                    "When the data served last changed (Unix time).",
                    state.changed_at.timestamp(),
                )
        yield from self._pool()
        if self.buckets is not None:
            yield CounterMetricFamily(
                "factsheet_rate_limit_fail_open",
                "Requests let through unlimited because the rate-limit store was unreachable.",
                self.buckets.failures,
            )

    def _pool(self) -> Iterator[Metric]:
        """The figures /readyz shows, from the same function, so the two never disagree."""
        status = pool_status(self.engine)
        if status is None:
            return
        yield GaugeMetricFamily(
            "factsheet_db_pool_size", "Connections the pool keeps.", status["size"]
        )
        yield GaugeMetricFamily(
            "factsheet_db_pool_checked_out", "Connections in use.", status["checked_out"]
        )
        yield GaugeMetricFamily(
            "factsheet_db_pool_overflow",
            "Connections open beyond the pool size (up to db_max_overflow).",
            status["overflow"],
        )


def install_metrics(
    metrics: Metrics, store: ResponseStore, engine: Engine, buckets: Buckets | None
) -> None:
    registry = metrics.registry
    registry.register(StateCollector(store, engine, buckets))
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    GCCollector(registry=registry)
