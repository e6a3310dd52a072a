"""From one case to an explainable assessment: a small interpreter over the knowledge base.

`assess` is a pure function (no I/O, no clock, no randomness): the same case and knowledge give
the same assessment. No clinical finding is named here; every judgement comes from a rule in
intake/knowledge/*.yaml, and every conclusion carries the rules, findings and sources behind it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from intake.conditions import Condition
from intake.derived import derive_muscle_facts, fired_red_flag_rules, referral_of, strongest_in_groups
from intake.facts import LIST_FIELDS, case_facts
from intake.form import default_form
from intake.knowledge import LIKELIHOOD_ORDER, KnowledgeBase, Rule, load_knowledge
from intake.measures import score
from intake.models import (
    Assessment,
    Case,
    Gap,
    MuscleFinding,
    OriginFinding,
    OutcomeScore,
    Reason,
    RedFlagFinding,
    TherapySuggestion,
    Withholding,
)
from intake.next_question import rank_next_questions
from intake.policy.urgency import URGENCY_ORDER, most_urgent_first

__all__ = ["assess", "assess_facts", "score_outcomes", "screening_applies"]

Facts = dict[str, Any]


def assess(case: Case, kb: KnowledgeBase | None = None) -> Assessment:
    """Assess one case. Hip and spine often coexist, so several origins may be likely."""
    assessment = assess_facts(case_facts(case), kb)
    assessment.outcomes = score_outcomes(case)  # the measures are scored on their own, never as findings
    return assessment


def assess_facts(facts: Facts, kb: KnowledgeBase | None = None, *, next_questions: bool = True) -> Assessment:
    """Assess flattened facts (`case_facts`); a list value may be asked on its own here (what-if)."""
    kb = kb or load_knowledge()
    facts = dict(facts)
    expansions = derive_muscle_facts(facts, kb)
    red_flags = _red_flags(facts, kb)
    referral = referral_of(f.urgency for f in red_flags)
    facts["referral"] = referral
    expansions["referral"] = [f.id for f in red_flags if f.urgency != "monitor"]
    origins = _origins(facts, kb, expansions)
    muscles, palpation_gaps = _muscles(facts, kb, expansions)
    withheld, cautions = _withholding(facts, kb, expansions)
    therapies = _therapies(origins, muscles, withheld, cautions, kb, facts, expansions)
    if referral in kb.settings.stop_examination_for:
        # The referral decides the visit: no examination is proposed, only the red flags still unasked.
        gaps = [g for g in _red_flag_gaps(facts, kb) if g.kind == "red_flag"]
    else:
        gaps = _red_flag_gaps(facts, kb) + _test_gaps(facts, origins, kb) + palpation_gaps
    gaps = list({g.key: g for g in gaps}.values())
    precautions = [q.key for q in kb.screening.values() if q.kind == "precaution" and facts.get(q.key) is True]
    assessment = Assessment(
        origins=origins,
        red_flags=red_flags,
        referral=referral,
        muscles=muscles,
        therapies=therapies,
        unanswered=[g.key for g in gaps],
        withheld=withheld,
        gaps=gaps,
        precautions=precautions,
        coexistence_note=_coexistence_note(origins, kb),
        differential_provisional=referral in kb.settings.provisional_for,
        provisional_note=_provisional_note(referral, kb),
        red_flag_note=_red_flag_note(red_flags, kb),
        safety_net=kb.settings.safety_net,
        disclaimer=kb.settings.disclaimer,
        knowledge_version=kb.settings.version,
    )
    if next_questions:
        assessment.next_questions = rank_next_questions(facts, assessment, kb)
    return assessment


def score_outcomes(case: Case) -> list[OutcomeScore]:
    """Each completed measure scored by its instrument's own rules (intake/knowledge/measures.yaml)."""
    out = []
    for outcome in case.outcomes or []:
        when = outcome.date or getattr(case, "visit_date", None)
        entry = score(outcome.measure, outcome.answers, activities=outcome.activities, when=when)
        out.append(OutcomeScore(**entry, reported_by=outcome.reported_by))
    return out


def _findings(condition: Condition, facts: Facts, expansions: dict[str, list[str]]) -> list[str]:
    """The findings a fired rule read, from the same evaluator that decided it fired."""
    _, keys = condition.verdict(facts)
    out: list[str] = []
    for key in keys:
        # An unasked answer (read by `missing`, e.g. "the hip was not replaced, or not asked") is never a finding.
        if facts.get(key) is None and key not in expansions:
            continue
        out.extend(expansions.get(key, [key]))
    return list(dict.fromkeys(out))


