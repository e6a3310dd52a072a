"""Roles and what each may do: one table read by accounts, records, the sign-in and the pages."""

from __future__ import annotations

from typing import Literal

__all__ = ["MODES", "ROLES", "ROLE_MODES", "ROLE_WORDS", "Action", "Role", "may", "may_delete_record"]

Role = Literal["admin", "practitioner", "student"]
ROLES: tuple[Role, ...] = ("admin", "practitioner", "student")
ROLE_WORDS: dict[str, str] = {"admin": "Administrator", "practitioner": "Practitioner", "student": "Student (practice only)"}

Action = Literal["see_patients", "administer_clinic", "delete_any_record", "teach"]
# Students practise on vignettes; patient records need a practitioner or administrator account.
_MAY: dict[Action, frozenset[str]] = {
    "see_patients": frozenset({"admin", "practitioner"}),
    "administer_clinic": frozenset({"admin"}),
    "delete_any_record": frozenset({"admin"}),
    "teach": frozenset({"admin", "practitioner"}),
}

#: The app's pages, and which a role may open.
MODES: dict[str, str] = {"intake": "Intake", "records": "Records", "practice": "Practice", "instructor": "Instructor"}
ROLE_MODES: dict[str, tuple[str, ...]] = {
    "admin": tuple(MODES), "practitioner": tuple(MODES), "student": ("practice",),
}


def may(role: str | None, action: Action) -> bool:
    """Whether an account of this role may do this; an unknown role may do nothing."""
    return role in _MAY[action]


def may_delete_record(role: str | None, user_id: str | None, author_id: str | None) -> bool:
    """A record is deleted by the practitioner who filed it, or by a clinic administrator."""
    return may(role, "delete_any_record") or (may(role, "see_patients") and user_id is not None and user_id == author_id)
