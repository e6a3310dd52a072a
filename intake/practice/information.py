"""What each of a student's tests added, at the moment it was asked, in bits of the differential.

The student's knowledge grows one answer at a time: the presenting history, every red-flag
question asked, then the tests in the order performed. A test's information is the fall in H (the
summed binary entropy of the origins, as in ``intake.next_question``) from the answers known
just before it to those with its recorded result added; it "ruled out" an origin when that origin
fell from likely or possible to unlikely. The questions that would have informed most are the
top of the next-question ranking over what the student knew at the end. Pure functions.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, Field

from intake.engine import assess_facts
from intake.facts import case_facts
from intake.form import default_form
from intake.knowledge import KnowledgeBase
from intake.models import RED_FLAG_KEYS, Case, NextQuestion
from intake.next_question import entropy

__all__ = ["InformationAdded", "InformativeQuestion", "information_by_test", "informative_questions", "known_facts"]

_FORM = default_form()
_EXAM_FACTS = frozenset(k for s in _FORM.slots if s.path.startswith("exam.") for k in s.fact_keys)


class InformationAdded(BaseModel):
    """One test the student performed, marked by what its recorded result added then."""

    key: str
    label: str
    result: str
    bits: float = Field(description="Fall in the summed entropy of the origins when its result was added.")
    expected_bits: float | None = Field(default=None, description="Its expected information just before it was asked.")
    ruled_out: list[str] = Field(default_factory=list, description="Origin labels it took from likely/possible to unlikely.")
    ruled_in: list[str] = Field(default_factory=list, description="Origin labels it took to likely.")
    open_before: list[str] = Field(default_factory=list, description="Origin ids likely or possible just before it.")
    informative: bool = False


class InformativeQuestion(BaseModel):
    """A question or test the student did not ask that was expected to inform most."""

    key: str
    label: str
    kind: str
    expected_bits: float
    phrase: str
    recorded: bool = Field(description="Whether the case holds an answer for it.")


def _answered_by(key: str) -> set[str]:
    """The fact keys one test or exam item answers (palpation as a whole answers every muscle)."""
    if key in _FORM.list_fields:
        return {f"{key}.{v}" for v in _FORM.list_fields[key]}
    return {key}


def known_facts(case: Case, questions: Iterable[str], tests: Iterable[str]) -> dict[str, object]:
    """The case's facts as the student knows them: history, and only what was asked or examined."""
    facts = case_facts(case)
    asked = set(questions)
    done: set[str] = set()
    for test in tests:
        done |= _answered_by(test)
    for key in list(facts):
        if (key in RED_FLAG_KEYS and key not in asked) or (key in _EXAM_FACTS and key not in done):
            facts[key] = None
    return facts


def _result_words(facts: dict[str, object], key: str) -> str:
    values = [facts.get(k) for k in sorted(_answered_by(key))]
    if all(v is None for v in values):
        return "not recorded"
    if key in _FORM.list_fields:
        chosen = [k.partition(".")[2].replace("_", " ") for k in sorted(_answered_by(key)) if facts.get(k)]
        return ", ".join(chosen) or "none"
    value = facts.get(key)
    if key in _FORM.test_keys:
        return "positive" if value else "negative"
    return "yes" if value is True else "no" if value is False else str(value)


def information_by_test(case: Case, questions: list[str], tests: list[str], kb: KnowledgeBase, *,
                        competing_ignored: Iterable[str] = (), informative_bits: float = 0.1,
                        expected: bool = True) -> list[InformationAdded]:
    """Each distinct test in order, with what its result added; ruling out an origin other than
    `competing_ignored` (the vignette's acceptable answers) counts as informative whatever the bits.
    `expected=False` skips each test's expected information beforehand (only the marks are needed)."""
    full = case_facts(case)
    ignored = set(competing_ignored)
    distinct = list(dict.fromkeys(tests))
    # One assessment per prefix of the tests: the state after one test is the state before the next.
    states = [assess_facts(known_facts(case, questions, distinct[:n]), kb, next_questions=expected and n < len(distinct))
              for n in range(len(distinct) + 1)]
    out: list[InformationAdded] = []
    for n, test in enumerate(distinct):
        before, after = states[n], states[n + 1]
        p_before = {o.id: o for o in before.origins}
        ruled_out = [o.label for o in after.origins
                     if p_before[o.id].likelihood != "unlikely" and o.likelihood == "unlikely" and o.id not in ignored]
        ruled_in = [o.label for o in after.origins if p_before[o.id].likelihood != "likely" and o.likelihood == "likely"]
        bits = entropy(o.probability for o in before.origins) - entropy(o.probability for o in after.origins)
        figure = _expected_for(test, before.next_questions) if expected else None
        label = kb.label(test) if test in kb.findings else kb.field_labels.get(test, test.replace("_", " "))
        out.append(InformationAdded(
            key=test, label=label, result=_result_words(full, test), bits=round(bits, 3),
            expected_bits=None if figure is None else round(figure, 3), ruled_out=ruled_out, ruled_in=ruled_in,
            open_before=[o.id for o in before.origins if o.likelihood != "unlikely"],
            informative=bool(ruled_out) or bits >= informative_bits,
        ))
    return out


def _expected_for(test: str, questions: list[NextQuestion]) -> float | None:
    keys = _answered_by(test)
    figures = [q.expected_information for q in questions if q.key in keys]
    return max(figures) if figures else None


def informative_questions(case: Case, questions: list[str], tests: list[str], kb: KnowledgeBase, count: int) -> list[InformativeQuestion]:
    """The unasked questions and tests expected to inform most, given what the student found out."""
    state = assess_facts(known_facts(case, questions, tests), kb)
    full = case_facts(case)
    ranked = [q for q in state.next_questions if q.kind in ("exam", "test") and q.expected_information > 0]
    return [InformativeQuestion(key=q.key, label=q.label, kind=q.kind, expected_bits=q.expected_information,
                                phrase=q.phrase, recorded=full.get(q.key) is not None)
            for q in ranked[:count]]
