"""Records at the scale of a clinic group: indexes that end in (assessed_at, id) for every filter,
the name-search terms, and a record's content stored once, packed.

- records: the case and assessment JSON go (they were a second copy of the current version);
  indexes for clinic + date, pseudonym, practitioner, referral and red-flagged records, each in
  date order, so a page is read in order and a bounded count stops early.
- record_versions: case_data + assessment_data become `content`, packed (intake/storage/packing.py);
  one version per (record, number).
- record_terms: the endings of the words of each patient's normalised name (SQLite's name search:
  its primary key alone, WITHOUT ROWID);
  on PostgreSQL a trigram index on records.patient_key (pg_trgm, created here when it may be).

On SQLite a batch ALTER copies a table and drops the old one, and dropping `records` would
cascade-delete every `record_versions` row (foreign keys are on, and cannot be turned off inside
the migration's transaction): so `records` is only ever changed in place here (DROP COLUMN,
indexes); only child tables are copied.

Revision ID: 0003_i17
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0003_i17"
down_revision = "0002"
branch_labels = None
depends_on = None

_BATCH = 500
_FLAGGED = "red_flags <> '|'"
_INDEXES = (
    ("ix_records_clinic_assessed_id", ["clinic_id", "assessed_at", "id"], None),
    ("ix_records_clinic_pseudonym_assessed", ["clinic_id", "pseudonym", "assessed_at"], None),
    ("ix_records_clinic_practitioner_assessed", ["clinic_id", "practitioner_id", "assessed_at", "id"], None),
    ("ix_records_clinic_referral_assessed", ["clinic_id", "referral", "assessed_at", "id"], None),
    ("ix_records_clinic_flagged_assessed", ["clinic_id", "assessed_at", "id"], _FLAGGED),
)
TRIGRAM_INDEX = "ix_records_patient_key_trgm"  # in schema.OPTIONAL_INDEXES


def upgrade() -> None:
    from intake.record_search import name_terms
    from intake.storage.packing import pack

    bind = op.get_bind()
    with op.batch_alter_table("record_versions") as batch:
        batch.add_column(sa.Column("content", sa.LargeBinary(), nullable=True))
    versions = sa.table("record_versions", sa.column("id", sa.Integer), sa.column("case_data", sa.Text),
                        sa.column("assessment_data", sa.Text), sa.column("content", sa.LargeBinary))
    _rewrite(bind, versions, lambda row: {"content": pack({"case": json.loads(row.case_data),
                                                             "assessment": json.loads(row.assessment_data)})})
    with op.batch_alter_table("record_versions") as batch:
        batch.drop_index("ix_record_versions_record_id")
        batch.drop_column("case_data")
        batch.drop_column("assessment_data")
        batch.alter_column("content", existing_type=sa.LargeBinary(), nullable=False)
        batch.create_index("ix_record_versions_record_version", ["record_id", "version"], unique=True)

    op.drop_index("ix_records_clinic_assessed", table_name="records")
    op.drop_index("ix_records_clinic_pseudonym", table_name="records")
    for column in ("case_data", "assessment_data"):  # in place (SQLite 3.35+), never by copying the table
        bind.exec_driver_sql(f"ALTER TABLE records DROP COLUMN {column}")
    for name, columns, where in _INDEXES:
        op.create_index(name, "records", columns, sqlite_where=sa.text(where) if where else None,
                        postgresql_where=sa.text(where) if where else None)

    op.create_table(
        "record_terms",
        sa.Column("term", sa.String(200), nullable=False),
        sa.Column("record_id", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("term", "record_id", name="pk_record_terms"),
        sqlite_with_rowid=False,
    )
    records = sa.table("records", sa.column("id", sa.String), sa.column("patient_key", sa.String))
    terms = sa.table("record_terms", sa.column("term", sa.String), sa.column("record_id", sa.String))
    batch_rows: list[dict[str, str]] = []
    existing = bind.execute(sa.select(records.c.id, records.c.patient_key)).all() if bind.dialect.name == "sqlite" else []
    for record_id, key in existing:  # only SQLite searches these (PostgreSQL: the trigram index below)
        batch_rows += [{"term": t, "record_id": record_id} for t in name_terms(key)]
        if len(batch_rows) >= _BATCH:
            bind.execute(terms.insert(), batch_rows)
            batch_rows = []
    if batch_rows:
        bind.execute(terms.insert(), batch_rows)

    if bind.dialect.name == "postgresql":
        create_trigram_index(bind)
    elif bind.dialect.name == "sqlite":
        bind.exec_driver_sql("ANALYZE")


def create_trigram_index(bind) -> bool:
    """The trigram index for name search, if pg_trgm is (or may be made) available; False if not
    (the search then still works, reading the clinic's records newest first)."""
    savepoint = bind.begin_nested()
    try:
        bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        # the operator class lives where the extension was made, which may be off this search path
        schema = bind.exec_driver_sql("SELECT extnamespace::regnamespace::text FROM pg_extension "
                                      "WHERE extname = 'pg_trgm'").scalar_one()
        bind.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} ON records "
                             f"USING gin (patient_key {schema}.gin_trgm_ops)")
    except sa.exc.DBAPIError:
        savepoint.rollback()
        return False
    savepoint.commit()
    return True


