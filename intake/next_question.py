"""The next best question: every unasked finding a rule reads, ranked by expected information.

With H the sum over origins of the binary entropy of each origin's probability (in bits), a
question's expected information is

    H(now) - [p_positive * H(if positive) + (1 - p_positive) * H(if negative)]

where the two H are what `assess` gives with that answer added. `p_positive` comes from the
current origin probabilities and, per origin, the sensitivity and specificity implied by the
pair of factors by which each answer would move that origin's odds (for one test, the published
LR+ and LR- of its two rules: Sn = LR+(1 - LR-)/(LR+ - LR-), Sp = (LR+ - 1)/(LR+ - LR-)). Where
only one answer moves an origin (one side of the pair, or a clinical rule with a strength and no
figure) the test is taken as balanced (Sn = Sp), which the one factor then fixes. The origins
the answer moves each predict P(positive) = p*Sn + (1 - p)*(1 - Sp); `p_positive` is their mean,
and null when the answer moves no origin (its expected information is then 0).

Red-flag questions still unasked come first whatever their figure; when an emergency decides
the visit, nothing else is proposed. The two branches are evaluated incrementally: only the
rules that read the answered key (or a derived key it changes) are evaluated again.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from intake.answers import answer_values, case_path, is_test
from intake.conditions import NUMBER_OPS, VALUE_OPS
from intake.derived import derived_facts, strongest_in_groups
from intake.facts import CASE_KEY_KINDS
from intake.knowledge import DERIVED_KEY_KINDS, KnowledgeBase, Rule
from intake.models import ANSWER_REQUIRES, Assessment, NextQuestion

__all__ = ["entropy", "kind_of", "rank_next_questions", "sn_sp_from_lrs"]

Facts = Mapping[str, object]
Answer = bool | int | float | str

# How the figure reads on screen: at least this many bits.
SETTLES_AT = 0.3
SEPARATES_AT = 0.1
ADDS_AT = 0.01
MOVED = 0.05  # an origin the two answers move apart by at least this much is named


def entropy(probabilities: Iterable[float]) -> float:
    """Sum of the binary entropies (bits) of each origin: the origins are not exclusive."""
    total = 0.0
    for p in probabilities:
        if 0.0 < p < 1.0:
            total -= p * math.log2(p) + (1 - p) * math.log2(1 - p)
    return total


# ---------------------------------------------------------------- what each key is


def kind_of(key: str) -> Literal["red_flag", "history", "exam", "test"]:
    """Which part of the case a key belongs to (a list value takes its list's part), from the form."""
    path = case_path(key)
    if path.startswith("red_flags."):
        return "red_flag"
    if is_test(key):
        return "test"
    return "exam" if path.startswith("exam.") else "history"


def _comparisons(spec: Any, key: str) -> list[tuple[str, Any]]:
    """Every (operator, target) a condition compares `key` with."""
    if not isinstance(spec, Mapping) or len(spec) != 1:
        return []
    (op, arg), = spec.items()
    if op in ("all", "any"):
        return [c for a in arg for c in _comparisons(a, key)]
    if op == "not":
        return _comparisons(arg, key)
    if op == "count":
        return [c for a in arg["of"] for c in _comparisons(a, key)]
    if (op in NUMBER_OPS or op in VALUE_OPS) and isinstance(arg, Mapping) and key in arg:
        return [(op, arg[key])]
    return []


_NUMBER_SPLIT = {  # operator -> (value that meets it, value that does not), for a whole-number threshold
    "at_most": (0, 1), "below": (-1, 0), "at_least": (0, -1), "above": (1, 0),
}
_NUMBER_WORDS = {"at_most": "{t} or less", "below": "under {t}", "at_least": "{t} or more", "above": "over {t}"}


# ---------------------------------------------------------------- the index, built once per knowledge base


@dataclass(frozen=True)
class _Candidate:
    key: str
    label: str
    kind: str
    positive: Answer
    negative: Answer


@dataclass(frozen=True)
class _Index:
    origin_rules: dict[str, tuple[Rule, ...]]
    readers: dict[str, dict[str, tuple[str, ...]]]  # key -> origin -> ids of the rules reading it
    candidates: dict[str, _Candidate]
    derived_inputs: frozenset[str]
    reads_referral: bool


_INDEXES: dict[int, tuple[KnowledgeBase, _Index]] = {}


def _index(kb: KnowledgeBase) -> _Index:
    cached = _INDEXES.get(id(kb))
    if cached is not None and cached[0] is kb:
        return cached[1]
    index = _build_index(kb)
    _INDEXES[id(kb)] = (kb, index)
    return index


def _all_rules(kb: KnowledgeBase) -> list[tuple[str, Any]]:
    rules: list[tuple[str, Any]] = [(rule.id, rule.when) for o in kb.origins.values() for rule in o.rules]
    rules += [(rule.id, rule.when) for rule in kb.red_flag_rules]
    rules += [(rule.id, rule.when) for m in kb.muscles.values() for rule in m.rules]
    rules += [(rule.id, rule.when) for t in kb.therapies.values() for rule in t.withhold_when]
    rules += [(rule.id, rule.when) for rule in kb.withholding]
    return rules


def _build_index(kb: KnowledgeBase) -> _Index:
    origin_rules: dict[str, tuple[Rule, ...]] = {o.id: tuple(o.rules) for o in kb.origins.values()}
    readers: dict[str, dict[str, list[str]]] = {}
    for origin_id, rules in origin_rules.items():
        for rule in rules:
            for key in kb.rule_keys[rule.id]:
                readers.setdefault(key, {}).setdefault(origin_id, []).append(rule.id)
    # The derived keys are worked out from the palpation and the pain map (and the red flags).
    derived_inputs = {f"tender_muscles.{m}" for m in kb.muscles}
    derived_inputs |= {f"pain_sites.{z}" for m in kb.muscles.values() for z in m.referral_zones}
    if "referral" in readers:
        derived_inputs |= {k for rule in kb.red_flag_rules for k in kb.rule_keys[rule.id]}
    read = {k for rule_id, _ in _all_rules(kb) for k in kb.rule_keys[rule_id]} | derived_inputs
    strength = {rule.id: kb.strength_of(rule) for rules in origin_rules.values() for rule in rules}
    candidates: dict[str, _Candidate] = {}
    for key in sorted(read, key=_case_order):
        if key not in CASE_KEY_KINDS or key in DERIVED_KEY_KINDS:
            continue
        candidate = _candidate(key, kb, _all_rules(kb), strength)
        if candidate is not None:
            candidates[key] = candidate
    frozen_readers = {k: {o: tuple(rs) for o, rs in by.items()} for k, by in readers.items()}
    return _Index(origin_rules, frozen_readers, candidates, frozenset(derived_inputs), "referral" in readers)


_ORDER = {k: n for n, k in enumerate(CASE_KEY_KINDS)}


def _case_order(key: str) -> int:
    return _ORDER.get(key, len(_ORDER))


def _candidate(key: str, kb: KnowledgeBase, rules: list[tuple[str, Any]], strength: dict[str, float]) -> _Candidate | None:
    kind = CASE_KEY_KINDS[key]
    label = kb.label(key)
    if kind == "bool":
        return _Candidate(key, label, kind_of(key), True, False)
    # A number or a value is asked as a split at the threshold (or the value) of the strongest rule reading it.
    readers = sorted(((strength.get(rule_id, 0.0), rule_id, when) for rule_id, when in rules if key in kb.rule_keys[rule_id]),
                     key=lambda t: -t[0])
    for _, _, when in readers:
        comparisons = _comparisons(when, key)
        if not comparisons:
            continue
        op, target = comparisons[0]
        if kind == "number" and op in _NUMBER_SPLIT and isinstance(target, (int, float)):
            yes, no = _NUMBER_SPLIT[op]
            whole = isinstance(target, int) or float(target).is_integer()
            step = 1 if whole else 0.5
            positive, negative = target + yes * step, target + no * step
            if whole:
                positive, negative = int(positive), int(negative)
            return _Candidate(key, f"{label}: {_NUMBER_WORDS[op].format(t=_number(target))}", kind_of(key), positive, negative)
        if kind == "value" and op in VALUE_OPS:
            named = [target] if op == "equals" else list(target)
            others = [v for v in answer_values(key) if v not in named]
            if not others:
                continue
            words = " or ".join(str(v).replace("_", " ") for v in named)
            return _Candidate(key, f"{label}: {words}", kind_of(key), str(named[0]), others[0])
    return None


def _number(value: Any) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


# ---------------------------------------------------------------- evaluation


@dataclass
class _Now:
    facts: Facts
    fired: dict[str, set[str]]
    log_odds: dict[str, float]
    probability: dict[str, float]


def _prior_log_odds(kb: KnowledgeBase, origin_id: str) -> float:
    prior = kb.origins[origin_id].prior.probability
    return math.log(prior / (1 - prior))


def _log_odds(rules: tuple[Rule, ...], fired: set[str], kb: KnowledgeBase, origin_id: str) -> float:
    """The origin's log odds from the rules that fired, counted as the engine counts them."""
    hits = [r for r in rules if r.id in fired]
    strongest = strongest_in_groups(hits, kb)
    total = _prior_log_odds(kb, origin_id)
    for rule in hits:
        if not rule.group or strongest[rule.group] is rule:
            total += math.log(kb.effect_of(rule))
    return total


def _probability(log_odds: float) -> float:
    odds = math.exp(log_odds)
    return round(odds / (1 + odds), 4)  # as the assessment rounds it


def _now(facts: Facts, kb: KnowledgeBase, index: _Index) -> _Now:
    fired = {o: {r.id for r in rules if kb.compiled[r.id](facts) is True} for o, rules in index.origin_rules.items()}
    log_odds = {o: _log_odds(index.origin_rules[o], fired[o], kb, o) for o in index.origin_rules}
    return _Now(facts, fired, log_odds, {o: _probability(v) for o, v in log_odds.items()})


def _branch(now: _Now, key: str, value: Answer, kb: KnowledgeBase, index: _Index) -> dict[str, float]:
    """Log odds per origin with one more answer, re-evaluating only the rules it can change."""
    facts = dict(now.facts)
    facts[key] = value
    touched = {key}
    if key in index.derived_inputs:
        facts = derived_facts(facts, kb, referral=index.reads_referral)
        touched |= {k for k in DERIVED_KEY_KINDS if facts.get(k) != now.facts.get(k)}
    affected: dict[str, set[str]] = {}
    for k in touched:
        for origin_id, rules in index.readers.get(k, {}).items():
            affected.setdefault(origin_id, set()).update(rules)
    out = dict(now.log_odds)
    for origin_id, rule_ids in affected.items():
        fired = set(now.fired[origin_id])
        for rule_id in rule_ids:
            if kb.compiled[rule_id](facts) is True:
                fired.add(rule_id)
            else:
                fired.discard(rule_id)
        out[origin_id] = _log_odds(index.origin_rules[origin_id], fired, kb, origin_id)
    return out


def _p_positive(now: _Now, positive: dict[str, float], negative: dict[str, float]) -> float | None:
    predictions = []
    for origin_id, base in now.log_odds.items():
        lr_pos, lr_neg = math.exp(positive[origin_id] - base), math.exp(negative[origin_id] - base)
        if abs(math.log(lr_pos)) < 1e-12 and abs(math.log(lr_neg)) < 1e-12:
            continue
        sensitivity, specificity = sn_sp_from_lrs(lr_pos, lr_neg)
        p = now.probability[origin_id]
        predictions.append(p * sensitivity + (1 - p) * (1 - specificity))
    if not predictions:
        return None
    return sum(predictions) / len(predictions)


def sn_sp_from_lrs(lr_pos: float, lr_neg: float) -> tuple[float, float]:
    """Sensitivity and specificity from a likelihood-ratio pair; balanced (Sn = Sp) from one side."""
    if (lr_pos - 1) * (1 - lr_neg) > 0:  # the two answers move the odds in opposite directions
        return lr_pos * (1 - lr_neg) / (lr_pos - lr_neg), (lr_pos - 1) / (lr_pos - lr_neg)
    if abs(math.log(lr_pos)) >= abs(math.log(lr_neg)):
        return lr_pos / (1 + lr_pos), lr_pos / (1 + lr_pos)  # LR+ = s / (1 - s)
    return 1 / (1 + lr_neg), 1 / (1 + lr_neg)  # LR- = (1 - s) / s


# ---------------------------------------------------------------- ranking


def rank_next_questions(facts: Facts, assessment: Assessment, kb: KnowledgeBase) -> list[NextQuestion]:
    """Unasked red-flag questions first (screening order), then the rest by expected information."""
    index = _index(kb)
    now = _now(facts, kb, index)
    h_now = entropy(now.probability.values())
    screening = [g.key for g in assessment.gaps if g.kind in ("red_flag", "precaution") and g.key in index.candidates]
    emergency = assessment.referral == "emergency"
    first: list[NextQuestion] = []
    rest: list[NextQuestion] = []
    for key, candidate in index.candidates.items():
        if facts.get(key) is not None:
            continue
        if key in ANSWER_REQUIRES and facts.get(ANSWER_REQUIRES[key]) is not True:
            continue  # asked only once the answer it depends on is yes (a deficit's level)
        is_screening = candidate.kind == "red_flag"
        if is_screening and key not in screening:
            continue  # not applicable to this patient (e.g. pregnancy in a man)
        if emergency and not is_screening:
            continue  # the visit is decided: no more examination
        question = _question(candidate, now, h_now, kb, index)
        (first if is_screening else rest).append(question)
    first.sort(key=lambda q: screening.index(q.key))
    rest.sort(key=lambda q: -q.expected_information)
    return first + rest


def _question(candidate: _Candidate, now: _Now, h_now: float, kb: KnowledgeBase, index: _Index) -> NextQuestion:
    pos = _branch(now, candidate.key, candidate.positive, kb, index)
    neg = _branch(now, candidate.key, candidate.negative, kb, index)
    p = _p_positive(now, pos, neg)
    p_pos = {o: _probability(v) for o, v in pos.items()}
    p_neg = {o: _probability(v) for o, v in neg.items()}
    gain = 0.0
    if p is not None:
        gain = h_now - (p * entropy(p_pos.values()) + (1 - p) * entropy(p_neg.values()))
    spread = sorted(((abs(p_pos[o] - p_neg[o]), o) for o in p_pos), reverse=True)
    settles = [o for n, (d, o) in enumerate(spread[:2]) if d >= MOVED or (n == 0 and d > 0)]
    return NextQuestion(
        key=candidate.key,
        label=candidate.label,
        kind=candidate.kind,
        p_positive=None if p is None else round(p, 4),
        expected_information=round(gain, 4),
        phrase=_phrase(candidate, gain, settles, kb),
        settles=settles,
        positive=candidate.positive,
        negative=candidate.negative,
    )


def short_origin(origin_id: str, kb: KnowledgeBase) -> str:
    label = kb.origins[origin_id].label.split(" (")[0]
    return label[:1].lower() + label[1:]


def _phrase(candidate: _Candidate, gain: float, settles: list[str], kb: KnowledgeBase) -> str:
    if candidate.kind == "red_flag":
        condition = kb.screens_for.get(candidate.key)
        if condition is None:
            return "a precaution for hands-on treatment"
        return f"screens for {kb.red_flag_conditions[condition].label[:1].lower()}{kb.red_flag_conditions[condition].label[1:]}"
    names = " vs ".join(short_origin(o, kb) for o in settles)
    if gain >= SETTLES_AT and names:
        return f"likely to settle {names}"
    if gain >= SEPARATES_AT and names:
        return f"may help separate {names}" if len(settles) > 1 else f"may help settle {names}"
    if gain >= ADDS_AT and names:
        return f"adds a little on {names}"
    return "unlikely to change the picture"
