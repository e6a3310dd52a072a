"""Facts the knowledge derives from the answers, shared by the engine and the next-question ranking.

A tender muscle whose referral map covers a reported pain site, the referral the red flags decide,
and which rule of a correlated group counts: worked out once here, so the ranking of what to ask
next counts exactly as the assessment does.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from intake.conditions import kleene_all, kleene_any
from intake.knowledge import KnowledgeBase, RedFlagRule, Rule
from intake.policy.urgency import URGENCY_ORDER

__all__ = ["derive_muscle_facts", "derived_facts", "fired_red_flag_rules", "referral_of", "strongest_in_groups"]

Facts = dict[str, Any]


def derived_facts(facts: Facts, kb: KnowledgeBase, *, referral: bool = True) -> Facts:
    """The facts with the derived keys (referral maps; the referral unless told not to) worked out."""
    out = dict(facts)
    derive_muscle_facts(out, kb)
    if referral:
        fired = fired_red_flag_rules(out, kb)
        out["referral"] = referral_of(max(rules, key=lambda r: URGENCY_ORDER[r.urgency]).urgency for rules in fired.values())
    return out


def referral_of(urgencies: Iterable[str]) -> str:
    """The visit's referral: the most urgent red flag that refers (monitor does not), or none."""
    return max((u for u in urgencies if u != "monitor"), key=URGENCY_ORDER.__getitem__, default="none")


def fired_red_flag_rules(facts: Facts, kb: KnowledgeBase) -> dict[str, list[RedFlagRule]]:
    """The red-flag rules that fire, by the condition they screen for (in the knowledge's order)."""
    by_condition: dict[str, list[RedFlagRule]] = {}
    for rule in kb.red_flag_rules:
        if kb.compiled[rule.id](facts) is True:
            by_condition.setdefault(rule.condition, []).append(rule)
    return by_condition


def derive_muscle_facts(facts: Facts, kb: KnowledgeBase) -> dict[str, list[str]]:
    """Which tender muscles refer to a reported pain site (set in `facts`); returns how derived keys expand."""
    expansions: dict[str, list[str]] = {}
    tenders: list[bool | None] = []
    matches: list[bool | None] = []
    matched_keys: list[str] = []
    for muscle in kb.muscles.values():
        tender = facts.get(f"tender_muscles.{muscle.id}")
        sites = [f"pain_sites.{z}" for z in muscle.referral_zones if facts.get(f"pain_sites.{z}")]
        # A tender muscle matches when a reported site is in its map; unknown while sites are unasked.
        pain_asked = facts.get(f"pain_sites.{muscle.referral_zones[0]}") is not None
        match = kleene_all([tender, True if sites else (False if pain_asked else None)])
        facts[f"referral_map.{muscle.id}"] = match
        expansions[f"referral_map.{muscle.id}"] = [f"tender_muscles.{muscle.id}", *sites]
        tenders.append(tender)
        matches.append(match)
        if match:
            matched_keys += [f"tender_muscles.{muscle.id}", *sites]
    facts["tender_muscle_any"] = kleene_any(tenders)
    facts["tender_muscle_matches_pain"] = kleene_any(matches)
    # When nothing matched, the finding is the palpation (and pain map) answer as a whole.
    expansions["tender_muscle_matches_pain"] = list(dict.fromkeys(matched_keys)) or ["tender_muscles", "pain_sites"]
    expansions["tender_muscle_any"] = [f"tender_muscles.{m}" for m in kb.muscles if facts.get(f"tender_muscles.{m}")] or ["tender_muscles"]
    return expansions


def strongest_in_groups(fired: Iterable[Rule], kb: KnowledgeBase) -> dict[str, Rule]:
    """Correlated rules share a group and only its strongest fired rule counts (the first on a tie)."""
    strongest: dict[str, Rule] = {}
    for rule in fired:
        if rule.group and (rule.group not in strongest or kb.strength_of(rule) > kb.strength_of(strongest[rule.group])):
            strongest[rule.group] = rule
    return strongest
