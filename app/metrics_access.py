"""Who may read /metrics.

The metrics tell whoever reads them the Python version, the process's memory and open files
and how busy the database pool is: the operator's business, not the public's. A scrape is
answered when the client (as app.client_address decides it) is in
FACTSHEET_METRICS_ALLOWED_NETWORKS, loopback by default, or when it sends
`Authorization: Bearer <FACTSHEET_METRICS_TOKEN>`. Anyone else gets the 404 an unknown path
gets: a 401 or 403 would tell a scanner there is something here worth guessing at.
"""

import hashlib
import hmac

from fastapi import Request
from starlette.exceptions import HTTPException

from app.client_address import client_address, is_trusted, parse_node
from app.settings import Settings


def _digest(token: str) -> bytes:
    # Hashing first makes the comparison take as long for any length of guess.
    return hashlib.sha256(token.encode()).digest()


def _bearer(request: Request) -> str | None:
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" and credentials else None


def may_scrape(request: Request, settings: Settings) -> bool:
    address = parse_node(client_address(request.scope, settings.trusted_proxies))
    if address is not None and is_trusted(address, settings.metrics_allowed_networks):
        return True
    offered = _bearer(request)
    if settings.metrics_token is None or offered is None:
        return False
    expected = settings.metrics_token.get_secret_value()
    return hmac.compare_digest(_digest(offered), _digest(expected))


async def require_scraper(request: Request) -> None:
    """The dependency on /metrics: a 404, the same as for any unknown path, unless allowed."""
    if not may_scrape(request, request.app.state.settings):
        raise HTTPException(404)
