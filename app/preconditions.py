"""If-Match, as a write checks it (RFC 9110 13.1.1): a strong comparison with the record's
current ETag, inside the write's transaction, so that no two editors can both change what
they read."""

CODINGS = ("br", "gzip")


def _identity(tag: str) -> str:
    """The tag of the uncompressed body: every coding of a record carries the same record,
    so the tag a client read from a compressed answer names the same version."""
    for coding in CODINGS:
        suffix = f'-{coding}"'
        if tag.endswith(suffix):
            return tag[: -len(suffix)] + '"'
    return tag


def if_match_holds(header: str, etag: str) -> bool:
    """Whether an If-Match header names the current version. `*` holds for any record that
    exists; a weak tag (W/) never holds: it does not promise the same bytes."""
    for tag in (part.strip() for part in header.split(",")):
        if tag == "*":
            return True
        if tag and not tag.startswith("W/") and _identity(tag) == etag:
            return True
    return False
