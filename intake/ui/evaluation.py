"""From the session's answers to a checked case and the engine's assessment, once per rerun.

No clinical logic here: the case format (``validate_case``) decides what is acceptable and the
engine (``intake.assess``) decides what it means. This module only builds the case mapping
from the answers, files each refusal under the field it names (so the form can show it next to
the widget), and leaves the refused fields out of the case the engine sees, so one mistyped
number never hides the reasoning (or a red flag) from the rest of the form.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from intake.engine import screening_applies
from intake.loader import CaseError, validate_case
from intake.models import RED_FLAG_KEYS, Assessment, Case
from intake.ui.outcome_answers import outcome_entries

__all__ = ["Evaluation", "build_case_data", "evaluate", "problem_path"]

log = logging.getLogger(__name__)

_SECTIONS = ("history", "red_flags")


@dataclass
class Evaluation:
    data: dict[str, Any]                                   # the case as typed, possibly refused
    problems: dict[str, list[str]] = field(default_factory=dict)  # widget path -> messages
    case: Case | None = None                               # what the engine saw (refused fields left out)
    assessment: Assessment | None = None
    engine_error: str | None = None

    def screening_progress(self) -> tuple[int, int]:
        """(asked, applicable) red-flag and precaution questions; a question asked counts even if
        it no longer applies (its answer is kept and shown)."""
        applies = screening_applies(self.case)
        given = self.data.get("red_flags", {})
        relevant = [k for k in RED_FLAG_KEYS if applies[k] or given.get(k) is not None]
        return sum(1 for k in relevant if given.get(k) is not None), len(relevant)

    @property
    def valid(self) -> bool:
        """True when the whole case, as typed, is a valid case."""
        return self.case is not None and not self.problems


def _prune(mapping: Any) -> dict[str, Any]:
    if not isinstance(mapping, dict):
        return {}
    return {k: v for k, v in mapping.items() if v is not None and v != "" and not isinstance(v, dict)}


def build_case_data(answers: dict[str, Any]) -> dict[str, Any]:
    """The answers as a case mapping (the project writes version 2): unanswered fields are simply absent."""
    data: dict[str, Any] = {"case_format": 2}
    for key in ("id", "title", "visit_date"):
        if answers.get(key):
            data[key] = answers[key]
    data["patient"] = _prune(answers.get("patient"))
    for section in _SECTIONS:
        values = _prune(answers.get(section))
        if values:
            data[section] = values
    exam_answers = answers.get("exam") or {}
    exam = _prune(exam_answers)
    tests = _prune(exam_answers.get("tests"))
    if tests:
        exam["tests"] = tests
    if exam:
        data["exam"] = exam
    notes = answers.get("notes")
    if isinstance(notes, str) and notes.strip():
        data["notes"] = notes
    if answers.get("handout"):  # what the handout holds: kept with the case, never read by the engine
        data["handout"] = answers["handout"]
    outcomes = outcome_entries(answers)
    if outcomes:
        data["outcomes"] = outcomes
    if outcomes or data["patient"].get("language") or data.get("handout"):
        data["case_format"] = 2
    return data


def problem_path(dotted: str) -> str:
    """``history.pain_sites[0]`` -> ``history.pain_sites`` (the widget that holds the list)."""
    return re.sub(r"\[\d+\].*$", "", dotted)


def _without(data: dict[str, Any], path: str) -> bool:
    parts = path.split(".")
    node: Any = data
    for part in parts[:-1]:
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    if isinstance(node, dict) and parts[-1] in node:
        del node[parts[-1]]
        return True
    return False


def _copy(data: dict[str, Any]) -> dict[str, Any]:
    return {k: (_copy(v) if isinstance(v, dict) else list(v) if isinstance(v, list) else v) for k, v in data.items()}


def evaluate(answers: dict[str, Any], assess: Any = None) -> Evaluation:
    """Check the answers against the case format and, when a case can be made, assess it."""
    data = build_case_data(answers)
    ev = Evaluation(data=data)
    trial = _copy(data)
    for _ in range(6):
        try:
            ev.case = validate_case(trial)
            break
        except CaseError as exc:
            removed = False
            for problem in exc.problems:
                path = problem_path(problem.field)
                ev.problems.setdefault(path, [])
                if problem.message not in ev.problems[path]:
                    ev.problems[path].append(problem.message)
                if path and not (path == "patient.age" and "missing" in problem.message):
                    removed |= _without(trial, path)
            if not removed:
                break
    if ev.case is not None and assess is not None:
        try:
            ev.assessment = assess(ev.case)
        except Exception as exc:  # the form must stay usable; details go to the log, never the screen
            log.error("the assessment failed (%s)", type(exc).__name__)
            ev.engine_error = "The reasoning could not be computed for these answers."
    return ev
