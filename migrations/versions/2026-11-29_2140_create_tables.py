"""Create the tables for the fact sheet, its records, and the dataset revision."""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_create_tables"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "action_line",
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("parent_code", sa.String(length=40), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("title_variant", sa.Text(), nullable=True),
        sa.Column("facilitators", sa.JSON(), nullable=False),
        sa.Column("co_facilitators", sa.JSON(), nullable=False),
        sa.Column("source_url", sa.Text(), nullable=False),
        sa.Column("facilitator_source_urls", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_code"],
            ["action_line.code"],
            name=op.f("fk_action_line_parent_code_action_line"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_action_line")),
    )
    with op.batch_alter_table("action_line", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_action_line_parent_code"), ["parent_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_action_line_position"), ["position"], unique=False)
        batch_op.create_index(batch_op.f("ix_action_line_title"), ["title"], unique=False)
        batch_op.create_index(batch_op.f("ix_action_line_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "call_to_action",
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("short_title", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_call_to_action")),
    )
    with op.batch_alter_table("call_to_action", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_call_to_action_updated_at"), ["updated_at"], unique=False
        )

    op.create_table(
        "dataset",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("nri_fact_sheet_count", sa.Integer(), nullable=False),
        sa.Column("nri_coverage_note", sa.Text(), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dataset")),
    )
    op.create_table(
        "fact",
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=True),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("qualifier", sa.String(length=40), nullable=True),
        sa.Column("as_of", sa.Integer(), nullable=True),
        sa.Column("edition", sa.Text(), nullable=True),
        sa.Column("context", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("other_sources", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("conflicts", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fact")),
    )
    with op.batch_alter_table("fact", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fact_as_of"), ["as_of"], unique=False)
        batch_op.create_index(batch_op.f("ix_fact_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_fact_label"), ["label"], unique=False)
        batch_op.create_index(batch_op.f("ix_fact_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "fact_sheet",
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("publisher", sa.String(length=200), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fact_sheet")),
    )
    with op.batch_alter_table("fact_sheet", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fact_sheet_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "milestone",
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("start_date", sa.String(length=10), nullable=False),
        sa.Column("end_date", sa.String(length=10), nullable=True),
        sa.Column("date_precision", sa.String(length=8), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column("resolution", sa.String(length=80), nullable=True),
        sa.Column("unlinked_organisations", sa.JSON(), nullable=False),
        sa.Column("source_url", sa.Text(), nullable=False),
        sa.Column("other_sources", sa.JSON(), nullable=False),
        sa.Column("in_fact_sheet", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("conflicts", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestone")),
    )
    with op.batch_alter_table("milestone", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_milestone_in_fact_sheet"), ["in_fact_sheet"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_milestone_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_milestone_period_end"), ["period_end"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_milestone_period_start"), ["period_start"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_milestone_title"), ["title"], unique=False)
        batch_op.create_index(batch_op.f("ix_milestone_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "nri",
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("region", sa.String(length=60), nullable=False),
        sa.Column("established_year", sa.Integer(), nullable=True),
        sa.Column("recognised_year", sa.Integer(), nullable=True),
        sa.Column("website", sa.Text(), nullable=True),
        sa.Column("source_url", sa.Text(), nullable=False),
        sa.Column("other_sources", sa.JSON(), nullable=False),
        sa.Column("evidence", sa.String(length=40), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("conflicts", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nri")),
    )
    with op.batch_alter_table("nri", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_nri_country"), ["country"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_nri_established_year"), ["established_year"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_nri_evidence"), ["evidence"], unique=False)
        batch_op.create_index(batch_op.f("ix_nri_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_nri_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_nri_region"), ["region"], unique=False)
        batch_op.create_index(batch_op.f("ix_nri_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "organisation",
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("short_name", sa.String(length=120), nullable=False),
        sa.Column("full_name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=200), nullable=False),
        sa.Column("founded_year", sa.Integer(), nullable=True),
        sa.Column("headquarters", sa.Text(), nullable=True),
        sa.Column("service_region", sa.Text(), nullable=True),
        sa.Column("website", sa.Text(), nullable=True),
        sa.Column("role_in_fact_sheet", sa.Text(), nullable=False),
        sa.Column("source_url", sa.Text(), nullable=False),
        sa.Column("other_sources", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("conflicts", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation")),
    )
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_organisation_founded_year"), ["founded_year"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_organisation_kind"), ["kind"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_organisation_short_name"), ["short_name"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_organisation_updated_at"), ["updated_at"], unique=False
        )

    op.create_table(
        "fact_sheet_section",
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=120), nullable=False),
        sa.Column("fact_sheet_id", sa.String(length=80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("heading", sa.Text(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.String(length=120), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("footnotes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["fact_sheet_id"],
            ["fact_sheet.id"],
            name=op.f("fk_fact_sheet_section_fact_sheet_id_fact_sheet"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fact_sheet_section")),
    )
    with op.batch_alter_table("fact_sheet_section", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fact_sheet_section_fact_sheet_id"), ["fact_sheet_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_fact_sheet_section_position"), ["position"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_fact_sheet_section_updated_at"), ["updated_at"], unique=False
        )

    op.create_table(
        "milestone_organisation",
        sa.Column("milestone_id", sa.String(length=40), nullable=False),
        sa.Column("organisation_id", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["milestone_id"],
            ["milestone.id"],
            name=op.f("fk_milestone_organisation_milestone_id_milestone"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_milestone_organisation_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint(
            "milestone_id", "organisation_id", name=op.f("pk_milestone_organisation")
        ),
    )
    with op.batch_alter_table("milestone_organisation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_milestone_organisation_organisation_id"),
            ["organisation_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("milestone_organisation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_milestone_organisation_organisation_id"))

    op.drop_table("milestone_organisation")
    with op.batch_alter_table("fact_sheet_section", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fact_sheet_section_updated_at"))
        batch_op.drop_index(batch_op.f("ix_fact_sheet_section_position"))
        batch_op.drop_index(batch_op.f("ix_fact_sheet_section_fact_sheet_id"))

    op.drop_table("fact_sheet_section")
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisation_updated_at"))
        batch_op.drop_index(batch_op.f("ix_organisation_short_name"))
        batch_op.drop_index(batch_op.f("ix_organisation_kind"))
        batch_op.drop_index(batch_op.f("ix_organisation_founded_year"))

    op.drop_table("organisation")
    with op.batch_alter_table("nri", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nri_updated_at"))
        batch_op.drop_index(batch_op.f("ix_nri_region"))
        batch_op.drop_index(batch_op.f("ix_nri_name"))
        batch_op.drop_index(batch_op.f("ix_nri_kind"))
        batch_op.drop_index(batch_op.f("ix_nri_evidence"))
        batch_op.drop_index(batch_op.f("ix_nri_established_year"))
        batch_op.drop_index(batch_op.f("ix_nri_country"))

    op.drop_table("nri")
    with op.batch_alter_table("milestone", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_milestone_updated_at"))
        batch_op.drop_index(batch_op.f("ix_milestone_title"))
        batch_op.drop_index(batch_op.f("ix_milestone_period_start"))
        batch_op.drop_index(batch_op.f("ix_milestone_period_end"))
        batch_op.drop_index(batch_op.f("ix_milestone_kind"))
        batch_op.drop_index(batch_op.f("ix_milestone_in_fact_sheet"))

    op.drop_table("milestone")
    with op.batch_alter_table("fact_sheet", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fact_sheet_updated_at"))

    op.drop_table("fact_sheet")
    with op.batch_alter_table("fact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fact_updated_at"))
        batch_op.drop_index(batch_op.f("ix_fact_label"))
        batch_op.drop_index(batch_op.f("ix_fact_category"))
        batch_op.drop_index(batch_op.f("ix_fact_as_of"))

    op.drop_table("fact")
    op.drop_table("dataset")
    with op.batch_alter_table("call_to_action", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_to_action_updated_at"))

    op.drop_table("call_to_action")
    with op.batch_alter_table("action_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_line_updated_at"))
        batch_op.drop_index(batch_op.f("ix_action_line_title"))
        batch_op.drop_index(batch_op.f("ix_action_line_position"))
        batch_op.drop_index(batch_op.f("ix_action_line_parent_code"))

    op.drop_table("action_line")
