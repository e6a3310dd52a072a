"""Clinic settings for documents (set in the app by an administrator) and each practitioner's registration.

Revision ID: 0007_i13
Revises: 0006_i14
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_i13"
down_revision = "0006_i14"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "clinic_settings",
        sa.Column("clinic_id", sa.String(64), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("logo", sa.Text(), nullable=True),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinics.id"], name="fk_clinic_settings_clinic_id_clinics",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("clinic_id", name="pk_clinic_settings"),
    )
    with op.batch_alter_table("practitioners") as batch:
        batch.add_column(sa.Column("registration", sa.String(100), nullable=True))


def downgrade() -> None:
    # A plain ALTER (SQLite 3.35+ and PostgreSQL): a batch copy of practitioners would have to drop the table
    # that records and drafts point at, which foreign keys forbid.
    op.execute("ALTER TABLE practitioners DROP COLUMN registration")
    op.drop_table("clinic_settings")
