"""Student practice mode: show a case bit by bit, take the student's answer, score it with feedback.

Pure functions only (no Streamlit, no clock, no randomness): the caller passes the case, the
vignette's `expected` block, the engine's assessment and the time taken. The rubric is data
(`practice_rubric.yaml` beside this module), read and validated once.

A typical round::

    case, expected = load_vignette(path)
    shown = presenting_history(case)             # what the student sees first
    reveal(case, "saddle_anaesthesia")           # each question or test the student asks for
    feedback = score_attempt(case, expected, assess(case), attempt)
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from intake.conditions import ConditionError, compile_condition, keys_in
from intake.errors import ConfigurationError
from intake.facts import case_facts
from intake.form import default_form
from intake.knowledge import KEY_KINDS, KnowledgeBase, load_knowledge
from intake.models import (
    MUSCLES,
    RED_FLAG_KEYS,
    TESTS,
    Assessment,
    Case,
    Expected,
    Muscle,
    OriginId,
    RedFlagCondition,
    Referral,
    WithheldClass,
)
from intake.policy.urgency import REFERRAL_ORDER, URGENCY_ORDER
from intake.policy.visit import DECIDES_THE_VISIT, red_flag_decides
from intake.practice.information import InformationAdded, InformativeQuestion, information_by_test, informative_questions

__all__ = [
    "EXAM_KEYS",
    "NOT_RECORDED",
    "RUBRIC_PATH",
    "Attempt",
    "Feedback",
    "MissedQuestion",
    "PartMark",
    "Rubric",
    "RubricError",
    "SuggestedTest",
    "load_rubric",
    "model_answer",
    "presenting_history",
    "reveal",
    "score_attempt",
]

NOT_RECORDED = "not recorded"
RUBRIC_PATH = Path(__file__).with_name("practice_rubric.yaml")

# Examination items a student can ask for besides the named tests.
EXAM_KEYS: tuple[str, ...] = default_form().exam_keys
_EXAMINABLE = frozenset(TESTS) | frozenset(EXAM_KEYS)
# Keys the engine derives from palpation; a rule reading them is answered by palpating.
_DERIVED_PALPATION = ("tender_muscle_any", "tender_muscle_matches_pain", "referral_map.")


# ---------------------------------------------------------------- the rubric


class RubricError(ConfigurationError):
    """The rubric file is inconsistent; the message names the field."""


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


NonNegative = Annotated[float, Field(ge=0)]
UrgencyWeights = dict[Literal["emergency", "urgent", "routine", "monitor"], NonNegative]


class _Part(_Data):
    label: str
    max: Annotated[float, Field(gt=0)]


@lru_cache(maxsize=32)
def _history_condition(key: str, spec: str):
    return compile_condition(json.loads(spec), KEY_KINDS)


class _RedFlagRubric(_Data):
    missed_condition: UrgencyWeights
    present_question_not_asked: UrgencyWeights
    precaution_not_asked: NonNegative
    question_not_asked: dict[Literal["default", "weights"], Any]
    question_not_asked_cap: NonNegative
    over_called_condition: NonNegative
    answered_by_history: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _complete(self) -> _RedFlagRubric:
        for name in ("missed_condition", "present_question_not_asked"):
            missing = set(URGENCY_ORDER) - set(getattr(self, name))
            if missing:
                raise ValueError(f"red_flags.{name} needs a weight for {sorted(missing)}")
        weights = self.question_not_asked.get("weights", {}) or {}
        unknown = set(weights) - set(RED_FLAG_KEYS)
        if unknown:
            raise ValueError(f"red_flags.question_not_asked.weights names unknown questions {sorted(unknown)}")
        if not isinstance(self.question_not_asked.get("default"), (int, float)):
            raise ValueError("red_flags.question_not_asked.default must be a number")
        return self

    @field_validator("answered_by_history")
    @classmethod
    def _history_conditions(cls, value: dict[str, Any]) -> dict[str, Any]:
        history = {k for s in default_form().slots if s.path.startswith("history.") for k in s.fact_keys}
        for key, spec in value.items():
            if key not in RED_FLAG_KEYS:
                raise ValueError(f"answered_by_history names an unknown question {key!r}")
            try:
                _history_condition(key, json.dumps(spec, sort_keys=True))
            except ConditionError as exc:
                raise ValueError(f"answered_by_history.{key}: {exc}") from None
            outside = sorted(keys_in(spec) - history)
            if outside:
                raise ValueError(f"answered_by_history.{key} may read only the presenting history, not {outside}")
        return value

    def seen_in_history(self, key: str, facts: dict[str, Any]) -> bool:
        """Whether the presenting history already answers this question (so it cannot apply as one)."""
        spec = self.answered_by_history.get(key)
        return spec is not None and _history_condition(key, json.dumps(spec, sort_keys=True))(facts) is True

    def question_weight(self, key: str) -> float:
        return float((self.question_not_asked.get("weights") or {}).get(key, self.question_not_asked["default"]))


class _Referral(_Data):
    under_triage_per_level: NonNegative
    over_triage_per_level: NonNegative

    @model_validator(mode="after")
    def _under_worse(self) -> _Referral:
        if self.under_triage_per_level <= self.over_triage_per_level:
            raise ValueError("referral: under-triage must cost more than over-triage")
        return self


class _Band(_Data):
    at_least: NonNegative
    text: str


class _Verdicts(_Data):
    unsafe: str
    bands: list[_Band] = Field(min_length=1)


PartName = Literal["red_flags", "referral", "origin_first", "origin_overlap", "muscles", "withholding", "therapies", "tests"]


class Rubric(_Data):
    """The scoring weights, typed; the part maxima add up to 100."""

    version: str
    parts: dict[PartName, _Part]
    red_flags: _RedFlagRubric
    referral: _Referral
    origin_first: dict[Literal["in_engine_differential"], NonNegative]
    origin_overlap: dict[Literal["compare_top"], Annotated[int, Field(ge=1)]]
    muscles: dict[Literal["extra_muscle"], NonNegative]
    withholding: dict[Literal["missed_class", "over_withheld_class"], Any]
    tests: dict[Literal["useless_test", "repeated_test", "information_share", "informative_credit", "informative_bits"], NonNegative]
    feedback: dict[Literal["suggest_tests"], Annotated[int, Field(ge=0)]]
    verdicts: _Verdicts

    @model_validator(mode="after")
    def _consistent(self) -> Rubric:
        if len(self.parts) != 8:
            raise ValueError(f"parts must name all eight parts, got {sorted(self.parts)}")
        total = sum(p.max for p in self.parts.values())
        if not math.isclose(total, 100):
            raise ValueError(f"the part maxima must add up to 100, got {total:g}")
        missed = self.withholding.get("missed_class")
        if not isinstance(missed, dict) or set(missed) != {"manual_therapy", "manipulation", "dry_needling", "self_care"}:
            raise ValueError("withholding.missed_class needs a weight for manual_therapy, manipulation, dry_needling and self_care")
        if not isinstance(self.withholding.get("over_withheld_class"), (int, float)):
            raise ValueError("withholding.over_withheld_class must be a number")
        if self.origin_first["in_engine_differential"] > self.parts["origin_first"].max:
            raise ValueError("origin_first.in_engine_differential cannot exceed the part maximum")
        if self.red_flags.missed_condition["emergency"] < max(p.max for n, p in self.parts.items() if n != "red_flags"):
            raise ValueError("missing an emergency red flag must cost at least as much as losing any other whole part")
        if min(b.at_least for b in self.verdicts.bands) != 0:
            raise ValueError("verdicts.bands needs a band starting at 0")
        return self

    def max_of(self, part: PartName) -> float:
        return self.parts[part].max


@lru_cache(maxsize=4)
def load_rubric(path: str | Path = RUBRIC_PATH) -> Rubric:
    """Read and validate the rubric once (cached: it is read-only)."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        return Rubric.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"]) or "rubric"
        raise RubricError(f"{Path(path).name}: {where}: {first['msg']}") from None
    except (OSError, yaml.YAMLError) as exc:
        raise RubricError(f"{Path(path).name}: {exc}") from None


