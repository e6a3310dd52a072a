"""One error hierarchy: what the product refuses, and why, in three kinds the CLI and UI tell apart.

    IntakeError
    ├── InvalidInput        a case file, an upload, a typed value or a request the product refuses
    ├── NotAllowed          the account may not do this
    └── ConfigurationError  the product's own set-up (knowledge base, form, rubric, branding) is wrong

The existing names (``CaseError``, ``AccessDenied``, ``KnowledgeError`` …) are subclasses, so code
that catches them, or the ``ValueError`` / ``PermissionError`` they were, keeps working. Messages
name the field and never quote a patient's answers.
"""

from __future__ import annotations

__all__ = ["ConfigurationError", "IntakeError", "InvalidInput", "NotAllowed"]


class IntakeError(Exception):
    """Anything the product refuses on purpose (not a bug): the message is for the user."""


class InvalidInput(IntakeError, ValueError):
    """The input cannot be used as given; the message names the field."""


class NotAllowed(IntakeError, PermissionError):
    """The signed-in account (or the clinic it belongs to) may not do this."""


class ConfigurationError(IntakeError, ValueError):
    """The product's own files are inconsistent; the message names file, record and field."""
