"""Migrations on SQLite and PostgreSQL: empty to head equals the models, an old database is adopted,
and a downgrade to the baseline and back keeps the rows the baseline knows."""

from __future__ import annotations

from datetime import UTC

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from db_support import BASELINE_TABLES, make_old_database
from sqlalchemy import create_engine, inspect, select, text

from intake.db.database import BASELINE_REVISION, Database, alembic_config, current_revision, head_revision, upgrade
from intake.db.schema import Base, DraftRow, include_object
from intake.store import Store


def schema_differences(engine) -> list:
    with engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection, opts={"include_object": include_object}), Base.metadata)


def user_tables(engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def test_head_is_the_last_migration():
    assert head_revision() == "0009_i11"


def test_empty_database_migrates_to_head_and_matches_the_models(db_url):
    engine = create_engine(db_url)
    assert user_tables(engine) == set()
    engine.dispose()

    db = Database(db_url)
    try:
        with db.engine.connect() as connection:
            assert current_revision(connection) == head_revision()
        assert user_tables(db.engine) == set(Base.metadata.tables) | {"alembic_version"}
        assert schema_differences(db.engine) == []
        # A second start finds it up to date and changes nothing.
        Database(db_url).dispose()
        assert schema_differences(db.engine) == []
    finally:
        db.dispose()


def test_schema_differences_are_detected(db_url):
    """The comparison above can fail: a column the models have and the database lacks is reported."""
    db = Database(db_url)
    try:
        with db.engine.begin() as connection:
            command.downgrade(alembic_config(connection), BASELINE_REVISION)
            command.stamp(alembic_config(connection), "head")
        assert schema_differences(db.engine) != []
    finally:
        db.dispose()


def test_a_database_from_before_migrations_is_adopted_with_its_rows(db_url):
    when = make_old_database(db_url)
    store = Store(db_url)
    try:
        with store.engine.connect() as connection:
            assert current_revision(connection) == head_revision()
        assert schema_differences(store.engine) == []
        with store.db.reading() as session:
            draft = session.get(DraftRow, "old-draft")
            assert draft is not None and draft.clinic_id is None
            assert (draft.step, bool(draft.consent), draft.notes) == ("history", True, "kept")
            assert draft.updated.replace(tzinfo=draft.updated.tzinfo or UTC) == when
            assert session.scalar(text("SELECT score FROM attempts WHERE id = 'old-attempt'")) == 72.5
            assert session.scalar(text("SELECT title FROM vignettes WHERE id = 'old-vignette'")) == "Uploaded"

        # The first clinic set up takes them over; to the clinic they are its own.
        clinic = store.accounts.create_clinic("First clinic", claim_unowned=True)
        store.accounts.add_practitioner(clinic.id, "first", "First", email="first@example.org", role="admin")
        scoped = store.scoped(store.accounts.principal_for_email("first@example.org"))
        assert scoped.get("old-draft").answers["patient"]["age"] == 61
        assert scoped.get_attempt("old-attempt").score == 72.5
        assert [v.id for v in scoped.list_vignettes()] == ["old-vignette"]
    finally:
        store.dispose()


def test_downgrade_to_the_baseline_and_back_up(db_url):
    store = Store(db_url)
    try:
        clinic = store.accounts.create_clinic("Clinic")
        store.accounts.add_practitioner(clinic.id, "pat", "Pat", email="pat@example.org")
        scoped = store.scoped(store.accounts.principal_for_email("pat@example.org"))
        draft = scoped.create({"patient": {"age": 50}}, step="patient", consent=True)

        with store.engine.begin() as connection:
            command.downgrade(alembic_config(connection), BASELINE_REVISION)
        with store.engine.connect() as connection:
            assert current_revision(connection) == BASELINE_REVISION
        assert user_tables(store.engine) == BASELINE_TABLES | {"alembic_version"}
        assert "clinic_id" not in {c["name"] for c in inspect(store.engine).get_columns("drafts")}
        with store.engine.connect() as connection:
            assert connection.execute(text("SELECT id, step FROM drafts")).all() == [(draft.id, "patient")]

        upgrade(store.engine)
        with store.engine.connect() as connection:
            assert current_revision(connection) == head_revision()
        assert schema_differences(store.engine) == []
        with store.db.reading() as session:
            assert session.scalars(select(DraftRow.id)).all() == [draft.id]
    finally:
        store.dispose()


@pytest.mark.parametrize("revision", [BASELINE_REVISION, "head"])
def test_upgrade_to_a_given_revision(db_url, revision):
    db = Database(db_url, migrate=False)
    try:
        upgrade(db.engine, revision)
        with db.engine.connect() as connection:
            assert current_revision(connection) == (head_revision() if revision == "head" else revision)
        expected = BASELINE_TABLES if revision != "head" else set(Base.metadata.tables)
        assert user_tables(db.engine) == expected | {"alembic_version"}
    finally:
        db.dispose()
