"""Clinics, practitioners, filed records with their versions, the audit log; clinic scoping.

Drafts, attempts and vignettes gain a clinic (empty for rows made before sign-in existed: the
first clinic set up claims them).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "clinics",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_clinics"),
        sa.UniqueConstraint("name", name="uq_clinics_name"),
    )
    op.create_table(
        "practitioners",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("clinic_id", sa.String(64), nullable=False),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("password_hash", sa.String(200), nullable=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_sign_in", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinics.id"], name="fk_practitioners_clinic_id_clinics"),
        sa.PrimaryKeyConstraint("id", name="pk_practitioners"),
        sa.UniqueConstraint("username", name="uq_practitioners_username"),
        sa.UniqueConstraint("email", name="uq_practitioners_email"),
    )
    op.create_index("ix_practitioners_clinic_id", "practitioners", ["clinic_id"])
    op.create_table(
        "records",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("clinic_id", sa.String(64), nullable=False),
        sa.Column("practitioner_id", sa.String(64), nullable=False),
        sa.Column("pseudonym", sa.String(32), nullable=False),
        sa.Column("patient_name", sa.String(200), nullable=False),
        sa.Column("patient_key", sa.String(200), nullable=False),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("follows_id", sa.String(64), nullable=True),
        sa.Column("origins", sa.String(400), nullable=False),
        sa.Column("red_flags", sa.String(1000), nullable=False),
        sa.Column("referral", sa.String(20), nullable=False),
        sa.Column("muscles", sa.String(400), nullable=False),
        sa.Column("knowledge_version", sa.String(40), nullable=False),
        sa.Column("case_data", sa.Text(), nullable=False),
        sa.Column("assessment_data", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinics.id"], name="fk_records_clinic_id_clinics"),
        sa.ForeignKeyConstraint(["practitioner_id"], ["practitioners.id"], name="fk_records_practitioner_id_practitioners"),
        sa.PrimaryKeyConstraint("id", name="pk_records"),
    )
    op.create_index("ix_records_practitioner_id", "records", ["practitioner_id"])
    op.create_index("ix_records_clinic_assessed", "records", ["clinic_id", "assessed_at"])
    op.create_index("ix_records_clinic_pseudonym", "records", ["clinic_id", "pseudonym"])
    op.create_table(
        "record_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("record_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("practitioner_id", sa.String(64), nullable=False),
        sa.Column("case_data", sa.Text(), nullable=False),
        sa.Column("assessment_data", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["record_id"], ["records.id"], name="fk_record_versions_record_id_records", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_record_versions"),
    )
    op.create_index("ix_record_versions_record_id", "record_versions", ["record_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("clinic_id", sa.String(64), nullable=True),
        sa.Column("practitioner_id", sa.String(64), nullable=True),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("record_id", sa.String(64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_clinic_id", "audit_log", ["clinic_id"])
    op.create_index("ix_audit_log_record_id", "audit_log", ["record_id"])
    with op.batch_alter_table("drafts") as batch:
        for column in ("clinic_id", "practitioner_id", "follows_id", "amends_id"):
            batch.add_column(sa.Column(column, sa.String(64), nullable=True))
        batch.add_column(sa.Column("pseudonym", sa.String(32), nullable=True))
        batch.create_index("ix_drafts_clinic_id", ["clinic_id"])
    for table in ("attempts", "vignettes"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("clinic_id", sa.String(64), nullable=True))
            batch.create_index(f"ix_{table}_clinic_id", ["clinic_id"])


def downgrade() -> None:
    for table in ("vignettes", "attempts"):
        with op.batch_alter_table(table) as batch:
            batch.drop_index(f"ix_{table}_clinic_id")
            batch.drop_column("clinic_id")
    with op.batch_alter_table("drafts") as batch:
        batch.drop_index("ix_drafts_clinic_id")
        for column in ("pseudonym", "amends_id", "follows_id", "practitioner_id", "clinic_id"):
            batch.drop_column(column)
    op.drop_table("audit_log")
    op.drop_table("record_versions")
    op.drop_table("records")
    op.drop_table("practitioners")
    op.drop_table("clinics")
