"""The patient's pre-visit form per clinic (link expiry, the measures asked) and failed link lookups
counted in the database, so the guessing throttle is shared by every app instance.

Revision ID: 0008_i14
Revises: 0007_i13
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_i14"
down_revision = "0007_i13"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "patient_form_settings",
        sa.Column("clinic_id", sa.String(64), nullable=False),
        sa.Column("link_days", sa.Integer(), nullable=False),
        sa.Column("measures", sa.Text(), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinics.id"], name="fk_patient_form_settings_clinic_id_clinics",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("clinic_id", name="pk_patient_form_settings"),
    )
    op.create_table(
        "link_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_link_failures"),
    )
    op.create_index("ix_link_failures_at", "link_failures", ["at"])


def downgrade() -> None:
    op.drop_index("ix_link_failures_at", table_name="link_failures")
    op.drop_table("link_failures")
    op.drop_table("patient_form_settings")
