"""Random valid cases drawn from the form (hypothesis): every answer of the case format, each
either not asked or a value its model allows, so a question added to the form is random-tested
without touching this file."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from intake.form import Form, Slot, default_form
from intake.models import version_2_fields_in

__all__ = ["cases"]


def _answer(slot: Slot) -> st.SearchStrategy[Any]:
    if slot.kind == "flag":
        return st.sampled_from([None, False, True])
    if slot.kind in ("test", "choice"):
        return st.sampled_from([None, *slot.choices])
    if slot.kind == "multi":
        return st.one_of(st.none(), st.lists(st.sampled_from(slot.choices), unique=True))
    low = int(slot.low if slot.low is not None else 0)
    high = int(slot.high if slot.high is not None else 500)
    if slot.kind == "integer":
        return st.one_of(st.none(), st.integers(low, high))
    if slot.kind == "decimal":
        return st.one_of(st.none(), st.floats(low, high, allow_nan=False, allow_infinity=False))
    return st.none()  # free text (the name) is never read by the reasoning


def _nest(flat: dict[str, Any]) -> dict[str, Any]:
    case: dict[str, Any] = {"case_format": 1}
    for path, value in flat.items():
        if value is None:
            continue
        *parents, name = path.split(".")
        at = case
        for part in parents:
            at = at.setdefault(part, {})
        at[name] = value
    exam = case.get("exam", {})
    if exam.get("neuro_deficit") is not True:
        exam.pop("neuro_deficit_level", None)  # a level is given only with a deficit (the model refuses it otherwise)
    if version_2_fields_in(case):
        case["case_format"] = 2  # a version-1 file may not use a version-2 field
    return case


def cases_from(form: Form) -> st.SearchStrategy[dict[str, Any]]:
    answers = {s.path: _answer(s) for s in form.slots}
    answers["patient.age"] = st.integers(0, 120)  # the one required answer
    return st.fixed_dictionaries(answers).map(_nest)


cases = cases_from(default_form())