# ---------------------------------------------------------------- what the student sees


def presenting_history(case: Case) -> dict[str, Any]:
    """What the student sees first: the patient and the story, without screening, exam or notes."""
    shown: dict[str, Any] = {"id": case.id, "title": case.title}
    shown["patient"] = case.patient.model_dump(mode="json", exclude_none=True, exclude={"name"})
    shown["history"] = case.history.model_dump(mode="json", exclude_none=True)
    return shown


def reveal(case: Case, key: str) -> Any:
    """The case's answer to one red-flag question, test or exam item, or "not recorded".

    Red-flag and precaution questions give True/False; tests give "positive"/"negative"; exam items
    give their number, True/False, or the list of tender muscles (`tender_muscles.<muscle>` gives
    whether that muscle reproduced the pain). An unknown key is an error, not "not recorded".
    """
    if key in RED_FLAG_KEYS:
        value = getattr(case.red_flags, key)
    elif key in TESTS:
        value = getattr(case.exam.tests, key)
    elif key == "tender_muscles":
        value = list(case.exam.tender_muscles) if case.exam.tender_muscles is not None else None
    elif key.startswith("tender_muscles.") and key in _EXAMINABLE:
        muscles = case.exam.tender_muscles
        value = None if muscles is None else key.partition(".")[2] in muscles
    elif key in EXAM_KEYS:
        value = getattr(case.exam, key)
    else:
        raise KeyError(f"{key!r} is not a red-flag question, test or exam item of the case format")
    return NOT_RECORDED if value is None else value


