"""Clinic setting "identified referrals": FHIR referrals carry a Patient with the name (off by default).

Revision ID: 0005_i16
Revises: 0004_i17
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_i16"
down_revision = "0004_i17"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("clinics", sa.Column("identified_referrals", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    # Plain ALTER TABLE (SQLite 3.35+ drops a column in place): a batch copy of `clinics` would trip
    # the practitioners' foreign key.
    op.drop_column("clinics", "identified_referrals")
