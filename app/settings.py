"""Runtime configuration, read from FACTSHEET_* environment variables (and a .env file)."""

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from fastapi import Depends, Request
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

LogLevel = Literal["critical", "error", "warning", "info", "debug"]


class Settings(BaseSettings):
    # `none` unsets an optional setting (FACTSHEET_LIMIT_CONCURRENCY=none: no cap).
    model_config = SettingsConfigDict(
        env_prefix="FACTSHEET_", env_file=".env", extra="ignore", env_parse_none_str="none"
    )

    data_dir: Path = Field(
        default=Path("data"), description="Directory of the default SQLite database."
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; unset means sqlite:///<data_dir>/factsheet.db. "
        "postgresql+psycopg://user@host/db selects PostgreSQL.",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    log_level: LogLevel = "info"
    access_log: bool = Field(
        default=True, description="One JSON access log line per request (logger app.access)."
    )
    graceful_timeout: int = Field(
        default=20, ge=1, description="Seconds in-flight requests get to finish on SIGTERM."
    )
    cache_max_age: int = Field(default=300, ge=0, description="Cache-Control max-age, seconds.")
    stale_while_revalidate: int = Field(default=60, ge=0)
    cache_enabled: bool = Field(default=True, description="The in-process response cache.")
    cache_max_bytes: int = Field(
        default=64 * 1024 * 1024, ge=0, description="Memory bound of the response cache."
    )
    cache_revision_interval: float = Field(
        default=1.0,
        ge=0,
        description="Seconds between checks of the data revision: the longest a process "
        "serves old data after a change made elsewhere.",
    )
    db_pool_size: int = Field(default=5, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)
    db_pool_timeout: float = Field(default=10.0, gt=0)
    db_pool_pre_ping: bool = Field(
        default=True,
        description="Test each PostgreSQL connection on checkout (a round trip) so one the "
        "server or a proxy closed is replaced instead of failing a request.",
    )
    db_pool_recycle: float = Field(
        default=1800.0,
        description="Replace PostgreSQL connections older than this many seconds (-1: never), "
        "below the idle timeout of any proxy or pooler in between.",
    )

    # Limits, rate limiting, observability (app/limits.py, app/rate_limit.py,
    # app/observability.py) and the uvicorn knobs that keep slow clients in check.
    max_query_bytes: int = Field(
        default=2048, ge=1, description="Longest query string accepted; longer is 414."
    )
    max_body_bytes: int = Field(
        default=64 * 1024, ge=0, description="Largest request body accepted; larger is 413."
    )
    rate_limit_enabled: bool = Field(default=True, description="Per-client token bucket.")
    rate_limit_per_minute: int = Field(
        default=600, ge=1, description="Sustained requests per minute per client."
    )
    rate_limit_burst: int = Field(
        default=120, ge=1, description="Requests a client may make at once (bucket size)."
    )
    trust_forwarded_for: bool = Field(
        default=False,
        description="Take the client address from X-Forwarded-For (or Forwarded): only "
        "behind a proxy that sets it.",
    )
    redis_url: str | None = Field(
        default=None,
        description="redis://host:6379/0 shares rate-limit budgets across processes and "
        "replicas; unset keeps them per process.",
    )
    metrics_enabled: bool = Field(default=True, description="Prometheus metrics at /metrics.")
    timeout_keep_alive: int = Field(
        default=5, ge=1, description="Seconds an idle keep-alive connection is kept open."
    )
    limit_concurrency: int | None = Field(
        default=1000,
        ge=1,
        description="Requests in flight per worker; past it new requests are answered 503 "
        "problem+json with Retry-After at once (None: no cap). Probes and /metrics are exempt.",
    )
    backlog: int = Field(default=2048, ge=1, description="Pending connections the OS queues.")

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'factsheet.db'}"


@lru_cache
def get_settings() -> Settings:
    return Settings()


def settings_from_request(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(settings_from_request)]
