"""Flatten a case into the facts the rules read: one key per answer, None when not asked.

Key names follow the case format: a scalar field is its own name (`limp`, `scour`, `age`);
membership of a list is `list.value` (`pain_sites.groin`, `aggravated_by.squatting`,
`tender_muscles.piriformis`). A listed field that was answered but does not contain a value
reads False; a list that was never filled in reads None for every value.
"""

from __future__ import annotations

from intake.models import ACTIVITIES, MUSCLES, RED_FLAG_KEYS, REGIONS, TESTS, Case, History

__all__ = ["CASE_KEY_KINDS", "LIST_FIELDS", "case_facts"]

LIST_FIELDS: dict[str, tuple[str, ...]] = {
    "pain_sites": REGIONS,
    "aggravated_by": ACTIVITIES,
    "tender_muscles": MUSCLES,
}

_HISTORY_BOOLS = (
    "limp", "paraesthesia", "back_pain", "clicking_or_locking", "night_pain", "relieved_by_rest",
    # version 2
    "minor_fall", "training_load_increase", "hip_replacement", "eased_sitting", "eased_bending_forward",
)
_HISTORY_NUMBERS = ("duration_weeks", "pain_now", "pain_worst", "morning_stiffness_minutes")
_EXAM_NUMBERS = ("hip_internal_rotation_deg", "hip_flexion_deg")


def _build_kinds() -> dict[str, str]:
    kinds: dict[str, str] = {"age": "number", "sex": "value", "side": "value", "onset": "value"}
    kinds.update({k: "bool" for k in _HISTORY_BOOLS})
    kinds.update({k: "number" for k in _HISTORY_NUMBERS + _EXAM_NUMBERS})
    kinds.update({k: "bool" for k in RED_FLAG_KEYS})
    kinds.update({k: "bool" for k in TESTS})
    kinds["neuro_deficit"] = "bool"
    kinds["neuro_deficit_level"] = "value"
    for field, values in LIST_FIELDS.items():
        kinds.update({f"{field}.{v}": "bool" for v in values})
    return kinds


CASE_KEY_KINDS: dict[str, str] = _build_kinds()
assert set(_HISTORY_BOOLS) | set(_HISTORY_NUMBERS) | {"onset", "pain_sites", "aggravated_by"} == set(History.model_fields)


def case_facts(case: Case) -> dict[str, object]:
    history, exam = case.history, case.exam
    facts: dict[str, object] = {
        "age": case.patient.age,
        "sex": case.patient.sex,
        "side": case.patient.side,
        "onset": history.onset,
        "neuro_deficit": exam.neuro_deficit,
        "neuro_deficit_level": exam.neuro_deficit_level,
    }
    for key in _HISTORY_BOOLS + _HISTORY_NUMBERS:
        facts[key] = getattr(history, key)
    for key in _EXAM_NUMBERS:
        facts[key] = getattr(exam, key)
    red_flags = case.red_flags
    for key in RED_FLAG_KEYS:
        facts[key] = getattr(red_flags, key)
    tests = exam.tests
    for key in TESTS:
        result = getattr(tests, key)
        facts[key] = None if result is None else result == "positive"
    lists = {"pain_sites": history.pain_sites, "aggravated_by": history.aggravated_by, "tender_muscles": exam.tender_muscles}
    for field, values in LIST_FIELDS.items():
        chosen = lists[field]
        if chosen is None:
            facts.update({f"{field}.{v}": None for v in values})
        else:
            picked = set(chosen)
            facts.update({f"{field}.{v}": v in picked for v in values})
    return facts
