"""Every collection the API serves, declared once each (app.collection.Collection). This
tuple is the one list of them: routes, the API index, search, the change log, the seed and
the OpenAPI tags read it, in this order."""

from app.collection import Collection, SubList
from app.collections.action_lines import ACTION_LINES
from app.collections.calls_to_action import CALLS_TO_ACTION
from app.collections.facts import FACTS
from app.collections.milestones import (
    MILESTONES,
    ORGANISATION_DOCS,
    milestone_filters,
    organisation_feed_title,
)
from app.collections.nris import NRIS
from app.collections.organisations import ORGANISATIONS

COLLECTIONS: tuple[Collection, ...] = (
    CALLS_TO_ACTION,
    MILESTONES,
    ORGANISATIONS,
    NRIS,
    ACTION_LINES,
    FACTS,
)
BY_NAME = {c.name: c for c in COLLECTIONS}
SUB_LISTS: tuple[SubList, ...] = (
    SubList(
        parent=ORGANISATIONS,
        child=MILESTONES,
        filters=milestone_filters,
        link="organisation",
        name="list_organisation_milestones",
        title=organisation_feed_title,
        docs=ORGANISATION_DOCS,
    ),
)
