"""Turning a service's page into the list envelope, with its Link header and cache headers."""

from collections.abc import Sequence
from typing import Any

from fastapi import Request
from starlette.responses import Response

from app.api.params import ListParams
from app.errors import BadRequest
from app.http_cache import cached_json
from app.paging import PageResult, link_header, page_links


def select_fields(
    rows: list[dict[str, Any]], fields: list[str] | None, allowed: Sequence[str], id_field: str
) -> list[dict[str, Any]]:
    if not fields:
        return rows
    unknown = [f for f in fields if f not in allowed]
    if unknown:
        raise BadRequest.for_param(
            "fields", f"unknown field(s) {', '.join(unknown)}; known: {', '.join(allowed)}"
        )
    wanted = [id_field, *[f for f in dict.fromkeys(fields) if f != id_field]]
    return [{name: row[name] for name in wanted} for row in rows]


def page_response(
    request: Request,
    result: PageResult,
    params: ListParams,
    sort: str,
    allowed_fields: Sequence[str],
    id_field: str = "id",
    meta: dict[str, Any] | None = None,
    depends_on_today: bool = False,
) -> Response:
    links = page_links(request.url, result, sort, params.codec)
    payload = {
        "data": select_fields(result.rows, params.fields, allowed_fields, id_field),
        "links": links,
        "meta": {"total": result.total, "limit": params.limit, "sort": sort, **(meta or {})},
    }
    return cached_json(request, payload, {"Link": link_header(links)}, depends_on_today)