def downgrade() -> None:
    from intake.storage.packing import unpack

    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")
    op.drop_table("record_terms")
    for name, _, _ in _INDEXES:
        op.drop_index(name, "records")
    op.add_column("records", sa.Column("case_data", sa.Text(), nullable=True))
    op.add_column("records", sa.Column("assessment_data", sa.Text(), nullable=True))
    with op.batch_alter_table("record_versions") as batch:
        batch.drop_index("ix_record_versions_record_version")
        batch.add_column(sa.Column("case_data", sa.Text(), nullable=True))
        batch.add_column(sa.Column("assessment_data", sa.Text(), nullable=True))
    versions = sa.table("record_versions", sa.column("id", sa.Integer), sa.column("content", sa.LargeBinary),
                        sa.column("case_data", sa.Text), sa.column("assessment_data", sa.Text))

    def unpacked(row) -> dict[str, str]:
        data = unpack(row.content)
        return {"case_data": _dump(data["case"]), "assessment_data": _dump(data["assessment"])}

    _rewrite(bind, versions, unpacked)
    # the record's own copy is its current version's
    current = sa.text("UPDATE records SET case_data = v.case_data, assessment_data = v.assessment_data "
                      "FROM record_versions v WHERE v.record_id = records.id AND v.version = records.version")
    if bind.dialect.name == "sqlite":
        current = sa.text("UPDATE records SET "
                          "case_data = (SELECT v.case_data FROM record_versions v WHERE v.record_id = records.id "
                          "AND v.version = records.version), "
                          "assessment_data = (SELECT v.assessment_data FROM record_versions v "
                          "WHERE v.record_id = records.id AND v.version = records.version)")
    bind.execute(current)
    with op.batch_alter_table("record_versions") as batch:
        batch.drop_column("content")
        batch.alter_column("case_data", existing_type=sa.Text(), nullable=False)
        batch.alter_column("assessment_data", existing_type=sa.Text(), nullable=False)
        batch.create_index("ix_record_versions_record_id", ["record_id"])
    if bind.dialect.name != "sqlite":  # SQLite would have to copy records to say NOT NULL (see above): left nullable
        for column in ("case_data", "assessment_data"):
            op.alter_column("records", column, existing_type=sa.Text(), nullable=False)
    op.create_index("ix_records_clinic_assessed", "records", ["clinic_id", "assessed_at"])
    op.create_index("ix_records_clinic_pseudonym", "records", ["clinic_id", "pseudonym"])


def _rewrite(bind, table, change) -> None:
    """Apply `change(row) -> new values` to every row, a batch at a time (memory flat in rows)."""
    last = None
    while True:
        query = sa.select(table).order_by(table.c.id).limit(_BATCH)
        if last is not None:
            query = query.where(table.c.id > last)
        rows = bind.execute(query).all()
        if not rows:
            return
        for row in rows:
            bind.execute(table.update().where(table.c.id == row.id).values(**change(row)))
        last = rows[-1].id


def _dump(data) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, allow_nan=False)