# ---------------------------------------------------------------- red flags


def _red_flags(facts: Facts, kb: KnowledgeBase) -> list[RedFlagFinding]:
    entries = []
    for condition, rules in fired_red_flag_rules(facts, kb).items():
        top = max(rules, key=lambda r: URGENCY_ORDER[r.urgency])
        findings: list[str] = []
        for rule in rules:
            findings.extend(_findings(kb.compiled[rule.id], facts, {}))
        sources = list(dict.fromkeys(s for r in rules for s in r.sources))
        entries.append(
            RedFlagFinding(
                id=condition,
                label=kb.red_flag_conditions[condition].label,
                urgency=top.urgency,
                findings=list(dict.fromkeys(findings)),
                note=top.note,
                refer_to=top.refer_to,
                rules=[r.id for r in rules],
                sources=sources,
                citations=kb.citations(sources),
            )
        )
    return most_urgent_first(entries)


def _red_flag_note(red_flags: list[RedFlagFinding], kb: KnowledgeBase) -> str:
    if not red_flags:
        return kb.settings.no_red_flag_note
    worst = red_flags[0]
    return f"{worst.label}: {worst.urgency}. {worst.refer_to}."


# ---------------------------------------------------------------- origins


def _reason(rule: Rule, facts: Facts, kb: KnowledgeBase, expansions: dict[str, list[str]], covered_by: str | None) -> Reason:
    effect = kb.effect_of(rule)
    citations = kb.citations(rule.sources)
    if not rule.figure_verified:
        citations = [c if c.endswith("(figure unverified)") else f"{c} (figure unverified)" for c in citations]
    return Reason(
        rule=rule.id,
        findings=_findings(kb.compiled[rule.id], facts, expansions),
        summary=rule.summary,
        direction="for" if effect > 1 else "against",
        effect=round(effect, 4),
        evidence=rule.evidence or "clinical_rule",
        counted=covered_by is None,
        covered_by=covered_by,
        sources=list(rule.sources),
        citations=citations,
    )


def _weigh(rules: Iterable[Rule], facts: Facts, kb: KnowledgeBase, expansions: dict[str, list[str]]) -> tuple[float, list[Reason]]:
    """Multiply the odds by every rule that fired, counting only the strongest rule of a group."""
    fired = [r for r in rules if kb.compiled[r.id](facts) is True]
    strongest = strongest_in_groups(fired, kb)
    log_odds = 0.0
    reasons = []
    for rule in fired:
        winner = strongest.get(rule.group) if rule.group else None
        covered_by = winner.id if winner is not None and winner is not rule else None
        if covered_by is None:
            log_odds += math.log(kb.effect_of(rule))
        reasons.append(_reason(rule, facts, kb, expansions, covered_by))
    reasons.sort(key=lambda r: (not r.counted, -abs(math.log(r.effect))))
    return log_odds, reasons


def _origins(facts: Facts, kb: KnowledgeBase, expansions: dict[str, list[str]]) -> list[OriginFinding]:
    settings = kb.settings
    found = []
    for origin in kb.origins.values():
        prior = origin.prior.probability
        log_odds, reasons = _weigh(origin.rules, facts, kb, expansions)
        odds = math.exp(math.log(prior / (1 - prior)) + log_odds)
        probability = odds / (1 + odds)
        likelihood = "likely" if probability >= settings.likely_at else "possible" if probability >= settings.possible_at else "unlikely"
        found.append(
            OriginFinding(id=origin.id, label=origin.label, likelihood=likelihood, probability=round(probability, 4), because=reasons)
        )
    found.sort(key=lambda o: -o.probability)
    return found


def _provisional_note(referral: str, kb: KnowledgeBase) -> str | None:
    if referral not in kb.settings.provisional_for:
        return None
    return f"{kb.settings.provisional_note.strip()} ({'; '.join(kb.citations(kb.settings.provisional_sources))})"


