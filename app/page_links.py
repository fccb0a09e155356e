"""A page envelope's links: the same request in canonical order, and the next and previous
pages by signed cursor."""

from urllib.parse import parse_qsl, urlencode

from starlette.datastructures import URL

from app.cursors import Cursor, CursorCodec
from app.paging import PageResult


def canonical(path: str, params: list[tuple[str, str]]) -> str:
    """A relative URL with its parameters in sorted order: the same request written in
    another order gets the same links, so the same bytes (and the same cache entry)."""
    query = urlencode(sorted(params))
    return path + (f"?{query}" if query else "")


def page_links(
    url: URL, result: PageResult, sort: str, codec: CursorCodec
) -> dict[str, str | None]:
    """self/next/prev as relative URLs: the same filters, another cursor (signed)."""
    params = parse_qsl(url.query, keep_blank_values=True)
    others = [(k, v) for k, v in params if k != "cursor"]
    links: dict[str, str | None] = {
        "self": canonical(url.path, params),
        "next": None,
        "prev": None,
    }
    if result.has_next and result.last_key is not None:
        token = codec.encode(Cursor(sort, result.last_key, "next"))
        links["next"] = canonical(url.path, [*others, ("cursor", token)])
    if result.has_prev and result.first_key is not None:
        token = codec.encode(Cursor(sort, result.first_key, "prev"))
        links["prev"] = canonical(url.path, [*others, ("cursor", token)])
    return links


def link_header(links: dict[str, str | None]) -> str:
    return ", ".join(f'<{href}>; rel="{rel}"' for rel, href in links.items() if href)
