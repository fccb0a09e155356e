"""Every collection the API serves, declared once each (app.collection.Collection).
COLLECTIONS is the one list of them, in the order the API index shows them; routes, search,
the change log, the seed, the seed check and the OpenAPI tags read it.

A few outputs have always listed collections in another order (the paths of the OpenAPI
document, the seed's inserts, which number the change log): `ordered` keeps that order for
the collections named, and a collection added later joins at the end, in COLLECTIONS' order,
without touching anything here but COLLECTIONS."""

from app.collection import Collection, SubList, sub_list_docs
from app.collections.action_lines import ACTION_LINES
from app.collections.calls_to_action import CALLS_TO_ACTION
from app.collections.facts import FACTS
from app.collections.milestones import MILESTONES, organisation_feed_title
from app.collections.nris import NRIS
from app.collections.organisations import ORGANISATIONS

COLLECTIONS: list[Collection] = [
    MILESTONES,
    ORGANISATIONS,
    NRIS,
    CALLS_TO_ACTION,
    ACTION_LINES,
    FACTS,
]


def register(collection: Collection) -> None:
    """Adds a collection declared elsewhere (a plug-in, or a test's toy). Everything that
    reads the registry does so when it is first imported, so register before importing
    app.main (or anything that serves, seeds or searches)."""
    if any(c.name == collection.name for c in COLLECTIONS):
        raise ValueError(f"a collection named {collection.name!r} is already registered")
    COLLECTIONS.append(collection)


def editable() -> list[Collection]:
    """The collections whose records have a URL of their own: each takes editors' writes
    (app.api.write_routes) and is named in a write token's scope."""
    return [c for c in COLLECTIONS if c.texts.detail is not None]


def ordered(*first: Collection) -> list[Collection]:
    """`first`, then every other collection in COLLECTIONS' order."""
    return [*first, *(c for c in COLLECTIONS if c not in first)]


def route_order() -> list[Collection]:
    """The calls to action sit with the fact sheet, before the other lists."""
    return ordered(CALLS_TO_ACTION)


def seed_order() -> list[Collection]:
    """Parents before children: a milestone's organisations exist before it links to them."""
    return ordered(CALLS_TO_ACTION, ORGANISATIONS)


# Search numbers its documents in this order, and a document's number breaks ties between
# equal ranks: the fact sheet's sections come after these, the facts and later ones after
# the sections (app.search.documents).
SEARCHED_BEFORE_THE_SHEET = (MILESTONES, ORGANISATIONS, NRIS, CALLS_TO_ACTION, ACTION_LINES)

SUB_LISTS: tuple[SubList, ...] = (
    SubList(
        parent=ORGANISATIONS,
        child=MILESTONES,
        link="organisation",
        name="list_organisation_milestones",
        title=organisation_feed_title,
        docs=sub_list_docs("list_organisation_milestones"),
    ),
)
