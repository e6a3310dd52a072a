"""The evidence explorer's content: for every finding a rule reads, how it is done, who it was
studied in, its sensitivity, specificity and likelihood ratios, its sources and the rules that read it.

Built from the knowledge base (the rules and their figures) and `knowledge/evidence.yaml` (how to
perform, population, published Sn/Sp), which is checked when it loads: every key a case key,
every origin and source known. Pure: the page only filters and draws these entries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from intake.facts import CASE_KEY_KINDS, LIST_FIELDS
from intake.knowledge import KNOWLEDGE_DIR, KnowledgeBase, KnowledgeError, load_knowledge
from intake.next_question import kind_of, sn_sp_from_lrs

__all__ = ["Accuracy", "Entry", "RuleUse", "entries", "entry_for", "lr_text", "search"]

EVIDENCE_FILE = "evidence.yaml"


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PublishedAccuracy(_Record):
    origin: str
    sensitivity: Annotated[float, Field(ge=0, le=1)]
    specificity: Annotated[float, Field(ge=0, le=1)]
    sources: list[str] = Field(min_length=1)
    verified: bool = True


class EvidenceRecord(_Record):
    perform: str
    population: str | None
    accuracy: list[PublishedAccuracy] = Field(default_factory=list)
    sources: list[str] = Field(min_length=1)


@dataclass(frozen=True)
class Accuracy:
    """One origin's figures for a finding: the engine's LR pair and the Sn/Sp behind it."""

    origin: str
    origin_label: str
    sensitivity: float | None
    specificity: float | None
    lr_positive: float | None
    lr_negative: float | None
    basis: str  # "published", "from the likelihood-ratio pair", "from the clinical rule weights", one side only
    citations: list[str]
    verified: bool


@dataclass(frozen=True)
class RuleUse:
    rule: str
    where: str  # an origin's label, "Red flags", a muscle, "Therapies"
    origin: str | None
    summary: str
    effect: str  # "LR 4.9", "clinical rule x2", "red flag: emergency"
    citations: list[str]


@dataclass(frozen=True)
class Entry:
    key: str
    label: str
    kind: str
    perform: str | None
    question: str | None
    population: str | None
    accuracy: list[Accuracy] = field(default_factory=list)
    rules: list[RuleUse] = field(default_factory=list)
    citations: list[str] = field(default_factory=list)
    verified: bool = True

    @property
    def origins(self) -> set[str]:
        return {r.origin for r in self.rules if r.origin}

    def text(self) -> str:
        """Everything searchable about the entry, lower case."""
        parts = [self.key, self.label, self.perform or "", self.question or "", self.population or ""]
        parts += [f"{r.where} {r.summary}" for r in self.rules]
        return " ".join(parts).lower()


# ---------------------------------------------------------------- loading


@lru_cache(maxsize=4)
def _records(directory: str) -> dict[str, EvidenceRecord]:
    kb = load_knowledge(directory) if Path(directory) != KNOWLEDGE_DIR else load_knowledge()
    path = Path(directory) / EVIDENCE_FILE
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out: dict[str, EvidenceRecord] = {}
    for key, data in (raw.get("evidence") or {}).items():
        if key not in CASE_KEY_KINDS and key not in LIST_FIELDS:
            raise KnowledgeError(f"{EVIDENCE_FILE}: {key}: not a key of the case format")
        try:
            record = EvidenceRecord.model_validate(data)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            raise KnowledgeError(f"{EVIDENCE_FILE}: {key}: field {'.'.join(map(str, first['loc']))!r}: {first['msg']}") from None
        for source in record.sources + [s for a in record.accuracy for s in a.sources]:
            if source not in kb.sources:
                raise KnowledgeError(f"{EVIDENCE_FILE}: {key}: field 'sources': unknown source {source!r}")
        for accuracy in record.accuracy:
            if accuracy.origin not in kb.origins:
                raise KnowledgeError(f"{EVIDENCE_FILE}: {key}: field 'accuracy.origin': unknown origin {accuracy.origin!r}")
        out[key] = record
    return out


def _citation(kb: KnowledgeBase, source: str, verified: bool = True) -> str:
    s = kb.sources[source]
    return s.cite if s.verified and verified else f"{s.cite} (not verified against the original)"


def lr_text(value: float | None) -> str:
    return "—" if value is None else "∞" if math.isinf(value) else f"{value:.3g}"


def _rule_uses(key: str, kb: KnowledgeBase) -> list[RuleUse]:
    field_name = key.partition(".")[0]
    def reads(rule_id: str) -> bool:
        keys = kb.rule_keys[rule_id]
        return key in keys or (key in LIST_FIELDS and any(k.startswith(f"{field_name}.") for k in keys))
    uses: list[RuleUse] = []
    for origin in kb.origins.values():
        for rule in origin.rules:
            if reads(rule.id):
                effect = f"LR {rule.lr:g}" if rule.lr is not None else f"clinical rule ×{kb.effect_of(rule):.2g}"
                cites = [_citation(kb, s, rule.figure_verified) for s in rule.sources]
                uses.append(RuleUse(rule.id, origin.label, origin.id, rule.summary, effect, cites))
    for flag_rule in kb.red_flag_rules:
        if reads(flag_rule.id):
            label = kb.red_flag_conditions[flag_rule.condition].label
            uses.append(RuleUse(flag_rule.id, "Red flags", None, f"{label}: {flag_rule.note}", f"red flag: {flag_rule.urgency}",
                                [_citation(kb, s) for s in flag_rule.sources]))
    for muscle in kb.muscles.values():
        for rule in muscle.rules:
            if reads(rule.id):
                uses.append(RuleUse(rule.id, muscle.label, None, rule.summary, f"clinical rule ×{kb.effect_of(rule):.2g}",
                                    [_citation(kb, s) for s in rule.sources]))
    for withholding in kb.withholding:
        if reads(withholding.id):
            uses.append(RuleUse(withholding.id, "Therapies", None, withholding.reason,
                                "withholds " + ", ".join(withholding.withholds) if withholding.withholds else "caution",
                                [_citation(kb, s) for s in withholding.sources]))
    return uses


def _reads_alone(when: dict, op: str, key: str) -> bool:
    """The rule is the test's own result: `{op: key}`, or that first in an `all` whose other parts only
    say where it applies (a native hip, no upper lumbar signs)."""
    if when == {op: key}:
        return True
    parts = when.get("all") if isinstance(when, dict) and len(when) == 1 else None
    return isinstance(parts, list) and bool(parts) and parts[0] == {op: key}


def _accuracy(key: str, kb: KnowledgeBase, record: EvidenceRecord | None) -> list[Accuracy]:
    out: list[Accuracy] = []
    published = {a.origin: a for a in (record.accuracy if record else [])}
    for origin in kb.origins.values():
        pos = next((r for r in origin.rules if _reads_alone(r.when, "present", key)), None)
        neg = next((r for r in origin.rules if _reads_alone(r.when, "absent", key)), None)
        lr_pos = kb.effect_of(pos) if pos else None
        lr_neg = kb.effect_of(neg) if neg else None
        rules = [r for r in (pos, neg) if r is not None]
        citations = list(dict.fromkeys(_citation(kb, s, r.figure_verified) for r in rules for s in r.sources))
        verified = all(r.figure_verified and all(kb.sources[s].verified for s in r.sources) for r in rules)
        if origin.id in published:
            p = published[origin.id]
            citations = list(dict.fromkeys([_citation(kb, s, p.verified) for s in p.sources] + citations))
            out.append(Accuracy(origin.id, origin.label, p.sensitivity, p.specificity, lr_pos, lr_neg, "published",
                                citations, verified and p.verified and all(kb.sources[s].verified for s in p.sources)))
        elif lr_pos is not None and lr_neg is not None and (lr_pos - 1) * (1 - lr_neg) > 0:
            sn, sp = sn_sp_from_lrs(lr_pos, lr_neg)
            basis = "from the likelihood-ratio pair" if all(r.lr is not None for r in rules) else "from the clinical rule weights"
            out.append(Accuracy(origin.id, origin.label, sn, sp, lr_pos, lr_neg, basis, citations, verified))
        elif rules:
            basis = "one side only" if all(r.lr is not None for r in rules) else "clinical rule weight, one side"
            out.append(Accuracy(origin.id, origin.label, None, None, lr_pos, lr_neg, basis, citations, verified))
    return out


@lru_cache(maxsize=4)
def _entries(directory: str) -> tuple[Entry, ...]:
    kb = load_knowledge(directory) if Path(directory) != KNOWLEDGE_DIR else load_knowledge()
    records = _records(directory)
    read = {k for keys in kb.rule_keys.values() for k in keys if k in CASE_KEY_KINDS} | set(records)
    out = []
    for key in sorted(read, key=lambda k: (list(CASE_KEY_KINDS).index(k) if k in CASE_KEY_KINDS else -1, k)):
        record = records.get(key)
        finding = kb.findings.get(key)
        label = finding.label if finding else kb.field_labels.get(key, key.replace("_", " "))
        rules = _rule_uses(key, kb)
        if not rules and record is None:
            continue
        accuracy = _accuracy(key, kb, record)
        citations = [_citation(kb, s) for s in record.sources] if record else []
        verified = all(a.verified for a in accuracy) and all(kb.sources[s].verified for s in (record.sources if record else []))
        out.append(Entry(
            key=key, label=label, kind=kind_of(key), perform=record.perform if record else None,
            question=finding.question if finding else None, population=record.population if record else None,
            accuracy=accuracy, rules=rules, citations=citations, verified=verified,
        ))
    return tuple(out)


def entries(directory: str | Path = KNOWLEDGE_DIR) -> tuple[Entry, ...]:
    return _entries(str(directory))


def entry_for(key: str, directory: str | Path = KNOWLEDGE_DIR) -> Entry | None:
    """The entry for a finding; a list value without one of its own falls back to its list (palpation)."""
    by_key = {e.key: e for e in entries(directory)}
    return by_key.get(key) or by_key.get(key.partition(".")[0])


def search(query: str = "", origin: str | None = None, directory: str | Path = KNOWLEDGE_DIR) -> list[Entry]:
    """Entries whose text holds every word of the query, read by a rule of `origin` if given; named ones first."""
    words = query.lower().split()
    found = [e for e in entries(directory)
             if all(w in e.text() for w in words) and (origin is None or origin in e.origins)]
    # Those named by the query come first (its words in the label), then the rest in case order.
    return sorted(found, key=lambda e: not all(w in e.label.lower() for w in words))
