"""Conditional GET for any body: ETag from the bytes sent, Cache-Control, and 304."""

import hashlib
from typing import Any

import orjson
from fastapi import Request
from starlette.responses import Response

JSON_MEDIA_TYPE = "application/json"


def dumps(payload: Any) -> bytes:
    return orjson.dumps(payload, option=orjson.OPT_UTC_Z)


def make_etag(body: bytes) -> str:
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'


def etag_matches(header: str | None, etag: str) -> bool:
    """If-None-Match uses weak comparison (RFC 9110 13.1.2): W/ prefixes are ignored."""
    if not header:
        return False
    if header.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == wanted for tag in header.split(","))


def cache_headers(request: Request) -> dict[str, str]:
    settings = request.app.state.settings
    return {
        "Cache-Control": (
            f"public, max-age={settings.cache_max_age}, "
            f"stale-while-revalidate={settings.stale_while_revalidate}"
        ),
        "Vary": "Accept, Accept-Encoding",
    }


def conditional(
    request: Request,
    body: bytes,
    media_type: str,
    extra_headers: dict[str, str] | None = None,
) -> Response:
    etag = make_etag(body)
    headers = {"ETag": etag, **cache_headers(request), **(extra_headers or {})}
    if etag_matches(request.headers.get("if-none-match"), etag):
        headers.pop("Link", None)
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


def cached_json(
    request: Request, payload: Any, extra_headers: dict[str, str] | None = None
) -> Response:
    return conditional(request, dumps(payload), JSON_MEDIA_TYPE, extra_headers)
