"""Baseline: drafts, practice attempts and uploaded vignettes (the tables from before migrations).

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "drafts",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("step", sa.String(40), nullable=False),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
    )
    op.create_index("ix_drafts_updated", "drafts", ["updated"])
    op.create_table(
        "attempts",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("student", sa.String(200), nullable=False),
        sa.Column("student_key", sa.String(200), nullable=False),
        sa.Column("case_id", sa.String(100), nullable=False),
        sa.Column("case_title", sa.String(200), nullable=False),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("expected", sa.Text(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("marks", sa.Text(), nullable=False),
        sa.Column("feedback", sa.Text(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("unsafe", sa.Boolean(), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("committed", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_attempts_student_key", "attempts", ["student_key"])
    op.create_index("ix_attempts_case_id", "attempts", ["case_id"])
    op.create_index("ix_attempts_created", "attempts", ["created"])
    op.create_table(
        "vignettes",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("difficulty", sa.String(40), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_vignettes_created", "vignettes", ["created"])


def downgrade() -> None:
    op.drop_table("vignettes")
    op.drop_table("attempts")
    op.drop_table("drafts")