def _coexistence_note(origins: list[OriginFinding], kb: KnowledgeBase) -> str | None:
    """Name the likely sources together, with what is known about each pair of them."""
    likely = [o for o in origins if o.likelihood == "likely"]
    if len(likely) < 2:
        return None
    ids = {o.id for o in likely}
    pairs = [p for p in kb.settings.coexistence_pairs if set(p.origins) <= ids]
    notes = [p.note for p in pairs] or [kb.settings.coexistence_note.strip()]
    sources = list(dict.fromkeys(s for p in pairs for s in p.sources)) or list(kb.settings.coexistence_sources)
    labels = [o.label for o in likely]
    named = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
    text = " ".join([f"More than one source looks likely: {named}.", *notes, kb.settings.coexistence_advice.strip()])
    return f"{text} ({'; '.join(kb.citations(sources))})"


# ---------------------------------------------------------------- muscles


def _muscles(facts: Facts, kb: KnowledgeBase, expansions: dict[str, list[str]]) -> tuple[list[MuscleFinding], list[Gap]]:
    suspected: list[MuscleFinding] = []
    gaps: list[Gap] = []
    prompts: list[tuple[str, str]] = []
    palpation, referral_map = kb.muscle_palpation, kb.muscle_referral_map
    weights = kb.settings.clinical_strength
    for muscle in kb.muscles.values():
        tender = facts.get(f"tender_muscles.{muscle.id}")
        _, supporting = _weigh(muscle.rules, facts, kb, expansions)
        if tender:
            reasons = [
                Reason(
                    rule=f"muscle.{muscle.id}.palpation", findings=[f"tender_muscles.{muscle.id}"], summary=palpation.summary,
                    direction="for", effect=weights[palpation.strength], evidence="clinical_rule",
                    sources=list(palpation.sources), citations=kb.citations(palpation.sources),
                )
            ]
            if facts.get(f"referral_map.{muscle.id}"):
                reasons.append(
                    Reason(
                        rule=f"muscle.{muscle.id}.referral_map", findings=expansions[f"referral_map.{muscle.id}"],
                        summary=referral_map.summary, direction="for", effect=weights[referral_map.strength],
                        evidence="clinical_rule", sources=list(referral_map.sources), citations=kb.citations(referral_map.sources),
                    )
                )
            suspected.append(
                MuscleFinding(id=muscle.id, label=muscle.label, referral_zones=list(muscle.referral_zones), because=reasons + supporting)
            )
        elif tender is None:
            pointers = [r for r in supporting if r.counted and abs(math.log(r.effect)) >= math.log(weights["moderate"])]
            if pointers:
                prompts.append((muscle.label, pointers[0].summary.lower()))
    if prompts:
        # A muscle is unasked only when palpation was not recorded at all: one gap, naming whom to palpate.
        gaps.append(
            Gap(key="tender_muscles", label="Palpation of the muscles", kind="exam",
                why="Not recorded; palpate " + "; ".join(f"{label} ({why})" for label, why in prompts) + ".")
        )
    return suspected, gaps


# ---------------------------------------------------------------- withholding and therapies


def _withholding(facts: Facts, kb: KnowledgeBase, expansions: dict[str, list[str]]) -> tuple[list[Withholding], dict[str, list[str]]]:
    withheld: list[Withholding] = []
    cautions: dict[str, list[str]] = {}
    for rule in kb.withholding:
        if kb.compiled[rule.id](facts) is not True:
            continue
        because = _findings(kb.compiled[rule.id], facts, expansions)
        for cls in rule.withholds:
            withheld.append(
                Withholding(id=cls, because=because, reason=rule.reason, rule=rule.id, sources=list(rule.sources), citations=kb.citations(rule.sources))
            )
        for cls, text in rule.cautions.items():
            cautions.setdefault(cls, []).append(text)
    return withheld, cautions


