"""Alembic's entry point: migrate the connection the app hands over, or the database the
environment names (``alembic upgrade head`` from the repository root uses ``$DATABASE_URL`` or the
default SQLite file)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from intake.storage.database import database_url
from intake.storage.schema import Base, include_object

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(url=database_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True,
                      include_object=include_object)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(database_url())
    with engine.begin() as own:
        _run(own)
    engine.dispose()


def _run(connection) -> None:
    # Batch mode lets ALTER TABLE work on SQLite (it copies the table) and is a no-op elsewhere.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                      include_object=include_object)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
