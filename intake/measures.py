"""Outcome measures: load intake/knowledge/measures.yaml and score answers by its rules.

The instruments (items, answer codes, scoring rules, missing-item rules, MCID, bands, licences,
sources) are data; this module is a small interpreter over a closed set of scoring rules and
never names an instrument. `score` is pure: the same answers give the same outcome. An answer
code outside its item's range, an unknown item or an unknown measure is a `MeasureError` that
names the measure and the item; too many missing items is not an error but an unscored result
(`valid` false, or a score listed in `not_scored` with the reason), never a guess.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from intake.errors import ConfigurationError, InvalidInput
from intake.sources import Source  # one source record for the whole knowledge base

__all__ = [
    "MEASURES_FILE",
    "Measure",
    "MeasureError",
    "Measures",
    "MeasuresError",
    "ScoreChange",
    "ScoreRule",
    "change",
    "check_answers",
    "load_measures",
    "score",
]

MEASURES_FILE = Path(__file__).parent / "knowledge" / "measures.yaml"

Number = int | float


class MeasureError(InvalidInput):
    """Answers that cannot be scored as given; the message names the measure and the item."""

    def __init__(self, measure: str, item: str | None, message: str):
        self.measure = measure
        self.item = item
        where = f"{measure} item {item!r}" if item is not None else measure
        super().__init__(f"{where}: {message}")


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Item(_Record):
    id: str
    label: str
    scale: str | None = None
    answer_set: str | None = None
    range: tuple[int, int] | None = None
    reverse: bool = False
    recode: dict[int, int] | None = None


class Case_(_Record):
    value: str
    at_least: dict[str, Number]


class ScoreRule(_Record):
    id: str
    label: str
    rule: Literal["item", "mean", "sum", "percent_of_maximum", "table", "mean_of_scores", "category"]
    items: list[str] | Literal["all", "activities"] | None = None
    min_answered: Annotated[int, Field(ge=1)] | None = None
    reverse: bool = False
    round: int | None = None
    unit: str = ""
    range: tuple[Number, Number] | None = None
    table: list[float] | None = None
    of: list[str] | None = None
    cases: list[Case_] | None = None
    otherwise: str | None = None


class Band(_Record):
    text: str
    up_to: Number | None = None
    value: str | None = None


class Licence(_Record):
    holder: str
    terms: str
    reproduce_items: bool
    attribution: str


class Plan(_Record):
    score: str
    sources: list[str] = Field(min_length=1)
    by_value: dict[str, str]


class ActivityItems(_Record):
    fewest: Annotated[int, Field(ge=1)]
    most: Annotated[int, Field(ge=1)]


class Measure(_Record):
    id: str
    name: str
    short: str
    about: str
    answer_set: str
    range: tuple[int, int]
    items: list[Item] = Field(default_factory=list)
    items_from_activities: ActivityItems | None = None
    scores: list[ScoreRule] = Field(min_length=1)
    missing_rule: str
    higher_is_better: bool
    mcid: dict[str, Number]
    mcid_note: str
    interpret: str
    bands: dict[str, list[Band]]
    plan: Plan | None = None
    licence: Licence
    loinc: dict[str, str]
    sources: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _items_or_activities(self) -> Measure:
        if bool(self.items) == (self.items_from_activities is not None):
            raise ValueError("give either `items` or `items_from_activities`")
        return self

    def item_ids(self, activities: list[str] | None = None) -> list[str]:
        """The item numbers in published order (for PSFS, one per activity named)."""
        if self.items_from_activities is not None:
            return [str(n + 1) for n in range(len(activities or []))]
        return [item.id for item in self.items]

    def item(self, item_id: str) -> Item:
        found = next((i for i in self.items if i.id == item_id), None)
        return found or Item(id=item_id, label=f"Activity {item_id}")

    def item_range(self, item_id: str) -> tuple[int, int]:
        return self.item(item_id).range or self.range

    def score_rule(self, score_id: str) -> ScoreRule:
        return next(s for s in self.scores if s.id == score_id)


class Measures(BaseModel):
    """Every measure, typed and cross-checked once."""

    model_config = ConfigDict(frozen=True)

    version: str
    sources: dict[str, Source]
    answer_sets: dict[str, dict[int, str]]
    measures: dict[str, Measure]

    def get(self, measure_id: str) -> Measure:
        try:
            return self.measures[measure_id]
        except KeyError:
            raise MeasureError(measure_id, None, f"unknown measure; known: {', '.join(self.measures)}") from None

    def citations(self, source_ids: list[str]) -> list[str]:
        return [self.sources[s].citation for s in source_ids]

    def answer_labels(self, measure: Measure, item_id: str) -> dict[int, str]:
        return self.answer_sets[measure.item(item_id).answer_set or measure.answer_set]


class MeasuresError(ConfigurationError):
    """measures.yaml is inconsistent; the message names the measure and the field."""


@lru_cache(maxsize=2)
def load_measures(path: str | Path = MEASURES_FILE) -> Measures:
    """Load and cross-check measures.yaml; cached, because it is read-only and shared."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    try:
        sources = {k: Source.model_validate(v) for k, v in (raw.get("sources") or {}).items()}
        measures = [Measure.model_validate(m) for m in raw.get("measures") or []]
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        raise MeasuresError(f"measures.yaml: field {'.'.join(map(str, first['loc']))!r}: {first['msg']}") from None
    answer_sets = {str(k): {int(c): str(t) for c, t in v.items()} for k, v in (raw.get("answer_sets") or {}).items()}
    by_id: dict[str, Measure] = {}
    for m in measures:
        if m.id in by_id:
            raise MeasuresError(f"measures.yaml: measure id {m.id!r} is used twice")
        by_id[m.id] = m
        _check(m, sources, answer_sets)
    return Measures(version=str(raw.get("version", "")), sources=sources, answer_sets=answer_sets, measures=by_id)


