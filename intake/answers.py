"""Where each fact key lives in a case, and one answer added to (or taken from) case data.

The rules read flat keys (`slump`, `limp`, `pain_sites.groin`); the case, the form and the
what-if read nested data (`exam.tests.slump`). This is the one mapping between the two, taken
from the case models so a field added there is found here with no edits.
"""

from __future__ import annotations

import copy
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin

from intake.facts import LIST_FIELDS
from intake.models import Exam, History, Patient, RedFlags, Tests

__all__ = ["answer_in", "answer_values", "case_path", "with_answer"]


def _paths() -> dict[str, str]:
    paths: dict[str, str] = {}
    for name in Patient.model_fields:
        paths[name] = f"patient.{name}"
    for name in History.model_fields:
        paths[name] = f"history.{name}"
    for name in RedFlags.model_fields:
        paths[name] = f"red_flags.{name}"
    for name in Exam.model_fields:
        if name != "tests":
            paths[name] = f"exam.{name}"
    for name in Tests.model_fields:
        paths[name] = f"exam.tests.{name}"
    return paths


_PATHS = _paths()
_TESTS = frozenset(Tests.model_fields)


def case_path(key: str) -> str:
    """The dotted path in the case of a fact key (a list value is its list's path)."""
    field = key.partition(".")[0]
    return _PATHS[field]


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
        return out
    if answer is None:
        node.pop(leaf, None)
    elif field in _TESTS and isinstance(answer, bool):
        node[leaf] = "positive" if answer else "negative"
    else:
        node[leaf] = answer
    return out


def answer_values(key: str) -> tuple[str, ...]:
    """The values a one-of-a-list field allows (sex, side, onset), from the case models."""
    for model in (Patient, History, Exam):
        field = model.model_fields.get(key)
        if field is not None:
            return tuple(_literals(field.annotation))
    return ()


def _literals(annotation: Any) -> list[str]:
    if get_origin(annotation) is Literal:
        return [str(v) for v in get_args(annotation)]
    if get_origin(annotation) in (Union, UnionType):
        return [v for arg in get_args(annotation) for v in _literals(arg)]
    return []
