"""The records' date indexes carry origins and red_flags too, so a date, origin or red-flag filter
(and its bounded count) is answered from the index without reading the table.

Revision ID: 0004_i17
Revises: 0003_i17
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_i17"
down_revision = "0003_i17"
branch_labels = None
depends_on = None

_FLAGGED = "red_flags <> '|'"
_INDEXES = (("ix_records_clinic_assessed_id", None), ("ix_records_clinic_flagged_assessed", _FLAGGED))


def _recreate(columns: list[str]) -> None:
    for name, where in _INDEXES:
        op.drop_index(name, table_name="records")
        op.create_index(name, "records", columns, sqlite_where=sa.text(where) if where else None,
                        postgresql_where=sa.text(where) if where else None)
    if op.get_bind().dialect.name == "sqlite":
        op.get_bind().exec_driver_sql("ANALYZE records")


def upgrade() -> None:
    _recreate(["clinic_id", "assessed_at", "id", "origins", "red_flags"])


def downgrade() -> None:
    _recreate(["clinic_id", "assessed_at", "id"])