def _check(m: Measure, sources: Mapping[str, Source], answer_sets: Mapping[str, Any]) -> None:
    def fail(field: str, message: str) -> None:
        raise MeasuresError(f"measures.yaml: measure {m.id}: field {field!r}: {message}")

    for s in m.sources + (m.plan.sources if m.plan else []):
        if s not in sources:
            fail("sources", f"unknown source {s!r}")
    for name in [m.answer_set] + [i.answer_set for i in m.items if i.answer_set]:
        if name not in answer_sets:
            fail("answer_set", f"unknown answer set {name!r}")
    ids = {i.id for i in m.items}
    score_ids = [s.id for s in m.scores]
    for rule in m.scores:
        if isinstance(rule.items, list):
            for item_id in rule.items:
                if item_id not in ids:
                    fail(f"scores.{rule.id}.items", f"unknown item {item_id!r}")
        if rule.items == "activities" and m.items_from_activities is None:
            fail(f"scores.{rule.id}.items", "`activities` needs `items_from_activities`")
        if rule.rule == "table":
            hi = m.range[1]
            if rule.table is None or len(rule.table) != len(m.items) * hi + 1:
                fail(f"scores.{rule.id}.table", f"needs {len(m.items) * hi + 1} entries, one per raw sum")
        if rule.rule == "mean_of_scores" and not set(rule.of or []) <= set(score_ids[: score_ids.index(rule.id)]):
            fail(f"scores.{rule.id}.of", "names a score that is not defined before it")
        if rule.rule == "category":
            for case in rule.cases or []:
                if not set(case.at_least) <= set(score_ids):
                    fail(f"scores.{rule.id}.cases", f"unknown score in {case.at_least}")
    for key in list(m.mcid) + list(m.bands) + list(m.loinc) + [m.interpret]:
        if key not in score_ids:
            fail("mcid/bands/loinc/interpret", f"unknown score {key!r}")
    if m.plan and m.plan.score not in score_ids:
        fail("plan.score", f"unknown score {m.plan.score!r}")


# ---------------------------------------------------------------- scoring


