"""Flatten a case into the facts the rules read: one key per answer, None when not asked.

Key names follow the case format: a scalar field is its own name (`limp`, `scour`, `age`);
membership of a list is `list.value` (`pain_sites.groin`, `aggravated_by.squatting`,
`tender_muscles.piriformis`). A listed field that was answered but does not contain a value
reads False; a list that was never filled in reads None for every value. Which answers exist
and their kinds come from the form (intake/knowledge/form.yaml, checked against the models).
"""

from __future__ import annotations

from intake.form import Form, default_form
from intake.models import Case

__all__ = ["CASE_KEY_KINDS", "LIST_FIELDS", "case_facts", "facts_of"]

_FORM = default_form()
LIST_FIELDS: dict[str, tuple[str, ...]] = _FORM.list_fields
CASE_KEY_KINDS: dict[str, str] = _FORM.fact_kinds


def _readers(form: Form) -> tuple[tuple[str, tuple[str, ...], str, tuple[str, ...]], ...]:
    """(fact key, attribute path, kind, list values) per answer the reasoning reads."""
    return tuple((s.key, tuple(s.path.split(".")), s.kind, s.choices) for s in form.slots if s.kind != "text")


_READERS = _readers(_FORM)


def facts_of(case: Case, form: Form) -> dict[str, object]:
    """The facts of a case under any form (a test's extended copy, say); ``case_facts`` is the product's."""
    return _read(case, _readers(form) if form is not _FORM else _READERS)


def case_facts(case: Case) -> dict[str, object]:
    return _read(case, _READERS)


def _read(case: Case, readers: tuple[tuple[str, tuple[str, ...], str, tuple[str, ...]], ...]) -> dict[str, object]:
    facts: dict[str, object] = {}
    for key, path, kind, values in readers:
        value: object = case
        for part in path:
            value = getattr(value, part)
        if kind == "multi":
            if value is None:
                facts.update({f"{key}.{v}": None for v in values})
            else:
                picked = set(value)  # type: ignore[call-overload]
                facts.update({f"{key}.{v}": v in picked for v in values})
        elif kind == "test":
            facts[key] = None if value is None else value == "positive"
        else:
            facts[key] = value
    return facts
