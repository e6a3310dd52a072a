"""Drafts count their writes (revision) and remember who wrote last, and an amendment the record
version it started from, for optimistic concurrency;
failed sign-ins are counted per account and per address (throttling and temporary locks).

Revision ID: 0009_i11
Revises: 0008_i14
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_i11"
down_revision = "0008_i14"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("drafts") as batch:
        batch.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("updated_by", sa.String(64), nullable=True))
        batch.add_column(sa.Column("amends_version", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("writer", sa.String(64), nullable=True))
    op.create_table(
        "sign_in_throttle",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name="pk_sign_in_throttle"),
    )


def downgrade() -> None:
    op.drop_table("sign_in_throttle")
    with op.batch_alter_table("drafts") as batch:
        batch.drop_column("writer")
        batch.drop_column("amends_version")
        batch.drop_column("updated_by")
        batch.drop_column("revision")
