"""The OpenAPI document at /openapi.json, and Swagger UI at /docs with its assets served from
the packaged copy (swagger-ui-bundle-v2), not a CDN: the docs work offline, and under a
Content-Security-Policy that allows only this origin plus the page's one inline script, by
hash. The document and the assets are built once per process and served with an ETag and,
where the client accepts it, brotli or gzip: the document is some 300 KB of JSON that
shrinks to 15-20 KB, and Swagger UI fetches it on every visit."""

import base64
import hashlib
import re
from dataclasses import dataclass, field
from importlib.resources.abc import Traversable
from typing import Annotated

import orjson
import swagger_ui_bundle
from fastapi import APIRouter, Path, Request
from fastapi.openapi.docs import get_swagger_ui_html, swagger_ui_default_parameters
from starlette.responses import Response

from app.compression import choose_encoding, compress
from app.errors import NotFound
from app.http_cache import etag_matches, make_etag

ASSET_DIR: Traversable = swagger_ui_bundle.swagger_ui_path
SWAGGER_UI_VERSION = ASSET_DIR.name.removeprefix("swagger-ui-")
# The version is in the URL, so an asset never changes under its URL and may be kept for good.
ASSETS_PREFIX = f"/docs-assets/{SWAGGER_UI_VERSION}"
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon-32x32.png": "image/png",
}
IMMUTABLE = "public, max-age=31536000, immutable"
OPENAPI_URL = "/openapi.json"
# The document changes only with a new release, but must match the running API: clients
# revalidate it every time, which costs a 304.
REVALIDATE = "no-cache"
INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class DocsPage:
    html: bytes
    script_hashes: list[str]  # CSP sources ('sha256-...') for the page's inline scripts


def build_docs_page(title: str, openapi_url: str) -> DocsPage:
    html = get_swagger_ui_html(
        openapi_url=openapi_url,
        title=f"{title} - docs",
        swagger_js_url=f"{ASSETS_PREFIX}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_PREFIX}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_PREFIX}/favicon-32x32.png",
        oauth2_redirect_url=None,
        # No validator badge: it would load an image from swagger.io.
        swagger_ui_parameters={**swagger_ui_default_parameters, "validatorUrl": None},
    ).body
    text = bytes(html).decode()
    hashes = [
        "sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        for script in INLINE_SCRIPT.findall(text)
    ]
    return DocsPage(bytes(html), hashes)


@router.get("/docs")
async def swagger_ui(request: Request) -> Response:
    """Interactive documentation (Swagger UI)."""
    page: DocsPage = request.app.state.docs_page
    return Response(
        page.html, media_type="text/html; charset=utf-8", headers={"Cache-Control": "no-cache"}
    )


@dataclass
class Asset:
    body: bytes
    etag: str
    variants: dict[str, bytes] = field(default_factory=dict)


_assets: dict[str, Asset] = {}  # package files: read once, the same for every app


def _asset(name: str) -> Asset:
    asset = _assets.get(name)
    if asset is None:
        body = ASSET_DIR.joinpath(name).read_bytes()
        asset = _assets[name] = Asset(body, make_etag(body))
    return asset


def _served(request: Request, asset: Asset, media_type: str, cache_control: str) -> Response:
    """The asset, or a 304 when the client holds it; brotli or gzip when accepted."""
    headers = {"ETag": asset.etag, "Cache-Control": cache_control, "Vary": "Accept-Encoding"}
    if etag_matches(request.headers.get("if-none-match"), asset.etag):
        return Response(status_code=304, headers=headers)
    body = asset.body
    accepted = request.headers.get("accept-encoding")
    coding = None if media_type == "image/png" else choose_encoding(accepted)
    if coding is not None:
        body = asset.variants.get(coding) or asset.variants.setdefault(
            coding, compress(asset.body, coding)
        )
        # Each coding is its own representation, so it gets its own strong tag.
        headers["ETag"] = f'{asset.etag[:-1]}-{coding}"'
        headers["Content-Encoding"] = coding
    return Response(body, media_type=media_type, headers=headers)


@router.get(ASSETS_PREFIX + "/{name}")
def docs_asset(request: Request, name: Annotated[str, Path(max_length=40)]) -> Response:
    """A Swagger UI file, from the packaged copy."""
    if name not in ASSETS:
        raise NotFound(f"No docs asset {name!r}.")
    return _served(request, _asset(name), ASSETS[name], IMMUTABLE)


@router.get(OPENAPI_URL)
def openapi_document(request: Request) -> Response:
    """The OpenAPI document, rendered once per app."""
    state = request.app.state
    document: Asset | None = getattr(state, "openapi_document", None)
    if document is None:
        body = orjson.dumps(request.app.openapi())
        document = state.openapi_document = Asset(body, make_etag(body))
    return _served(request, document, "application/json", REVALIDATE)