# ---------------------------------------------------------------- the attempt


class Attempt(BaseModel):
    """One student's answer to one case. Lists keep the order the student chose."""

    model_config = ConfigDict(extra="forbid")

    questions_asked: list[str] = Field(default_factory=list, description="Red-flag and precaution keys, in order.")
    tests_performed: list[str] = Field(default_factory=list, description="Test keys and exam keys, in order.")
    ranked_origins: Annotated[list[OriginId], Field(min_length=1, max_length=3)]
    red_flags_identified: list[RedFlagCondition] = Field(default_factory=list)
    referral: Referral
    muscles_suspected: list[Muscle] = Field(default_factory=list)
    therapies_chosen: list[str] = Field(default_factory=list, description="Therapy ids from the knowledge base.")
    withheld_chosen: list[WithheldClass] = Field(default_factory=list)
    seconds_taken: Annotated[float, Field(ge=0)] = 0

    @field_validator("questions_asked")
    @classmethod
    def _known_questions(cls, keys: list[str]) -> list[str]:
        unknown = [k for k in keys if k not in RED_FLAG_KEYS]
        if unknown:
            raise ValueError(f"not red-flag questions: {unknown}")
        return keys

    @field_validator("tests_performed")
    @classmethod
    def _known_tests(cls, keys: list[str]) -> list[str]:
        unknown = [k for k in keys if k not in _EXAMINABLE]
        if unknown:
            raise ValueError(f"not tests or exam items: {unknown}")
        return keys

    @field_validator("ranked_origins")
    @classmethod
    def _distinct(cls, origins: list[str]) -> list[str]:
        if len(set(origins)) != len(origins):
            raise ValueError("each origin may be ranked once")
        return origins


# ---------------------------------------------------------------- the feedback


class PartMark(BaseModel):
    part: str
    label: str
    marks: float
    max: float
    reasons: list[str]
    sources: list[str] = Field(default_factory=list, description="Citations behind the reasons (from the engine).")


class MissedQuestion(BaseModel):
    key: str
    label: str
    answer: bool | None = Field(description="The vignette's answer; None when nobody asked it.")
    why: str


class SuggestedTest(BaseModel):
    key: str
    label: str
    origin: str
    swing: float = Field(description="The largest factor by which its result could change the odds.")
    recorded: bool = Field(description="Whether the vignette holds a result for it.")


class Feedback(BaseModel):
    case_id: str | None
    total: float
    out_of: int = 100
    parts: list[PartMark]
    missed_questions: list[MissedQuestion]
    tests_that_would_help: list[SuggestedTest]
    tests_adding_nothing: list[str]
    test_information: list[InformationAdded] = Field(default_factory=list)
    informative_questions: list[InformativeQuestion] = Field(default_factory=list)
    seconds_taken: float
    time_note: str
    unsafe: bool
    verdict: str
    rubric_version: str


# ---------------------------------------------------------------- scoring


