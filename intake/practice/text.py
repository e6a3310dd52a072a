"""Words for practice mode, shared by the screen and the feedback PDF: labels from the knowledge base.

Pure functions; no Streamlit, no ReportLab.
"""

from __future__ import annotations

from typing import Any

from intake.form import default_form
from intake.knowledge import KnowledgeBase
from intake.models import MUSCLES, RED_FLAG_KEYS, TESTS
from intake.policy.visit import DECIDES_THE_VISIT, NEXT_IS_REFERRAL, red_flag_decides
from intake.practice.scoring import EXAM_KEYS, NOT_RECORDED

__all__ = ["answer_words", "ask_label", "comparison_rows", "exam_options", "history_lines", "no_test_to_suggest", "patient_line",
           "question_options", "value_words"]

_UNITS = {s.key: s.unit for s in default_form().slots if s.unit}


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def question_options(kb: KnowledgeBase) -> list[str]:
    """Every red-flag and precaution question, in the knowledge base's screening order."""
    ordered = [k for k in kb.screening if k in RED_FLAG_KEYS]
    return ordered + [k for k in RED_FLAG_KEYS if k not in ordered]


def exam_options() -> list[str]:
    """Every named test, then range of movement, neurology and palpation (all muscles, or one)."""
    return [*TESTS, *EXAM_KEYS]


def ask_label(key: str, kb: KnowledgeBase) -> str:
    """How a question or test is offered: its label (and, for a question, how it is asked)."""
    if key == "tender_muscles":
        return "Palpate every muscle (which reproduce the familiar pain?)"
    if key.startswith("tender_muscles."):
        muscle = key.partition(".")[2]
        return f"Palpate {kb.muscles[muscle].label.lower() if muscle in kb.muscles else muscle.replace('_', ' ')}"
    finding = kb.findings.get(key)
    if key in RED_FLAG_KEYS and finding is not None and finding.question:
        return f"{finding.label}: {finding.question}"
    return kb.label(key)


def value_words(key: str, value: Any, kb: KnowledgeBase) -> str:
    """The case's answer as a clinician would say it; "not recorded" stays exactly that."""
    if value == NOT_RECORDED:
        return NOT_RECORDED
    if isinstance(value, bool):
        if key.startswith("tender_muscles."):
            return "reproduces the familiar pain" if value else "does not reproduce the pain"
        return "yes" if value else "no"
    if key == "tender_muscles":
        names = [kb.muscles[m].label if m in kb.muscles else m for m in value if m in MUSCLES]
        return ", ".join(names) if names else "none reproduces the pain"
    if key in _UNITS:
        return f"{value}{_UNITS[key]}"
    return str(value).replace("_", " ")


def answer_words(key: str, value: Any, kb: KnowledgeBase) -> str:
    """``label: answer`` for the list of what the student found out."""
    if key == "tender_muscles":
        label = kb.field_labels.get(key, "Palpation of the muscles")
    elif key.startswith("tender_muscles."):
        label = f"Palpation, {ask_label(key, kb).removeprefix('Palpate ')}"
    elif key in RED_FLAG_KEYS:
        label = ask_label(key, kb).split(": ", 1)[0]
    else:
        label = ask_label(key, kb)
    return f"{label}: {value_words(key, value, kb)}"


def patient_line(shown: dict[str, Any]) -> str:
    patient = shown.get("patient", {})
    side = {"left": "symptoms on the left", "right": "symptoms on the right", "bilateral": "symptoms on both sides"}
    bits = [f"{patient['age']} years" if "age" in patient else None, patient.get("sex"), side.get(patient.get("side", ""))]
    return ", ".join(b for b in bits if b)


def history_lines(shown: dict[str, Any], kb: KnowledgeBase) -> list[tuple[str, str]]:
    """The presenting history as (label, words) pairs, in the case format's order."""
    out: list[tuple[str, str]] = []
    for key, value in shown.get("history", {}).items():
        label = kb.field_labels.get(key) or kb.label(key)
        if isinstance(value, list):
            words = [kb.label(f"{key}.{v}").split(": ", 1)[-1] for v in value]
            text = ", ".join(w.removeprefix("Worse with ").removeprefix("Worse ") for w in words) or "none"
        elif isinstance(value, bool):
            text = "yes" if value else "no"
        elif isinstance(value, float) and value.is_integer():
            text = str(int(value))
        else:
            text = str(value).replace("_", " ")
        out.append((_sentence(label), text))
    return out


def _names(ids: Any, labels: dict[str, str]) -> str:
    return ", ".join(labels.get(i, i.replace("_", " ")) for i in ids) or "none"


def comparison_rows(attempt: Any, expected: Any, assessment: Any, kb: KnowledgeBase) -> list[tuple[str, str, str, str]]:
    """Each commitment beside the vignette's answer and the engine's: one table for screen and PDF."""
    origins = {k: v.label for k, v in kb.origins.items()}
    flags = {k: v.label for k, v in kb.red_flag_conditions.items()}
    muscles = {k: v.label for k, v in kb.muscles.items()}
    therapies = {k: v.label for k, v in kb.therapies.items()}
    answer = _names([expected.origin], origins) if expected.origin else f"none: {DECIDES_THE_VISIT}"
    if expected.origin and len(expected.acceptable) > 1:
        answer += f" (also acceptable: {_names([o for o in expected.acceptable if o != expected.origin], origins)})"
    return [
        ("Origins, ranked", _names(attempt.ranked_origins, origins), answer,
         "; ".join(f"{o.label} ({o.likelihood})" for o in assessment.origins[:3])),
        ("Red flags", _names(attempt.red_flags_identified, flags), _names(expected.red_flags, flags),
         "; ".join(f"{f.label} ({f.urgency})" for f in assessment.red_flags) or "none raised"),
        ("Referral", attempt.referral, expected.referral, assessment.referral),
        ("Muscles", _names(attempt.muscles_suspected, muscles), _names(expected.muscles, muscles),
         _names([m.id for m in assessment.muscles], muscles)),
        ("Treatment offered", _names(attempt.therapies_chosen, therapies), "—",
         _names([t.id for t in assessment.therapies if t.withheld is None], therapies)),
        ("Withheld", _names(attempt.withheld_chosen, {}), _names(expected.withheld, {}),
         _names(sorted({w.id for w in assessment.withheld}), {})),
    ]


def no_test_to_suggest(expected_referral: str) -> str:
    """Why the feedback names no test that would have changed the picture (screen and PDF alike)."""
    if red_flag_decides(expected_referral):
        return f"None: {NEXT_IS_REFERRAL[0].lower()}{NEXT_IS_REFERRAL[1:]}"
    return "None: the tests that matter for this picture were done."
