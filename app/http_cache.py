"""Validators and freshness for any body: ETag from the bytes sent, Last-Modified from the
data, Cache-Control and Vary."""

import datetime as dt
import email.utils
import hashlib
from typing import Any

import orjson
from fastapi import Request
from starlette.responses import Response

from app.api.clock import utc_date

JSON_MEDIA_TYPE = "application/json"


def dumps(payload: Any) -> bytes:
    return orjson.dumps(payload, option=orjson.OPT_UTC_Z)


def make_etag(body: bytes) -> str:
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'


def _opaque(tag: str) -> str:
    """A tag without W/ and without the content-coding suffix of a compressed variant."""
    tag = tag.strip().removeprefix("W/")
    for coding in ("br", "gzip"):
        suffix = f'-{coding}"'
        if tag.endswith(suffix):
            return tag[: -len(suffix)] + '"'
    return tag


def etag_matches(header: str | None, etag: str) -> bool:
    """If-None-Match uses weak comparison (RFC 9110 13.1.2): W/ prefixes are ignored, and
    so is the coding suffix, since every coding of an entry carries the same content."""
    if not header:
        return False
    if header.strip() == "*":
        return True
    wanted = _opaque(etag)
    return any(_opaque(tag) == wanted for tag in header.split(","))


def last_modified(request: Request, depends_on_today: bool = False) -> dt.datetime | None:
    """When the data behind a response last changed; for bodies computed against today's
    date (milestone status), no earlier than today's UTC midnight."""
    changed_at: dt.datetime | None = request.scope.get("state", {}).get("data_changed_at")
    if depends_on_today:
        today = utc_date(request.app.state.clock)
        midnight = dt.datetime(today.year, today.month, today.day, tzinfo=dt.UTC)
        changed_at = max(changed_at, midnight) if changed_at else midnight
    return changed_at


def cache_headers(request: Request) -> dict[str, str]:
    settings = request.app.state.settings
    return {
        "Cache-Control": (
            f"public, max-age={settings.cache_max_age}, "
            f"stale-while-revalidate={settings.stale_while_revalidate}, "
            # RFC 5861: a cache may go on serving the response while the API fails.
            f"stale-if-error={settings.stale_if_error}"
        ),
        "Vary": "Accept, Accept-Encoding",
    }


def conditional(
    request: Request,
    body: bytes,
    media_type: str,
    extra_headers: dict[str, str] | None = None,
    depends_on_today: bool = False,
) -> Response:
    etag = make_etag(body)
    headers = {"ETag": etag, **cache_headers(request), **(extra_headers or {})}
    modified = last_modified(request, depends_on_today)
    if modified is not None:
        headers["Last-Modified"] = email.utils.format_datetime(
            modified.astimezone(dt.UTC), usegmt=True
        )
    # 304s and compression are answered in front of the routes, by app.response_cache.
    return Response(body, media_type=media_type, headers=headers)


def cached_json(
    request: Request,
    payload: Any,
    extra_headers: dict[str, str] | None = None,
    depends_on_today: bool = False,
) -> Response:
    return conditional(request, dumps(payload), JSON_MEDIA_TYPE, extra_headers, depends_on_today)