def score_attempt(
    case: Case,
    expected: Expected,
    assessment: Assessment,
    attempt: Attempt,
    *,
    rubric: Rubric | None = None,
    kb: KnowledgeBase | None = None,
) -> Feedback:
    """Score one attempt against the vignette's answer and the engine's reasoning.

    Each part starts at its maximum and loses marks for mistakes, never going below zero; the
    total is the sum of the parts. The vignette's `expected` block is the answer key; the engine's
    assessment supplies the differential, the reasons and the sources shown to the student.
    """
    rubric = rubric or load_rubric()
    kb = kb or load_knowledge()
    unknown = [t for t in attempt.therapies_chosen if t not in kb.therapies]
    if unknown:
        raise ValueError(f"unknown therapy ids {unknown}; choose from {sorted(kb.therapies)}")

    facts = case_facts(case)
    red_flag_part, missed_questions, unsafe_flags = _score_red_flags(case, expected, assessment, attempt, rubric, kb, facts)
    referral_part, under_triaged = _score_referral(expected, assessment, attempt, rubric)
    relevant = _relevant_origins(assessment)
    decided = red_flag_decides(expected.referral)  # no testing expected
    competing_ignored = expected.acceptable or ([expected.origin] if expected.origin else [])
    bits = rubric.tests.get("informative_bits", 0.1)
    informed = information_by_test(case, attempt.questions_asked, attempt.tests_performed, kb,
                                competing_ignored=competing_ignored, informative_bits=bits)
    useless, repeated = _tests_adding_nothing(attempt, assessment, relevant, kb, facts, informed, expected)
    # How many informative tests the case allows: those of the reference attempt (every useful recorded test).
    reference = None if decided else model_answer(case, expected, assessment, kb=kb)
    available = 0 if reference is None else sum(t.informative for t in information_by_test(
        case, reference.questions_asked, reference.tests_performed, kb, competing_ignored=competing_ignored, informative_bits=bits,
        expected=False))
    parts = [
        red_flag_part,
        referral_part,
        _score_origin_first(expected, assessment, attempt, rubric),
        _score_origin_overlap(expected, assessment, attempt, rubric, relevant),
        _score_muscles(expected, assessment, attempt, rubric),
        _score_withholding(expected, assessment, attempt, rubric, kb),
        _score_therapies(assessment, attempt, rubric),
        _score_tests(useless, repeated, rubric, assessment, relevant, informed, decided, available),
    ]
    total = round(min(100.0, max(0.0, sum(p.marks for p in parts))), 1)
    unsafe = unsafe_flags or under_triaged
    verdict = rubric.verdicts.unsafe if unsafe else _band(total, rubric)
    return Feedback(
        case_id=case.id,
        total=total,
        parts=parts,
        missed_questions=missed_questions,
        # When a red flag decides the visit, the next step is the referral, not more testing.
        tests_that_would_help=(
            [] if red_flag_decides(expected.referral) else _tests_that_would_help(case, attempt, relevant, kb, facts, rubric)
        ),
        tests_adding_nothing=[*useless, *(f"{k} (repeated)" for k in repeated)],
        test_information=informed,
        informative_questions=[] if decided else informative_questions(
            case, attempt.questions_asked, attempt.tests_performed, kb, rubric.feedback["suggest_tests"]),
        seconds_taken=attempt.seconds_taken,
        time_note=f"Time taken: {_duration(attempt.seconds_taken)} (shown, not scored).",
        unsafe=unsafe,
        verdict=verdict,
        rubric_version=rubric.version,
    )


def model_answer(case: Case, expected: Expected, assessment: Assessment, *, kb: KnowledgeBase | None = None) -> Attempt:
    """The reference attempt: asks every applicable question, does the useful recorded tests, and
    gives the vignette's answer. It scores 100, so it doubles as the worked answer shown afterwards."""
    kb = kb or load_knowledge()
    facts = case_facts(case)
    relevant = _relevant_origins(assessment)
    recorded = [t for t in _EXAMINABLE if not t.startswith("tender_muscles.") and reveal(case, t) != NOT_RECORDED]
    useful = [t for t in sorted(recorded) if _test_is_useful(t, [o.id for o in relevant], assessment, kb, facts)]
    withheld = {w.id for w in assessment.withheld}
    ranked = list(dict.fromkeys([*([expected.origin] if expected.origin else []), *expected.acceptable, *(o.id for o in relevant)]))
    return Attempt(
        questions_asked=_applicable_questions(kb, facts),
        tests_performed=useful,
        ranked_origins=(ranked or [assessment.origins[0].id])[:3],
        red_flags_identified=list(expected.red_flags),
        referral=expected.referral,
        muscles_suspected=list(dict.fromkeys([*expected.muscles, *(m.id for m in assessment.muscles)])),
        therapies_chosen=[t.id for t in assessment.therapies if t.withheld is None and not set(t.classes) & set(expected.withheld)],
        withheld_chosen=sorted(set(expected.withheld) | withheld),
        seconds_taken=0,
    )


