"""The database: tables (``schema``), the connection and its migrations (``database``).

Every module that stores something goes through a ``Database``; Alembic owns the schema.
"""

from intake.storage.database import DB_FILE_NAME, DEFAULT_DATA_DIR, Database, database_url

__all__ = ["DB_FILE_NAME", "DEFAULT_DATA_DIR", "Database", "database_url"]
