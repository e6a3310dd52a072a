"""Build minimal cases from a rule's own condition: one that satisfies it, one near miss.

This lets the suite test every rule in the knowledge base without a hand-written case per rule,
and keeps working as rules are added.
"""

from __future__ import annotations

from typing import Any

from intake.facts import LIST_FIELDS
from intake.form import default_form
from intake.knowledge import KEY_KINDS
from intake.models import version_2_fields_in

FORM = default_form()
# Values and ranges come from the form (and so from the models); only the derived `referral` is ours.
ENUMS = {s.key: list(s.choices) for s in FORM.slots if s.kind == "choice"} | {"referral": ["emergency", "urgent", "routine", "none"]}
RANGES = {s.key: (s.low if s.low is not None else 0, s.high if s.high is not None else 10_000)
          for s in FORM.slots if s.kind in ("integer", "decimal")}
# Derived keys: the answers that produce them.
DERIVED = {
    ("tender_muscle_matches_pain", True): {"tender_muscles.gluteus_medius": True, "pain_sites.buttock": True},
    ("tender_muscle_matches_pain", False): {"tender_muscles.gluteus_medius": True, "pain_sites.groin": True},
    ("tender_muscle_any", True): {"tender_muscles.gluteus_medius": True},
    ("tender_muscle_any", False): {"tender_muscles.piriformis": False},
    ("referral", "emergency"): {"saddle_anaesthesia": True},
    ("referral", "urgent"): {"fever_or_unwell": True},
    ("referral", "routine"): {"inflammatory_back_pain": True},
    ("referral", "none"): {},
}


class Conflict(ValueError):
    pass


class Range(tuple):
    """A numeric answer known only to lie in [low, high]; merged by intersection."""

    def __new__(cls, low: float, high: float):
        return super().__new__(cls, (low, high))


def merge(*parts: dict) -> dict:
    out: dict = {}
    for part in parts:
        for key, value in part.items():
            if key in out and isinstance(out[key], Range) and isinstance(value, Range):
                low, high = max(out[key][0], value[0]), min(out[key][1], value[1])
                if low > high:
                    raise Conflict(key)
                out[key] = Range(low, high)
            elif key in out and out[key] != value:
                raise Conflict(key)
            else:
                out[key] = value
    return out


def resolve(facts: dict) -> dict:
    """Pick a concrete value inside every numeric range."""
    return {k: (int(v[0]) if isinstance(v, Range) else v) for k, v in facts.items()}


def satisfy(spec: dict, want: bool = True) -> dict[str, Any]:
    """An assignment of facts that makes `spec` evaluate to `want` (not unknown)."""
    (op, arg), = spec.items()
    if op == "all":
        return merge(*(satisfy(a, True) for a in arg)) if want else satisfy(arg[0], False)
    if op == "any":
        return satisfy(arg[0], True) if want else merge(*(satisfy(a, False) for a in arg))
    if op == "not":
        return satisfy(arg, not want)
    if op == "count":
        children = arg["of"]
        if "at_least" in arg:
            n = int(arg["at_least"])
            return merge(*(satisfy(c, True) for c in children[:n])) if want else merge(*(satisfy(c, False) for c in children))
        n = int(arg["at_most"])
        return merge(*(satisfy(c, False) for c in children)) if want else merge(*(satisfy(c, True) for c in children[: n + 1]))
    if op in ("present", "absent"):
        value = want if op == "present" else not want
        return DERIVED.get((arg, value), {arg: value}) if arg in {"tender_muscle_any", "tender_muscle_matches_pain"} else {arg: value}
    if op in ("answered", "missing"):
        if (op == "answered") != want:
            return {}
        kind = KEY_KINDS[arg]
        return {arg: True if kind == "bool" else 1 if kind == "number" else ENUMS[arg][0]}
    (key, target), = arg.items()
    if op in ("equals", "in"):
        options = [target] if op == "equals" else list(target)
        value = options[0] if want else next(v for v in ENUMS[key] if v not in options)
        return DERIVED[(key, value)] if key == "referral" else {key: value}
    low, high = RANGES.get(key, (0, 10_000))
    bounds = {
        ("at_most", True): (low, target), ("at_most", False): (target + 1, high),
        ("at_least", True): (target, high), ("at_least", False): (low, target - 1),
        ("above", True): (target + 1, high), ("above", False): (low, target),
        ("below", True): (low, target - 1), ("below", False): (target, high),
    }[(op, want)]
    if bounds[0] > bounds[1]:
        raise Conflict(key)
    value = Range(*bounds)
    return {key: value}


def case_from_facts(facts: dict[str, Any]) -> dict:
    """The case that produces these facts (everything else not asked); version 2 only when it must be."""
    facts = resolve(facts)
    case: dict = {"case_format": 1, "patient": {"age": facts.get("age", 40)}}
    for key, value in facts.items():
        field, _, item = key.partition(".")
        slot = FORM.slot(FORM.path_of(key))
        *parents, name = slot.path.split(".")
        at = case
        for part in parents:
            at = at.setdefault(part, {})
        if item and field in LIST_FIELDS:
            at.setdefault(name, [])
            if value:
                at[name].append(item)
        elif slot.kind == "test":
            at[name] = "positive" if value else "negative"
        else:
            at[name] = value
    exam = case.get("exam", {})
    if "neuro_deficit_level" in exam:
        # A level is given only with a deficit.
        if exam.get("neuro_deficit") is False:
            raise Conflict("neuro_deficit_level")
        exam["neuro_deficit"] = True
    if version_2_fields_in(case):
        case["case_format"] = 2
    return case