# ---------------------------------------------------------------- the parts


def _part(rubric: Rubric, name: PartName, lost: float, reasons: list[str], sources: list[str] | None = None) -> PartMark:
    top = rubric.max_of(name)
    marks = round(max(0.0, top - lost), 2)
    return PartMark(
        part=name, label=rubric.parts[name].label, marks=marks, max=top,
        reasons=reasons or ["Full marks."], sources=list(dict.fromkeys(sources or [])),
    )


def _applicable_questions(kb: KnowledgeBase, facts: dict[str, Any]) -> list[str]:
    """Screening questions that apply to this patient (pregnancy only where it could apply)."""
    out = []
    for question in kb.screening.values():
        if question.ask_when is not None and kb.compiled[f"ask.{question.key}"](facts) is False:
            continue
        out.append(question.key)
    return out


def _score_red_flags(case, expected, assessment, attempt, rubric, kb, facts):
    weights = rubric.red_flags
    by_condition = {f.id: f for f in assessment.red_flags}
    asked = set(attempt.questions_asked)
    identified = set(attempt.red_flags_identified)
    lost = 0.0
    reasons: list[str] = []
    sources: list[str] = []
    unsafe = False
    # 1. expected conditions not identified (the most serious mistake)
    for condition in expected.red_flags:
        flag = by_condition.get(condition)
        urgency = flag.urgency if flag else _urgency_of_referral(expected.referral)
        if condition in identified:
            continue
        lost += weights.missed_condition[urgency]
        unsafe = unsafe or urgency != "monitor"
        label = flag.label if flag else kb.red_flag_conditions[condition].label
        reasons.append(f"Missed red flag: {label} ({urgency}) -{weights.missed_condition[urgency]:g}.")
        if flag:
            sources += flag.citations
    # 2. present red-flag questions never asked, and precautions never asked
    urgency_of_key: dict[str, str] = {}
    for flag in assessment.red_flags:
        for key in flag.findings:
            if key not in urgency_of_key or URGENCY_ORDER[flag.urgency] > URGENCY_ORDER[urgency_of_key[key]]:
                urgency_of_key[key] = flag.urgency
    missed: list[MissedQuestion] = []
    gap_lost = 0.0
    gap_keys = set(assessment.unanswered)
    for key in _applicable_questions(kb, facts):
        if key in asked:
            continue
        answer = getattr(case.red_flags, key)
        if answer is not True and weights.seen_in_history(key, facts):
            continue  # the story already answers it (a patient who walked in bears weight): it cannot apply
        label = kb.label(key)
        if answer is True and kb.screening[key].kind == "red_flag":
            urgency = urgency_of_key.get(key, "monitor")
            lost += weights.present_question_not_asked[urgency]
            unsafe = unsafe or urgency != "monitor"
            why = f"The answer is yes: it raises a red flag ({urgency})."
            reasons.append(f"Never asked about {label.lower()}, which is present ({urgency}) -{weights.present_question_not_asked[urgency]:g}.")
            sources += [c for f in assessment.red_flags if key in f.findings for c in f.citations]
        elif answer is True:
            lost += weights.precaution_not_asked
            why = "The answer is yes: a precaution that changes the treatment."
            reasons.append(f"Never asked about {label.lower()}, which is present -{weights.precaution_not_asked:g}.")
        else:
            gap_lost += weights.question_weight(key)
            why = "Not asked (the answer was no)." if answer is False else "Not asked by anyone: a gap in the screen."
            if key in gap_keys and answer is None:
                why += " The engine lists it as unanswered."
        missed.append(MissedQuestion(key=key, label=label, answer=answer, why=why))
    if gap_lost:
        capped = min(gap_lost, weights.question_not_asked_cap)
        lost += capped
        reasons.append(f"{sum(1 for m in missed if m.answer is not True)} screening question(s) not asked -{capped:g}.")
    # 3. conditions named that nothing supports (mild)
    supported = set(expected.red_flags) | set(by_condition)
    for condition in sorted(identified - supported):
        lost += weights.over_called_condition
        reasons.append(f"{kb.red_flag_conditions[condition].label} named, but nothing in the case raises it -{weights.over_called_condition:g}.")
    missed.sort(key=lambda m: (m.answer is not True, -weights.question_weight(m.key)))
    return _part(rubric, "red_flags", lost, reasons, sources), missed, unsafe


