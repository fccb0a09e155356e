"""Feeds for newsletters (RSS-to-email tools read Atom or RSS): upcoming and recent
milestones, and what changed in the data. Each as Atom, RSS 2.0 and JSON Feed 1.1, by suffix,
or on the path without one by Accept (Atom when Accept allows anything)."""

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.api.collection_routes import scope_of
from app.api.format_routes import REQUEST, SESSION, Docs, add_format_routes
from app.api.formats import FEED_FORMATS, Format
from app.api.renderers import records_feed
from app.collection import Collection
from app.collections.changes import CHANGES
from app.collections.milestones import MILESTONES
from app.db import SessionDep
from app.feeds.model import TAG
from app.filters import Filters

router = APIRouter(prefix="/feeds", tags=["feeds"])
RECENT = 20
CHANGES_SHOWN = 50


def add_feed(
    slug: str,
    collection: Collection,
    filters: Filters,
    sort: str,
    *,
    limit: int | None = None,
    title: str,
    subtitle: str,
    home_path: str,
    docs: dict[str, Docs],
) -> None:
    def handle(request: Request, session: SessionDep, fmt: Format) -> Response:
        scope = scope_of(request, session)
        rows = collection.listing(filters, scope).rows(session, sort, limit=limit)
        assert collection.entry is not None  # nosec B101: every feed's collection has one
        return records_feed(
            request,
            scope,
            rows,
            fmt,
            collection.entry,
            feed_id=f"{TAG}feeds/{slug}",
            title=title,
            subtitle=subtitle,
            home_path=home_path,
            depends_on_today=collection.depends_on_today,
        )

    name = f"get_{slug}_feed"
    add_format_routes(
        router,
        f"/{slug}",
        name=name,
        formats=FEED_FORMATS,
        handle=handle,
        params=[REQUEST, SESSION],
        docs=docs,
        names={"json_feed": f"{name}_json"},
    )


def _docs(what: str, *texts: str) -> dict[str, Docs]:
    negotiated, atom, rss, json_feed = texts
    return {
        "negotiated": Docs(f"{what} feed", negotiated),
        "atom": Docs(f"{what} (Atom)", atom),
        "rss": Docs(f"{what} (RSS)", rss),
        "json_feed": Docs(f"{what} (JSON Feed)", json_feed),
    }


add_feed(
    "upcoming",
    MILESTONES,
    {"status": ["ongoing", "upcoming"]},
    "start_date",
    title="WSIS+20: upcoming milestones",
    subtitle="Milestones of the WSIS process that are ongoing or still to come, soonest first.",
    home_path="/v1/milestones?status=ongoing&status=upcoming",
    docs=_docs(
        "Upcoming milestones",
        "Ongoing and upcoming milestones, soonest first, in the feed format Accept asks for.",
        "Ongoing and upcoming milestones, soonest first, as Atom: for RSS-to-email tools.",
        "Ongoing and upcoming milestones, soonest first, as RSS 2.0: for RSS-to-email tools.",
        "Ongoing and upcoming milestones, soonest first, as JSON Feed 1.1.",
    ),
)
add_feed(
    "recent",
    MILESTONES,
    {"status": ["past"]},
    "-start_date",
    limit=RECENT,
    title="WSIS+20: recent milestones",
    subtitle=f"The {RECENT} most recent past milestones of the WSIS process, latest first.",
    home_path="/v1/milestones?status=past&sort=-start_date",
    docs=_docs(
        "Recent milestones",
        "The latest past milestones, most recent first, in the feed format Accept asks for.",
        "The latest past milestones, most recent first, as Atom.",
        "The latest past milestones, most recent first, as RSS 2.0.",
        "The latest past milestones, most recent first, as JSON Feed 1.1.",
    ),
)
add_feed(
    "changes",
    CHANGES,
    {},
    "-id",
    limit=CHANGES_SHOWN,
    title="WSIS+20 fact sheet data: changes",
    subtitle=f"The {CHANGES_SHOWN} latest records added to, updated in or removed from the "
    "data, newest first.",
    home_path="/v1/changes?sort=-id",
    docs=_docs(
        "Data changes",
        "The latest changes to the data (records added, updated, removed), newest first, in\n"
        "the feed format Accept asks for.",
        "The latest changes to the data, newest first, as Atom: a newsletter of what changed.",
        "The latest changes to the data, newest first, as RSS 2.0: a newsletter of what changed.",
        "The latest changes to the data, newest first, as JSON Feed 1.1.",
    ),
)
