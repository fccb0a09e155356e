"""Runtime configuration, read from FACTSHEET_* environment variables (and a .env file)."""

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from fastapi import Depends, Request
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

LogLevel = Literal["critical", "error", "warning", "info", "debug"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FACTSHEET_", env_file=".env", extra="ignore")

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
    access_log: bool = Field(default=True, description="uvicorn's per-request access log.")
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