def _urgency_of_referral(referral: str) -> str:
    return referral if referral in URGENCY_ORDER else "monitor"


def _score_referral(expected, assessment, attempt, rubric):
    weights = rubric.referral
    need, chosen = REFERRAL_ORDER[expected.referral], REFERRAL_ORDER[attempt.referral]
    reasons: list[str] = []
    lost = 0.0
    if chosen < need:
        lost = weights.under_triage_per_level * (need - chosen)
        reasons.append(f"Under-triage: chose {attempt.referral}, the case needs {expected.referral} -{lost:g}.")
    elif chosen > need:
        lost = weights.over_triage_per_level * (chosen - need)
        reasons.append(f"Over-triage: chose {attempt.referral}, the case needs {expected.referral} -{lost:g}.")
    flag = next((f for f in assessment.red_flags if f.urgency == expected.referral), None)
    if lost and flag:
        reasons.append(f"{flag.label}: {flag.refer_to}.")
    sources = flag.citations if flag else []
    return _part(rubric, "referral", lost, reasons, sources), chosen < need


def _relevant_origins(assessment: Assessment):
    """The origins the engine ranks likely or possible (or its top two when none is)."""
    leading = [o for o in assessment.origins if o.likelihood != "unlikely"]
    return leading or assessment.origins[:2]


def _cited(origin) -> list[str]:
    return [c for r in origin.because if r.counted for c in r.citations]


def _score_origin_first(expected, assessment, attempt, rubric):
    first = attempt.ranked_origins[0]
    if expected.origin is None:
        return _part(rubric, "origin_first", 0, [f"Not judged: {DECIDES_THE_VISIT}."])
    by_id = {o.id: o for o in assessment.origins}
    if first in expected.acceptable:
        return _part(rubric, "origin_first", 0, [f"{by_id[first].label} is an acceptable first answer."], _cited(by_id[first]))
    top = rubric.max_of("origin_first")
    keep = rubric.origin_first["in_engine_differential"] if by_id[first].likelihood != "unlikely" else 0
    best = by_id[expected.origin]
    reasons = [f"Ranked {by_id[first].label} first; the answer is {best.label}."]
    reasons += [f"{'+' if r.direction == 'for' else '-'} {r.summary} (x{r.effect:g})" for r in best.because if r.counted][:4]
    if keep:
        reasons.append(f"{by_id[first].label} is still in the engine's differential ({by_id[first].likelihood}).")
    return _part(rubric, "origin_first", top - keep, reasons, _cited(best))


def _score_origin_overlap(expected, assessment, attempt, rubric, relevant):
    if expected.origin is None:
        return _part(rubric, "origin_overlap", 0, [f"Not judged: {DECIDES_THE_VISIT}."])
    top_n = rubric.origin_overlap["compare_top"]
    target = list(dict.fromkeys([*expected.acceptable, *(o.id for o in relevant[:top_n])]))
    need = min(len(target), top_n)
    hits = [o for o in attempt.ranked_origins if o in target]
    share = min(1.0, len(hits) / need) if need else 1.0
    lost = rubric.max_of("origin_overlap") * (1 - share)
    labels = {o.id: o.label for o in assessment.origins}
    reasons = [] if not lost else [
        f"{len(hits)} of the {need} leading origins ranked; the engine's differential: "
        + ", ".join(f"{labels[o.id]} ({o.likelihood})" for o in relevant[:top_n]) + "."
    ]
    return _part(rubric, "origin_overlap", lost, reasons, [c for o in relevant[:top_n] for c in _cited(o)])


