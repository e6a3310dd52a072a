"""Database and migration failures as the product's own error, for callers outside storage.

Only ``intake/storage`` touches the database (an import contract checks it), so the command line
and the UI catch these names rather than SQLAlchemy's or Alembic's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import SQLAlchemyError

from intake.errors import IntakeError

__all__ = ["DatabaseError", "StorageFailure", "failures_named"]

DatabaseError = SQLAlchemyError


class StorageFailure(IntakeError, RuntimeError):
    """The database could not do what was asked; not the input's fault (the CLI exits 1)."""


@contextmanager
def failures_named(doing: str) -> Iterator[None]:
    """Database and migration failures as StorageFailure with the driver's first line, no traceback."""
    from alembic.util import CommandError as AlembicError

    try:
        yield
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise StorageFailure(f"{doing}: {reason}") from None
    except AlembicError as exc:
        raise StorageFailure(f"{doing}: {exc}") from None
