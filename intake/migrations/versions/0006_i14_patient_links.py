"""Patient links: a single-patient, expiring, revocable link to the pre-visit form; and each
record's outcome scores as a short column, so exports and the service audit need no JSON.

Revision ID: 0006_i14
Revises: 0005_i16
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_i14"
down_revision = "0005_i16"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "patient_links",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("clinic_id", sa.String(64), nullable=False),
        sa.Column("draft_id", sa.String(64), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=True),
        sa.Column("expires", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("measures", sa.Text(), nullable=False),
        sa.Column("opens", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_patient_links"),
        sa.UniqueConstraint("token_hash", name="uq_patient_links_token_hash"),
    )
    op.create_index("ix_patient_links_clinic_id", "patient_links", ["clinic_id"])
    op.create_index("ix_patient_links_draft_id", "patient_links", ["draft_id"])
    # Plain ALTER TABLE (SQLite 3.35+ drops columns in place): a batch copy would drop and re-create
    # `records`, and the foreign key's ON DELETE CASCADE would empty record_versions on the way.
    op.add_column("records", sa.Column("outcome_scores", sa.String(1000), nullable=False, server_default=""))


def downgrade() -> None:
    op.drop_column("records", "outcome_scores")
    op.drop_index("ix_patient_links_draft_id", table_name="patient_links")
    op.drop_index("ix_patient_links_clinic_id", table_name="patient_links")
    op.drop_table("patient_links")