def _score_muscles(expected, assessment, attempt, rubric):
    chosen = set(attempt.muscles_suspected)
    engine = {m.id: m for m in assessment.muscles}
    top = rubric.max_of("muscles")
    reasons: list[str] = []
    lost = 0.0
    if expected.muscles:
        missing = [m for m in expected.muscles if m not in chosen]
        lost += top * len(missing) / len(expected.muscles)
        reasons += [f"Did not suspect {m.replace('_', ' ')}." for m in missing]
    for muscle in sorted(chosen - set(expected.muscles) - set(engine)):
        lost += rubric.muscles["extra_muscle"]
        reasons.append(f"Suspected {muscle.replace('_', ' ')}, but palpation did not reproduce the pain -{rubric.muscles['extra_muscle']:g}.")
    sources = [c for m in expected.muscles if m in engine for r in engine[m].because for c in r.citations]
    return _part(rubric, "muscles", lost, reasons, sources)


def _score_withholding(expected, assessment, attempt, rubric, kb):
    weights = rubric.withholding
    engine: dict[str, Any] = {}
    for item in assessment.withheld:
        engine.setdefault(item.id, item)
    chosen = set(attempt.withheld_chosen)
    required = set(expected.withheld)
    # A therapy chosen from a class that must be withheld undoes the withholding.
    chosen_classes = {c for t in attempt.therapies_chosen for c in kb.therapies[t].classes}
    reasons: list[str] = []
    sources: list[str] = []
    lost = 0.0
    for cls in sorted(required | set(engine)):
        not_withheld = cls not in chosen
        used = cls in chosen_classes
        if not (not_withheld or used):
            continue
        if cls not in required and not used:
            continue  # the engine also holds it (e.g. self-care before an urgent review): not required
        penalty = weights["missed_class"][cls]
        lost += penalty
        why = engine[cls].reason if cls in engine else "The vignette withholds it."
        what = "chose a treatment from" if used else "did not withhold"
        reasons.append(f"{what.capitalize()} {cls.replace('_', ' ')}: {why} -{penalty:g}.")
        if cls in engine:
            sources += engine[cls].citations
    for cls in sorted(chosen - required - set(engine)):
        lost += weights["over_withheld_class"]
        reasons.append(f"Withheld {cls.replace('_', ' ')} without a precaution or red flag -{weights['over_withheld_class']:g}.")
    return _part(rubric, "withholding", lost, reasons, sources)


def _score_therapies(assessment, attempt, rubric):
    suggested = {t.id: t for t in assessment.therapies if t.withheld is None}
    chosen = list(dict.fromkeys(attempt.therapies_chosen))
    top = rubric.max_of("therapies")
    if not chosen:
        if suggested:
            return _part(rubric, "therapies", top, ["No treatment chosen, although safe options exist."])
        return _part(rubric, "therapies", 0, ["Nothing chosen, rightly: every option is held until the patient is assessed."])
    off = [t for t in chosen if t not in suggested]
    lost = top * len(off) / len(chosen)
    reasons = [f"{t.replace('_', ' ')} is not among the engine's options for this case." for t in off]
    return _part(rubric, "therapies", lost, reasons, [c for t in chosen if t in suggested for c in suggested[t].citations])


def _score_tests(useless, repeated, rubric, assessment, relevant, informed, decided, available):
    lost = rubric.tests["useless_test"] * len(useless) + rubric.tests["repeated_test"] * len(repeated)
    names = ", ".join(o.label for o in relevant)
    reasons = [f"{k} could not move any origin in the differential ({names})." for k in useless]
    reasons += [f"{k} was repeated." for k in repeated]
    # Part of the marks is earned by tests whose result informed (ruled out a competing origin, or
    # took at least `informative_bits` off the uncertainty), as many as the case allows (`available`,
    # from the reference attempt); none is needed when a red flag decides the visit.
    credit = rubric.tests.get("informative_credit", 0)
    needed = 0 if decided else min(rubric.tests.get("information_share", 0), credit * available)
    useful = [t for t in informed if t.informative]
    earned = min(needed, credit * len(useful))
    lost += needed - earned
    for t in useful:
        what = f"ruled out {', '.join(t.ruled_out)}" if t.ruled_out else f"added {t.bits:.2f} bits"
        reasons.append(f"{t.label} ({t.result}) {what}: credit.")
    if earned < needed:
        reasons.append(f"Tests whose results inform earn {needed:g} of these marks here; {earned:g} earned.")
    return _part(rubric, "tests", lost, reasons)


