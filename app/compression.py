"""Content-coding negotiation and the codings we produce (brotli, gzip)."""

import gzip

import brotli

MIN_COMPRESS_BYTES = 1024
# Preferred first when a client accepts several with equal weight.
CODINGS = ("br", "gzip")


def choose_encoding(accept_encoding: str | None) -> str | None:
    """The coding to send for an Accept-Encoding value, or None for identity (RFC 9110 12.5.3)."""
    if not accept_encoding:
        return None
    weights: dict[str, float] = {}
    for part in accept_encoding.split(","):
        name, _, params = part.strip().partition(";")
        name = name.strip().lower()
        if not name:
            continue
        weight = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                weight = float(params[2:])
            except ValueError:
                weight = 0.0
        weights[name] = weight
    best: str | None = None
    best_weight = 0.0
    for coding in CODINGS:
        weight = weights.get(coding, weights.get("*", 0.0))
        if weight > best_weight:
            best, best_weight = coding, weight
    return best


def compress(body: bytes, coding: str) -> bytes:
    if coding == "br":
        return bytes(brotli.compress(body, quality=5))
    if coding == "gzip":
        # mtime=0 keeps the bytes (and so the ETag of the variant) the same every time.
        return gzip.compress(body, compresslevel=6, mtime=0)
    raise ValueError(f"unknown coding {coding!r}")
