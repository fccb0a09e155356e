"""All tables. The naming convention gives constraints the same names on every database."""

from sqlmodel import SQLModel

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

from app.models.action_line import ActionLine  # noqa: E402
from app.models.change import Change  # noqa: E402
from app.models.dataset import Dataset  # noqa: E402
from app.models.fact import Fact  # noqa: E402
from app.models.fact_sheet import CallToAction, FactSheet, FactSheetSection  # noqa: E402
from app.models.idempotency import IdempotencyKey  # noqa: E402
from app.models.milestone import Milestone, MilestoneOrganisation  # noqa: E402
from app.models.nri import Nri  # noqa: E402
from app.models.organisation import Organisation  # noqa: E402
from app.models.record_revision import RecordRevision  # noqa: E402
from app.models.search import SearchDocument  # noqa: E402
from app.models.secret import Secret  # noqa: E402
from app.models.seed_baseline import SeedBaseline  # noqa: E402
from app.models.token import ApiToken  # noqa: E402

__all__ = [
    "ActionLine",
    "ApiToken",
    "CallToAction",
    "Change",
    "Dataset",
    "Fact",
    "FactSheet",
    "FactSheetSection",
    "IdempotencyKey",
    "Milestone",
    "MilestoneOrganisation",
    "Nri",
    "Organisation",
    "RecordRevision",
    "SearchDocument",
    "Secret",
    "SeedBaseline",
    "SQLModel",
]