# ---------------------------------------------------------------- which tests help


def _keys_answered_by(test: str) -> set[str]:
    """The fact keys a test or exam item answers (palpation also answers the derived keys)."""
    if test == "tender_muscles" or test.startswith("tender_muscles."):
        keys = {f"tender_muscles.{m}" for m in MUSCLES} if test == "tender_muscles" else {test}
        return keys | {"tender_muscle_any", "tender_muscle_matches_pain"} | {f"referral_map.{m}" for m in MUSCLES}
    return {test}


def _could_fire(rule_id: str, keys: set[str], kb: KnowledgeBase, facts: dict[str, Any]) -> bool:
    """Whether a rule fires, or still could, with the test's result unknown (other answers as recorded)."""
    blanked = dict(facts)
    for key in keys | {k for k in kb.rule_keys[rule_id] if k.startswith(_DERIVED_PALPATION)}:
        blanked[key] = None
    return kb.compiled[rule_id](blanked) is not False


def _test_is_useful(test: str, origins: Iterable[str], assessment: Assessment, kb: KnowledgeBase, facts: dict[str, Any]) -> bool:
    """Whether the test's result could move one of these origins (ids) or a suspected muscle."""
    keys = _keys_answered_by(test)
    rules = [r for o in origins for r in kb.origins[o].rules]
    rules += [r for m in assessment.muscles for r in kb.muscles[m.id].rules]
    return any(kb.rule_keys[r.id] & keys and _could_fire(r.id, keys, kb, facts) for r in rules)


def _tests_adding_nothing(attempt, assessment, relevant, kb, facts, informed, expected):
    """Tests that could not change the picture, and repeats. A test is judged fairly: against the final
    differential, the vignette's own answers and every origin still open when it was asked (so a test
    that rules out a competing origin the case raises costs nothing); one that ruled an origin out never
    counts as adding nothing."""
    when_asked = {t.key: t for t in informed}
    answers = [o for o in ([expected.origin] if expected.origin else []) + list(expected.acceptable) if o in kb.origins]
    seen: set[str] = set()
    useless: list[str] = []
    repeated: list[str] = []
    for test in attempt.tests_performed:
        if test in seen:
            repeated.append(test)
            continue
        seen.add(test)
        then = when_asked.get(test)
        if then is not None and then.ruled_out:
            continue
        origins = dict.fromkeys([*(o.id for o in relevant), *answers, *(then.open_before if then else [])])
        if not _test_is_useful(test, origins, assessment, kb, facts):
            useless.append(test)
    return useless, repeated


def _tests_that_would_help(case, attempt, relevant, kb, facts, rubric) -> list[SuggestedTest]:
    done: set[str] = set()
    for test in attempt.tests_performed:
        done |= _keys_answered_by(test) | {test}
    best: dict[str, SuggestedTest] = {}
    for found in relevant:
        origin = kb.origins[found.id]
        for key in origin.key_tests:
            if key not in _EXAMINABLE or key in done:
                continue
            shown = "tender_muscles" if key.startswith("tender_muscles.") else key
            answered = _keys_answered_by(key)
            swing = max((kb.strength_of(r) for r in origin.rules if kb.rule_keys[r.id] & answered), default=0.0)
            if swing == 0:
                continue
            candidate = SuggestedTest(
                key=shown, label=kb.label(shown) if shown in kb.findings else "Palpation of the muscles",
                origin=found.label, swing=round(math.exp(swing), 2), recorded=reveal(case, shown) != NOT_RECORDED,
            )
            if shown not in best or candidate.swing > best[shown].swing:
                best[shown] = candidate
    ranked = sorted(best.values(), key=lambda s: (-s.swing, not s.recorded, s.key))
    return ranked[: rubric.feedback["suggest_tests"]]


# ---------------------------------------------------------------- words


def _band(total: float, rubric: Rubric) -> str:
    for band in sorted(rubric.verdicts.bands, key=lambda b: -b.at_least):
        if total >= band.at_least:
            return band.text
    return rubric.verdicts.bands[-1].text


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"

