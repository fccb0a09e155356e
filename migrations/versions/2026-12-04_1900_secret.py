"""Add the shared secrets, with a random cursor signing key: every process on this database
then signs and accepts the same cursors (see app.cursors)."""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_secret"
down_revision: str | None = "0003_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    secret = op.create_table(
        "secret",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_secret")),
    )
    # Made here, where one process runs the migration: replicas started afterwards only read
    # it (app.services.secrets makes it only for a database made another way).
    op.bulk_insert(secret, [{"name": "cursor", "value": secrets.token_urlsafe(32)}])


def downgrade() -> None:
    op.drop_table("secret")
