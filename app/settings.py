"""Runtime configuration, read from FACTSHEET_* environment variables (and a .env file)."""

import re
from functools import lru_cache
from ipaddress import ip_network
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit, urlunsplit

from fastapi import Depends, Request
from pydantic import Field, IPvAnyNetwork, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app.hosts import host_name, normalise_allowed

LogLevel = Literal["critical", "error", "warning", "info", "debug"]
# Comma-separated in the environment (`10.0.0.0/8, 192.0.2.7`), lists in Python.
CommaList = Annotated[list[str], NoDecode]
NetworkList = Annotated[list[IPvAnyNetwork], NoDecode]
DEFAULT_ALLOWED_HOSTS = ("localhost", "127.0.0.1", "::1")
LOOPBACK = ("127.0.0.0/8", "::1/128")
MIN_TOKEN_LENGTH = 16
# The path of a public base URL: RFC 3986 path characters only, so it is safe in any link.
URL_PATH = re.compile(r"(?:/[A-Za-z0-9._~!$&'()*+,;=:@%-]*)*")


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
    stale_if_error: int = Field(
        default=3600,
        ge=0,
        description="Cache-Control stale-if-error, seconds: how long caches may keep serving a "
        "response while the API fails; the in-process cache serves its entries that long "
        "into a database outage.",
    )
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
    db_connect_timeout: int = Field(
        default=5,
        ge=2,
        description="Seconds a new PostgreSQL connection may take (libpq connect_timeout, "
        "whole seconds, 2 at least).",
    )
    db_statement_timeout: float | None = Field(
        default=5.0,
        gt=0,
        description="Seconds a request's statement may take: PostgreSQL cancels it "
        "(statement_timeout) and a server that stops answering is cut off a second later; "
        "SQLite waits this long for a lock. None: no limit.",
    )
    db_startup_timeout: float = Field(
        default=30.0,
        ge=0,
        description="Seconds `factsheet serve` waits for PostgreSQL to answer before it gives "
        "up (exit 1).",
    )

    # Limits, rate limiting, observability (app/limits.py, app/rate_limit.py,
    # app/observability.py) and the uvicorn knobs that keep slow clients in check.
    max_query_bytes: int = Field(
        default=2048, ge=1, description="Longest query string accepted; longer is 414."
    )
    max_body_bytes: int = Field(
        default=64 * 1024, ge=0, description="Largest request body accepted; larger is 413."
    )
    max_header_bytes: int = Field(
        default=16 * 1024,
        ge=1024,
        description="Largest request head (request line and headers) accepted, however it "
        "arrives; larger is 431 (app.limits, app.http_protocols).",
    )
    body_timeout: float = Field(
        default=10.0,
        gt=0,
        description="Seconds a request body may take to arrive whole; slower is 408. "
        "GET and HEAD bodies are never waited for.",
    )
    rate_limit_enabled: bool = Field(default=True, description="Per-client token bucket.")
    rate_limit_per_minute: int = Field(
        default=600, ge=1, description="Sustained requests per minute per client."
    )
    rate_limit_burst: int = Field(
        default=120, ge=1, description="Requests a client may make at once (bucket size)."
    )
    trusted_proxies: NetworkList = Field(
        default_factory=list,
        description="Addresses or CIDRs of the proxies in front of the API: only from them "
        "are X-Forwarded-For, Forwarded and X-Forwarded-Proto believed (app.client_address). "
        "Empty: the client is the TCP peer.",
    )
    trust_forwarded_for: bool = Field(
        default=False,
        description="Removed (it believed X-Forwarded-For from anyone); `true` is refused.",
    )
    public_base_url: str | None = Field(
        default=None,
        description="https://api.example.org: the start of every absolute link (feeds, "
        "calendars). Unset: the request's scheme and its Host, once allowed.",
    )
    allowed_hosts: CommaList = Field(
        default_factory=lambda: list(DEFAULT_ALLOWED_HOSTS),
        description="Host names the API answers to (`.example.org`: and its subdomains; `*`: "
        "any); the public base URL's host always is. Others get 400 (app.hosts).",
    )
    metrics_allowed_networks: NetworkList = Field(
        default_factory=lambda: [ip_network(n) for n in LOOPBACK],
        description="Clients that may read /metrics without a token.",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="A bearer token that opens /metrics from anywhere.",
    )
    cursor_secret: SecretStr | None = Field(
        default=None,
        description="Signs the cursors in page links, so a cursor the API did not issue is "
        "refused. Unset: a random secret kept in the database, which every process serving "
        "it shares. Changing it makes the cursors signed before a 400.",
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
    limit_concurrency_per_client: int | None = Field(
        default=100,
        ge=1,
        description="Requests in flight per worker from one client (an address, an IPv6 /64); "
        "past it that client's new requests are answered 503 while others get in (None: no "
        "share).",
    )
    backlog: int = Field(default=2048, ge=1, description="Pending connections the OS queues.")

    @field_validator("trusted_proxies", "allowed_hosts", "metrics_allowed_networks", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("allowed_hosts")
    @classmethod
    def _host_names(cls, value: list[str]) -> list[str]:
        return [normalise_allowed(entry) for entry in value]

    @field_validator("trust_forwarded_for")
    @classmethod
    def _removed(cls, value: bool) -> bool:
        if value:
            raise ValueError(
                "was removed, since it believed X-Forwarded-For from any client; list the "
                "proxies in front of the API in FACTSHEET_TRUSTED_PROXIES instead"
            )
        return value

    @field_validator("public_base_url", mode="before")
    @classmethod
    def _public_base_url(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        if not value.strip():
            return None
        parts = urlsplit(value.strip())
        if (
            parts.scheme not in ("http", "https")
            or "@" in parts.netloc
            or host_name(parts.netloc) is None
            or parts.query
            or parts.fragment
            or not URL_PATH.fullmatch(parts.path)
        ):
            raise ValueError(
                "must be an http or https URL with a host and no user, query or fragment, "
                "such as https://api.example.org"
            )
        return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path.rstrip("/"), "", ""))

    @field_validator("metrics_token", "cursor_secret")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_TOKEN_LENGTH:
            raise ValueError(f"must be at least {MIN_TOKEN_LENGTH} characters long")
        return value

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

MAX_ECHOED_VALUE = 40  # characters of a rejected value quoted back


def describe_invalid_settings(exc: ValidationError) -> str:
    """One line naming each rejected FACTSHEET_* variable and why, for the command line.

    Values are quoted back so the operator sees what was read (a stray quote, a unit), except
    those of URLs, which may carry a password, and of tokens and secrets.
    """
    prefix = Settings.model_config.get("env_prefix") or ""
    parts = []
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else "?"
        variable = f"{prefix}{name.upper()}"
        value = error.get("input")
        secret = "url" in name or "token" in name or "secret" in name
        if isinstance(value, str) and not secret:
            shown = value if len(value) <= MAX_ECHOED_VALUE else value[:MAX_ECHOED_VALUE] + "..."
            variable += f"={shown!r}"
        parts.append(f"{variable}: {error['msg']}")
    return "; ".join(parts)