def check_answers(measure_id: str, answers: Mapping[str, Any], activities: list[str] | None = None,
                  measures: Measures | None = None) -> dict[str, int]:
    """The answers as item -> code, or a MeasureError naming the measure and the item at fault."""
    ms = measures or load_measures()
    m = ms.get(measure_id)
    if m.items_from_activities is not None:
        bounds = m.items_from_activities
        count = len(activities or [])
        if not bounds.fewest <= count <= bounds.most:
            raise MeasureError(m.id, None, f"name between {bounds.fewest} and {bounds.most} activities (got {count})")
    elif activities is not None:
        raise MeasureError(m.id, None, "`activities` belongs to a patient-specific measure only")
    known = m.item_ids(activities)
    out: dict[str, int] = {}
    for key, code in answers.items():
        item_id = str(key)
        if item_id not in known:
            raise MeasureError(m.id, item_id, f"no such item; items are {known[0]}-{known[-1]}" if known else "no such item")
        if isinstance(code, bool) or not isinstance(code, int):
            raise MeasureError(m.id, item_id, f"the answer code must be a whole number, got {code!r}")
        lo, hi = m.item_range(item_id)
        if not lo <= code <= hi:
            raise MeasureError(m.id, item_id, f"{code} is out of range {lo}-{hi}")
        out[item_id] = code
    return out


def score(measure_id: str, answers: Mapping[str, Any], activities: list[str] | None = None,
          when: date | None = None, measures: Measures | None = None) -> dict[str, Any]:
    """One `outcomes` entry of the assessment: measure, date, scores, valid, interpretation.

    `not_scored` names each score the instrument's missing-item rule did not allow, with why;
    `plan` carries the care the score points to (with its sources) where the data gives one.
    """
    ms = measures or load_measures()
    m = ms.get(measure_id)
    given = check_answers(measure_id, answers, activities, ms)
    values = {k: _scored_value(m, k, v) for k, v in given.items()}
    item_ids = m.item_ids(activities)
    scores: dict[str, Any] = {}
    not_scored: dict[str, str] = {}
    for rule in m.scores:
        result = _apply(rule, m, values, item_ids, scores)
        if isinstance(result, _Unscored):
            not_scored[rule.id] = result.why
        else:
            scores[rule.id] = result
    valid = bool(scores)
    entry: dict[str, Any] = {
        "measure": m.id,
        "date": when.isoformat() if when else None,
        "scores": scores,
        "valid": valid,
        "interpretation": _interpretation(m, scores, not_scored, len(given), len(item_ids)),
        "not_scored": not_scored,
        "answered": len(given),
        "items": len(item_ids),
        "attribution": m.licence.attribution,
        "sources": list(m.sources),
        "citations": ms.citations(m.sources),
    }
    plan = _plan(m, scores, ms)
    if plan:
        entry["plan"] = plan
    return entry


class _Unscored:
    def __init__(self, why: str):
        self.why = why


def _scored_value(m: Measure, item_id: str, code: int) -> int:
    item = m.item(item_id)
    if item.recode is not None:
        return item.recode[code]
    if item.reverse:
        lo, hi = m.item_range(item_id)
        return lo + hi - code
    return code


def _round(value: float, places: int | None) -> Number:
    """Half away from zero, as a score sheet is rounded by hand (Python's round is banker's)."""
    if places is None:
        return value
    factor = 10 ** places
    rounded = math.floor(abs(value) * factor + 0.5 + 1e-9) / factor
    rounded = math.copysign(rounded, value)
    return int(rounded) if places == 0 else rounded


def _apply(rule: ScoreRule, m: Measure, values: dict[str, int], item_ids: list[str], scores: dict[str, Any]) -> Any:
    if rule.rule == "mean_of_scores":
        missing = [s for s in rule.of or [] if s not in scores]
        if missing:
            return _Unscored(f"needs the {', '.join(missing)} score{'s' if len(missing) > 1 else ''}")
        return _round(sum(scores[s] for s in rule.of or []) / len(rule.of or []), rule.round)
    if rule.rule == "category":
        cited = {k for case in rule.cases or [] for k in case.at_least}
        missing = sorted(cited - set(scores))
        if missing:
            return _Unscored(f"needs the {', '.join(missing)} score{'s' if len(missing) > 1 else ''}")
        for case in rule.cases or []:
            if all(scores[k] >= v for k, v in case.at_least.items()):
                return case.value
        return rule.otherwise
    ids = item_ids if rule.items in ("all", "activities") else list(rule.items or [])
    answered = [values[i] for i in ids if i in values]
    needed = rule.min_answered or len(ids)
    if not ids or len(answered) < needed:
        return _Unscored(f"{len(answered)} of {len(ids)} items answered; at least {needed} needed")
    if rule.rule == "item":
        return answered[0]
    if rule.rule == "sum":
        return sum(answered)
    if rule.rule == "mean":
        return _round(sum(answered) / len(answered), rule.round)
    if rule.rule == "percent_of_maximum":
        top = max(m.item_range(i)[1] for i in ids)
        percent = sum(answered) / (top * len(answered)) * 100
        return _round(100 - percent if rule.reverse else percent, rule.round)
    if rule.rule == "table":
        return (rule.table or [])[sum(answered)]
    raise AssertionError(rule.rule)  # the rule set is closed by the model's Literal


