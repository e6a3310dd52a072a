"""The patient-link guessing throttle, shared by every app instance on the database.

A patient link's secret is unguessable, but nothing should be able to try secrets at speed: after
`limit` failed lookups (an unknown secret) in any `window` seconds, every lookup is refused for a
while, a real link's too. The failures are rows of ``link_failures`` (a moment each, no secret, no
address), so two app processes behind one database count the same failures; rows older than the
window are deleted as new ones are written. Each call is its own short transaction, outside the
lookup's, so a refused lookup still counts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select

from intake.storage.database import Database
from intake.storage.schema import LinkFailureRow

__all__ = ["SharedThrottle"]


class SharedThrottle:
    """At most `limit` failed lookups in any `window` seconds, counted in the database."""

    def __init__(self, db: Database, limit: int = 20, window: float = 60.0):
        self.db, self.limit, self.window = db, limit, window

    def _since(self) -> datetime:
        return datetime.now(UTC) - timedelta(seconds=self.window)

    def blocked(self) -> bool:
        with self.db.reading() as session:
            recent = session.scalar(select(func.count()).select_from(LinkFailureRow).where(LinkFailureRow.at > self._since()))
        return (recent or 0) >= self.limit

    def failed(self) -> None:
        since = self._since()
        with self.db.transaction() as session:
            session.execute(delete(LinkFailureRow).where(LinkFailureRow.at <= since))
            session.add(LinkFailureRow(at=datetime.now(UTC)))
