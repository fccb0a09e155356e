"""The files the pages load: one stylesheet and the site's icon. Each URL carries a hash of
its bytes, so it can be cached for a year as immutable: a changed file is a new URL. Without
an icon of its own a browser asks for /favicon.ico, a 404 in its console on every page."""

import hashlib
from importlib.resources import files

STATIC_PREFIX = "/static/"


def _named(filename: str) -> tuple[str, bytes]:
    body = (files("app.pages") / "static" / filename).read_bytes()
    stem, _, extension = filename.rpartition(".")
    return f"{stem}.{hashlib.sha256(body).hexdigest()[:12]}.{extension}", body


STYLESHEET_NAME, STYLESHEET = _named("site.css")
ICON_NAME, ICON = _named("icon.svg")
STYLESHEET_URL = STATIC_PREFIX + STYLESHEET_NAME
ICON_URL = STATIC_PREFIX + ICON_NAME
# name -> (bytes, media type): what /static/{name} serves, and nothing else.
STATIC_FILES = {
    STYLESHEET_NAME: (STYLESHEET, "text/css; charset=utf-8"),
    ICON_NAME: (ICON, "image/svg+xml"),
}
