"""Where each fact key lives in a case, and one answer added to (or taken from) case data.

The rules read flat keys (`slump`, `limp`, `pain_sites.groin`); the case, the form and the
what-if read nested data (`exam.tests.slump`). This is the one mapping between the two, taken
from the form definition (knowledge/form.yaml) so an answer added there is found here with no edits.
"""

from __future__ import annotations

import copy
from typing import Any

from intake.facts import LIST_FIELDS
from intake.form import default_form
from intake.models import version_2_fields_in

__all__ = ["answer_in", "answer_values", "case_path", "is_test", "section_of", "with_answer"]


_FORM = default_form()
_TESTS = frozenset(_FORM.test_keys)


def case_path(key: str) -> str:
    """The dotted path in the case of a fact key (a list value is its list's path), from the form."""
    return _FORM.path_of(key)


def answer_in(data: dict, key: str) -> Any:
    """The answer a fact key has in case data, as the rules read it (None when not asked)."""
    field, _, value = key.partition(".")
    node: Any = data
    for part in case_path(field).split("."):
        node = node.get(part) if isinstance(node, dict) else None
    if value:
        return None if node is None else value in node
    if field in _TESTS and node is not None:
        return node == "positive"
    return node


def with_answer(data: dict, key: str, answer: Any) -> dict:
    """A copy of case data with one answer given (None takes it back to not asked).

    A list value answered yes is added to its list; answered no, it is taken out, and a list
    never filled in becomes the empty list ("asked: none of these"), since a case cannot hold
    half an answer to a list.
    """
    out = copy.deepcopy(data)
    field, _, value = key.partition(".")
    *parents, leaf = case_path(field).split(".")
    node = out
    for part in parents:
        node = node.setdefault(part, {})
    if value and field in LIST_FIELDS:
        chosen = list(node.get(leaf) or [])
        if answer is None:
            if value in chosen:
                chosen.remove(value)
            node[leaf] = chosen or None
        elif answer:
            node[leaf] = [v for v in LIST_FIELDS[field] if v in chosen or v == value]
        else:
            node[leaf] = [v for v in chosen if v != value]
        if node[leaf] is None:
            del node[leaf]
        return _format_for(out)
    if answer is None:
        node.pop(leaf, None)
    elif field in _TESTS and isinstance(answer, bool):
        node[leaf] = "positive" if answer else "negative"
    else:
        node[leaf] = answer
    return _format_for(out)


def _format_for(data: dict) -> dict:
    """A version-1 case given a version-2 answer becomes a version-2 case (version 2 only adds fields)."""
    if data.get("case_format") == 1 and version_2_fields_in(data):
        data["case_format"] = 2
    return data


def answer_values(key: str) -> tuple[str, ...]:
    """The values a one-of-a-list answer allows (sex, side, onset), from the form."""
    return _FORM.slot(case_path(key)).choices


def section_of(key: str) -> str:
    """The form section (the wizard step) that asks a fact key."""
    return _FORM.slot(case_path(key)).section


def is_test(key: str) -> bool:
    return key in _TESTS