def _therapies(
    origins: list[OriginFinding],
    muscles: list[MuscleFinding],
    withheld: list[Withholding],
    cautions: dict[str, list[str]],
    kb: KnowledgeBase,
    facts: Facts,
    expansions: dict[str, list[str]],
) -> list[TherapySuggestion]:
    likelihood = {o.id: LIKELIHOOD_ORDER[o.likelihood] for o in origins}
    suspected = {m.id for m in muscles}
    blocking: dict[str, Withholding] = {}
    for item in withheld:
        blocking.setdefault(item.id, item)
    out = []
    for therapy in kb.therapies.values():
        targets: list[str] = [o for o, least in therapy.suggest_for_origins.items() if likelihood[o] >= LIKELIHOOD_ORDER[least]]
        targets += [m for m in therapy.suggest_for_muscles if m in suspected]
        if not targets:
            continue
        block = next((blocking[c] for c in therapy.classes if c in blocking), None)
        own = next((r for r in therapy.withhold_when if kb.compiled[r.id](facts) is True), None)
        if block is None and own is not None:
            block = Withholding(
                id=therapy.classes[0], because=_findings(kb.compiled[own.id], facts, expansions), reason=own.reason, rule=own.id,
                sources=list(own.sources), citations=kb.citations(own.sources),
            )
        caution_texts = [t for c in therapy.classes for t in cautions.get(c, [])]
        out.append(
            TherapySuggestion(
                id=therapy.id,
                label=therapy.label,
                kind=therapy.kind,
                classes=list(therapy.classes),
                for_=targets,
                withheld=", ".join(block.because) if block else None,
                withheld_reason=block.reason if block else None,
                caution=" ".join(dict.fromkeys(caution_texts)) or None,
                evidence_note=therapy.evidence_note,
                sources=list(therapy.sources),
                citations=kb.citations(therapy.sources),
            )
        )
    out.sort(key=lambda t: (t.withheld is not None, t.kind != "manual_therapy"))
    return out


# ---------------------------------------------------------------- gaps


def _red_flag_gaps(facts: Facts, kb: KnowledgeBase) -> list[Gap]:
    gaps = []
    for question in kb.screening.values():
        if facts.get(question.key) is not None or not _applies(question.key, facts, kb):
            continue
        if question.kind == "red_flag":
            why = f"Not asked: screens for {kb.red_flag_conditions[kb.screens_for[question.key]].label.lower()}."
        else:
            why = "Not asked: a precaution that can rule out needling and manipulation."
        gaps.append(Gap(key=question.key, label=kb.label(question.key), kind=question.kind, why=why))
    return gaps


def _applies(key: str, facts: Facts, kb: KnowledgeBase) -> bool:
    """A screening question applies unless its `ask_when` is known to be false (e.g. pregnancy in a man)."""
    return kb.screening[key].ask_when is None or kb.compiled[f"ask.{key}"](facts) is not False


def screening_applies(case: Case | None, kb: KnowledgeBase | None = None) -> dict[str, bool]:
    """Which red-flag and precaution questions apply to this patient (all of them if the case is unknown)."""
    kb = kb or load_knowledge()
    if case is None:
        return dict.fromkeys(kb.screening, True)
    facts = case_facts(case)
    return {key: _applies(key, facts, kb) for key in kb.screening}


def _test_gaps(facts: Facts, origins: list[OriginFinding], kb: KnowledgeBase) -> list[Gap]:
    """Key tests not done for every origin not yet excluded, those that could move the picture most first.

    An origin is excluded only when it is unlikely because evidence argued against it; one that is
    unlikely merely for want of findings still has its key tests prompted.
    """
    leading = [o for o in origins if o.likelihood != "unlikely" or not any(r.counted and r.direction == "against" for r in o.because)]
    leading = leading or origins[:2]
    candidates: dict[str, tuple[float, str]] = {}
    for found in leading:
        origin = kb.origins[found.id]
        for key in origin.key_tests:
            if facts.get(key) is not None:
                continue
            shown = _shown_key(key, facts)
            swing = max((kb.strength_of(r) for r in origin.rules if key in kb.rule_keys[r.id]), default=0.0)
            if shown not in candidates or swing > candidates[shown][0]:
                candidates[shown] = (swing, origin.label)
    gaps = []
    for key, (swing, origin_label) in sorted(candidates.items(), key=lambda kv: -kv[1][0]):
        kind = "test" if key in _TEST_KEYS else "exam" if key in _EXAM_KEYS else "history"
        change = f" (could change the odds up to x{math.exp(swing):.1f})" if swing else ""
        label = kb.label(key) if key in kb.findings else f"{kb.field_labels.get(key, key.replace('_', ' '))} (not recorded)"
        gaps.append(Gap(key=key, label=label, kind=kind, why=f"Not done: a key test for {origin_label.lower()}{change}."))
    return gaps


def _shown_key(key: str, facts: Facts) -> str:
    """A whole list that was never filled in is one gap (e.g. palpation), not one per value."""
    field, _, _ = key.partition(".")
    if field in LIST_FIELDS and all(facts.get(f"{field}.{v}") is None for v in LIST_FIELDS[field]):
        return field
    return key


_TEST_KEYS = frozenset(default_form().test_keys)
_EXAM_KEYS = frozenset(default_form().exam_keys)