def _band(m: Measure, score_id: str, value: Any) -> str | None:
    for band in m.bands.get(score_id, []):
        if band.value is not None and band.value == value:
            return band.text
        if band.up_to is not None and isinstance(value, (int, float)) and value <= band.up_to:
            return band.text
    return None


def _shown(m: Measure, score_id: str, value: Any) -> str:
    rule = m.score_rule(score_id)
    if isinstance(value, str):
        return value
    if rule.unit == "%":
        return f"{value}%"
    top = rule.range[1] if rule.range else None
    return f"{value}/{top:g}" if top is not None else f"{value}"


def _interpretation(m: Measure, scores: dict[str, Any], not_scored: dict[str, str], answered: int, items: int) -> str:
    if not scores:
        head = f"{m.short} not scored: {answered} of {items} items answered. {m.missing_rule}"
        return head
    key = m.interpret if m.interpret in scores else next(iter(scores))
    label = m.score_rule(key).label
    band = _band(m, key, scores[key])
    if isinstance(scores[key], str) and band:
        text = f"{m.short}: {band}"
    else:
        text = f"{m.short} {label.lower()} {_shown(m, key, scores[key])}" + (f": {band}" if band else "")
    if not_scored:
        text += ". Not scored: " + "; ".join(f"{m.score_rule(k).label.lower()} ({why})" for k, why in not_scored.items())
    return text


def _plan(m: Measure, scores: dict[str, Any], ms: Measures) -> dict[str, Any] | None:
    if m.plan is None or m.plan.score not in scores:
        return None
    text = m.plan.by_value.get(str(scores[m.plan.score]))
    if text is None:
        return None
    return {"text": text, "sources": list(m.plan.sources), "citations": ms.citations(m.plan.sources)}


# ---------------------------------------------------------------- change between visits


class ScoreChange(BaseModel):
    """One score at a follow-up beside the previous one: the change and whether it passes the MCID."""

    model_config = ConfigDict(frozen=True)

    measure: str
    score: str
    label: str
    previous: Number
    current: Number
    change: Number
    mcid: Number | None
    verdict: Literal["improved", "worse", "within_mcid", "no_mcid"]
    text: str


def change(measure_id: str, previous: Mapping[str, Any], current: Mapping[str, Any],
           measures: Measures | None = None) -> list[ScoreChange]:
    """Each numeric score present at both visits: the change, and its verdict against the MCID.

    A change counts as improvement or worsening only when it reaches the instrument's MCID in
    that direction (which way is better comes from the data); without an MCID there is no verdict.
    """
    ms = measures or load_measures()
    m = ms.get(measure_id)
    out: list[ScoreChange] = []
    for rule in m.scores:
        before, after = previous.get(rule.id), current.get(rule.id)
        if not isinstance(before, (int, float)) or not isinstance(after, (int, float)):
            continue
        delta = _round(after - before, 1)
        if isinstance(delta, float) and delta.is_integer() and isinstance(before, int) and isinstance(after, int):
            delta = int(delta)
        mcid = m.mcid.get(rule.id)
        better = delta > 0 if m.higher_is_better else delta < 0
        if mcid is None:
            verdict, why = "no_mcid", "no MCID recorded"
        elif abs(delta) >= mcid:
            verdict = "improved" if better else "worse"
            why = f"{'better' if better else 'worse'} by at least the MCID of {mcid:g}"
        else:
            verdict, why = "within_mcid", f"less than the MCID of {mcid:g}"
        sign = "+" if delta > 0 else ""
        text = (f"{m.short} {rule.label.lower()}: {_shown(m, rule.id, before)} → {_shown(m, rule.id, after)} "
                f"({sign}{delta:g}{'' if rule.unit != '%' else ' points'}; {why})")
        out.append(ScoreChange(measure=m.id, score=rule.id, label=rule.label, previous=before, current=after,
                               change=delta, mcid=mcid, verdict=verdict, text=text))
    return out
