"""Load the clinical knowledge base (intake/knowledge/*.yaml) and cross-check it.

The YAML is the clinical content; this module only types it, compiles its conditions and
refuses anything inconsistent (an unknown id, a rule without a source, a red-flag key with no
rule) at load time, naming the file, the record and the field — never while a patient is
being assessed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from intake.conditions import ConditionError, Evaluator, compile_condition, keys_in
from intake.errors import ConfigurationError
from intake.facts import CASE_KEY_KINDS
from intake.form import Form, FormError, load_form
from intake.models import MUSCLES, ORIGINS, RED_FLAG_CONDITIONS, REGIONS, Case, OriginId, Urgency, WithheldClass
from intake.policy.urgency import URGENCY_ORDER as _URGENCY_ORDER
from intake.sources import Source  # shared with intake.measures (its own module: no cycle)

__all__ = ["DERIVED_KEY_KINDS", "KEY_KINDS", "KNOWLEDGE_DIR", "LIKELIHOOD_ORDER", "URGENCY_ORDER", "KnowledgeBase", "KnowledgeError", "RedFlagRule", "Rule",
           "load_knowledge"]

KNOWLEDGE_DIR = Path(__file__).parent / "knowledge"
# The urgency order lives in intake.policy.urgency; this name stays for callers written before it.
URGENCY_ORDER = _URGENCY_ORDER
LIKELIHOOD_ORDER = {"unlikely": 0, "possible": 1, "likely": 2}

# Keys derived before rules run (see derived.py); rules may read them too.
DERIVED_KEY_KINDS: dict[str, str] = {
    "referral": "value",
    "tender_muscle_any": "bool",
    "tender_muscle_matches_pain": "bool",
    **{f"referral_map.{m}": "bool" for m in MUSCLES},
}
KEY_KINDS: dict[str, str] = {**CASE_KEY_KINDS, **DERIVED_KEY_KINDS}


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class KnowledgeError(ConfigurationError):
    """The knowledge base is inconsistent; the message names file, record and field."""


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Finding(_Record):
    label: str
    question: str | None = None
    plain: str | None = None
    help: str | None = None


class Rule(_Record):
    """One piece of evidence: when it applies, what it moves, how far, and who says so."""

    id: str
    summary: str
    when: dict[str, Any]
    lr: Annotated[float, Field(gt=0)] | None = None
    evidence: Literal["likelihood_ratio", "prediction_rule", "clinical_rule"] | None = None
    strength: Literal["weak", "moderate", "strong"] | None = None
    direction: Literal["for", "against"] | None = None
    group: str | None = None
    sources: list[str] = Field(min_length=1)
    figure_verified: bool = True
    note: str | None = None

    @model_validator(mode="after")
    def _one_kind_of_weight(self) -> Rule:
        if (self.lr is None) == (self.strength is None):
            raise ValueError("give either `lr` (a published figure) or `strength` + `direction` (a clinical rule)")
        if self.strength is not None and self.direction is None:
            raise ValueError("a clinical rule with `strength` needs a `direction` (for or against)")
        if self.lr is not None and self.evidence is None:
            raise ValueError("a rule with `lr` names its `evidence`: likelihood_ratio or prediction_rule")
        if self.strength is not None and self.evidence not in (None, "clinical_rule"):
            raise ValueError("a rule with `strength` is a clinical_rule")
        if self.lr is not None and self.direction is not None:
            raise ValueError("`direction` follows from `lr` (above 1 is for, below 1 against); do not give both")
        if self.lr == 1:
            raise ValueError("an `lr` of 1 moves nothing and argues neither for nor against: leave the rule out")
        return self


class Prior(_Record):
    probability: Annotated[float, Field(gt=0, lt=1)]
    basis: str
    sources: list[str] = Field(min_length=1)


class Origin(_Record):
    id: OriginId
    label: str
    plain_label: str
    plain_explanation: str
    prior: Prior
    key_tests: list[str]
    rules: list[Rule]


class RedFlagCondition(_Record):
    id: str
    label: str
    plain_label: str


class PatientAction(_Record):
    """What the patient handout tells the patient to do when this rule decides the visit, in plain
    words, where the general advice for its urgency would be wrong (an ambulance, not a trip to A&E).
    ``{number}`` in the body is the clinic's emergency number."""

    title: str
    body: str
    more: list[str] = Field(default_factory=list)


class RedFlagRule(_Record):
    id: str
    condition: str
    when: dict[str, Any]
    urgency: Urgency
    refer_to: str
    note: str
    sources: list[str] = Field(min_length=1)
    patient_action: PatientAction | None = None  # the handout's alert, when the rule's action is its own


class ScreeningQuestion(_Record):
    """How each red-flag key is asked and when it matters (e.g. pregnancy by age and sex)."""

    key: str
    kind: Literal["red_flag", "precaution"]
    ask_when: dict[str, Any] | None = None


class MuscleRecord(_Record):
    id: str
    label: str
    plain_label: str
    referral_zones: list[str] = Field(min_length=1)
    referral_description: str
    rules: list[Rule] = Field(default_factory=list)
    sources: list[str] = Field(min_length=1)


class SharedMuscleReason(_Record):
    summary: str
    strength: Literal["weak", "moderate", "strong"]
    sources: list[str] = Field(min_length=1)


class TherapyContraindication(_Record):
    """A reason that rules out one therapy only (e.g. deep self-pressure on anticoagulants)."""

    id: str
    when: dict[str, Any]
    reason: str
    sources: list[str] = Field(min_length=1)


class SelfCare(_Record):
    title: str
    how: list[str] = Field(min_length=1)
    dose: str
    drawing: str
    #: Findings that make this item a poor default for the handout (still choosable: not a precaution).
    not_chosen_when: list[TherapyContraindication] = Field(default_factory=list)


class Therapy(_Record):
    id: str
    label: str
    kind: Literal["manual_therapy", "exercise", "self_care", "adjunct"]
    classes: list[WithheldClass] = Field(min_length=1)
    suggest_for_origins: dict[OriginId, Literal["likely", "possible"]] = Field(default_factory=dict)
    suggest_for_muscles: list[str] = Field(default_factory=list)
    evidence_note: str
    sources: list[str] = Field(min_length=1)
    withhold_when: list[TherapyContraindication] = Field(default_factory=list)
    self_care: SelfCare | None = None


class WithholdingRule(_Record):
    id: str
    when: dict[str, Any]
    withholds: list[WithheldClass] = Field(default_factory=list)
    cautions: dict[WithheldClass, str] = Field(default_factory=dict)
    reason: str
    sources: list[str] = Field(min_length=1)


class ReferralLetter(_Record):
    """Which findings a referral letter cites beside the red flags (settings.yaml: referral_letter)."""

    cite_when_present: list[str]
    cite_positive_tests: bool = True


class CoexistencePair(_Record):
    """Two origins known to occur together, what to say about it, and who says so."""

    origins: Annotated[list[str], Field(min_length=2, max_length=2)]
    note: str
    sources: list[str] = Field(min_length=1)


class Settings(_Record):
    version: str
    likely_at: Annotated[float, Field(gt=0, lt=1)]
    possible_at: Annotated[float, Field(gt=0, lt=1)]
    clinical_strength: dict[Literal["weak", "moderate", "strong"], Annotated[float, Field(gt=1)]]
    clinical_strength_sources: list[str]
    coexistence_note: str
    coexistence_sources: list[str] = Field(min_length=1)
    coexistence_advice: str
    coexistence_pairs: list[CoexistencePair] = Field(default_factory=list)
    provisional_for: list[Literal["emergency", "urgent", "routine"]]
    stop_examination_for: list[Literal["emergency", "urgent", "routine"]]
    provisional_sources: list[str] = Field(min_length=1)
    provisional_note: str
    disclaimer: str
    safety_net: str
    no_red_flag_note: str
    referral_letter: ReferralLetter


class KnowledgeBase(BaseModel):
    """The whole knowledge base, typed, with every condition compiled once."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    settings: Settings
    form: Form
    sources: dict[str, Source]
    findings: dict[str, Finding]
    field_labels: dict[str, str]
    origins: dict[str, Origin]
    red_flag_conditions: dict[str, RedFlagCondition]
    red_flag_rules: list[RedFlagRule]
    screening: dict[str, ScreeningQuestion]
    screens_for: dict[str, str]  # red-flag key -> the condition its fires-alone rule raises
    muscles: dict[str, MuscleRecord]
    muscle_palpation: SharedMuscleReason
    muscle_referral_map: SharedMuscleReason
    therapies: dict[str, Therapy]
    withholding: list[WithholdingRule]
    compiled: dict[str, Evaluator]
    rule_keys: dict[str, frozenset[str]]

    def citations(self, source_ids: list[str]) -> list[str]:
        return [self.sources[s].citation for s in source_ids]

    def label(self, key: str) -> str:
        finding = self.findings.get(key)
        return finding.label if finding else key.replace("_", " ")

    def effect_of(self, rule: Rule) -> float:
        """The multiplier a rule applies to the odds when it fires."""
        if rule.lr is not None:
            return rule.lr
        assert rule.strength is not None  # a rule without `lr` has a strength (Rule's own check)
        weight = self.settings.clinical_strength[rule.strength]
        return weight if rule.direction == "for" else 1 / weight

    def strength_of(self, rule: Rule) -> float:
        return abs(math.log(self.effect_of(rule)))


# ---------------------------------------------------------------- loading

WITHHELD_CLASSES = ("dry_needling", "manipulation", "manual_therapy", "self_care")


def require_known(file: str, ident: str, field: str, values: list[str], known: Any, what: str) -> None:
    """Every id a record names must exist; the error names file, record, field and the stray id."""
    for value in values:
        if value not in known:
            raise KnowledgeError(f"{file}: {ident}: field {field!r}: unknown {what} {value!r}")


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)  # noqa: S506 - a safe loader
    except (OSError, yaml.YAMLError) as exc:
        raise KnowledgeError(f"{path.name}: cannot be read: {exc}") from None


def _typed(model: type[BaseModel], data: Any, where: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        field = ".".join(str(p) for p in first["loc"])
        raise KnowledgeError(f"{where}: field {field!r}: {first['msg']}") from None


def _records(model: type[BaseModel], items: Any, file: str, section: str) -> list[Any]:
    if not isinstance(items, list):
        raise KnowledgeError(f"{file}: `{section}` must be a list")
    out = []
    for n, item in enumerate(items):
        ident = item.get("id", f"#{n + 1}") if isinstance(item, Mapping) else f"#{n + 1}"
        out.append(_typed(model, item, f"{file}: {section} {ident}"))
    return out


def _unique(records: list[Any], file: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for record in records:
        if record.id in out:
            raise KnowledgeError(f"{file}: id {record.id!r} is used twice")
        out[record.id] = record
    return out


def _form_findings(form: Form, findings: dict[str, Finding]) -> dict[str, Finding]:
    """The labels a form slot carries itself (a new question is then one entry, in form.yaml)."""
    out = dict(findings)
    for slot in form.slots:
        if slot.kind in ("text", "multi") or (slot.label is None and slot.question is None):
            continue
        if slot.key in findings:
            raise KnowledgeError(f"form.yaml: {slot.path}: labelled both here and in findings.yaml; keep one")
        if slot.label is None:
            raise KnowledgeError(f"form.yaml: {slot.path}: field 'label' is needed beside 'question'")
        out[slot.key] = Finding(label=slot.label, question=slot.question, help=slot.help)
    return out


def _check_screening_groups(form: Form, screening: dict[str, ScreeningQuestion]) -> None:
    """A precaution is asked in the red-flag section's `precautions` group, a red flag outside it."""
    for slot in form.section("red_flags").slots:
        question = screening.get(slot.key)
        if question is not None and (question.kind == "precaution") != (slot.group == "precautions"):
            raise KnowledgeError(f"form.yaml: {slot.path}: a {question.kind} (red_flags.yaml) in group {slot.group!r}")


@lru_cache(maxsize=4)
def load_knowledge(directory: str | Path = KNOWLEDGE_DIR, model: type[BaseModel] = Case) -> KnowledgeBase:
    """Load and cross-check the knowledge base; cached, because it is read-only and shared.

    `model` is the case model the form must match: the product's ``Case`` unless a test checks
    what adding a question takes.
    """
    d = Path(directory)
    try:
        form = load_form(d / "form.yaml", model)
    except FormError as exc:
        raise KnowledgeError(str(exc)) from None
    case_kinds = form.fact_kinds
    key_kinds = {**case_kinds, **DERIVED_KEY_KINDS}
    settings = _typed(Settings, _read_yaml(d / "settings.yaml"), "settings.yaml")
    raw_sources = _read_yaml(d / "sources.yaml") or {}
    sources = {k: _typed(Source, v, f"sources.yaml: {k}") for k, v in raw_sources.get("sources", {}).items()}
    raw_findings = _read_yaml(d / "findings.yaml") or {}
    findings = {k: _typed(Finding, v, f"findings.yaml: {k}") for k, v in raw_findings.get("findings", {}).items()}
    findings = _form_findings(form, findings)
    field_labels = {str(k): str(v) for k, v in (raw_findings.get("lists") or {}).items()}
    if set(field_labels) != set(form.list_fields):
        raise KnowledgeError(f"findings.yaml: `lists` must label exactly {sorted(form.list_fields)}")
    origins = _unique(_records(Origin, (_read_yaml(d / "origins.yaml") or {}).get("origins"), "origins.yaml", "origins"), "origins.yaml")
    rf = _read_yaml(d / "red_flags.yaml") or {}
    conditions = _unique(_records(RedFlagCondition, rf.get("conditions"), "red_flags.yaml", "conditions"), "red_flags.yaml")
    rf_rules = _records(RedFlagRule, rf.get("rules"), "red_flags.yaml", "rules")
    screening_list = [_typed(ScreeningQuestion, v, f"red_flags.yaml: screening {v.get('key', n)}") for n, v in enumerate(rf.get("screening") or [])]
    screening = {q.key: q for q in screening_list}
    screens_for: dict[str, str] = {}
    raw_muscles = _read_yaml(d / "muscles.yaml") or {}
    muscles = _unique(_records(MuscleRecord, raw_muscles.get("muscles"), "muscles.yaml", "muscles"), "muscles.yaml")
    palpation = _typed(SharedMuscleReason, raw_muscles.get("palpation"), "muscles.yaml: palpation")
    referral_map = _typed(SharedMuscleReason, raw_muscles.get("referral_map"), "muscles.yaml: referral_map")
    th = _read_yaml(d / "therapies.yaml") or {}
    therapies = _unique(_records(Therapy, th.get("therapies"), "therapies.yaml", "therapies"), "therapies.yaml")
    withholding = _records(WithholdingRule, th.get("withholding"), "therapies.yaml", "withholding")

    compiled: dict[str, Evaluator] = {}
    rule_keys: dict[str, frozenset[str]] = {}

    def compile_rule(file: str, rule_id: str, when: dict, field: str = "when") -> None:
        if rule_id in compiled:
            raise KnowledgeError(f"{file}: rule id {rule_id!r} is used twice")
        try:
            compiled[rule_id] = compile_condition(when, key_kinds)
        except ConditionError as exc:
            raise KnowledgeError(f"{file}: rule {rule_id}: field {field!r}: {exc}") from None
        rule_keys[rule_id] = frozenset(keys_in(when))

    def check_sources(file: str, ident: str, ids: list[str]) -> None:
        require_known(file, ident, "sources", ids, sources, "source")

    def register(file: str, ident: str, rule: Any) -> None:
        compile_rule(file, rule.id, rule.when)
        check_sources(file, ident, rule.sources)

    check_sources("settings.yaml", "clinical_strength_sources", settings.clinical_strength_sources)
    require_known("settings.yaml", "referral_letter", "cite_when_present", settings.referral_letter.cite_when_present,
                  [k for k, kind in case_kinds.items() if kind == "bool"], "yes/no key")
    check_sources("settings.yaml", "coexistence_sources", settings.coexistence_sources)
    check_sources("settings.yaml", "provisional_sources", settings.provisional_sources)
    for pair in settings.coexistence_pairs:
        where = f"coexistence_pairs {'+'.join(pair.origins)}"
        require_known("settings.yaml", where, "origins", pair.origins, ORIGINS, "origin")
        check_sources("settings.yaml", where, pair.sources)
    if set(origins) != set(ORIGINS):
        raise KnowledgeError(f"origins.yaml: origins must be exactly {sorted(ORIGINS)}, got {sorted(origins)}")
    for origin in origins.values():
        check_sources("origins.yaml", f"origin {origin.id} prior", origin.prior.sources)
        require_known("origins.yaml", f"origin {origin.id}", "key_tests", origin.key_tests, case_kinds, "key")
        for rule in origin.rules:
            register("origins.yaml", f"rule {rule.id}", rule)
    if set(conditions) != set(RED_FLAG_CONDITIONS):
        raise KnowledgeError(f"red_flags.yaml: conditions must be exactly {sorted(RED_FLAG_CONDITIONS)}")
    for rule in rf_rules:
        require_known("red_flags.yaml", f"rule {rule.id}", "condition", [rule.condition], conditions, "condition")
        register("red_flags.yaml", f"rule {rule.id}", rule)
    red_flag_keys = {slot.key for slot in form.section("red_flags").slots}
    if set(screening) != red_flag_keys:
        missing = sorted(red_flag_keys - set(screening))
        extra = sorted(set(screening) - red_flag_keys)
        raise KnowledgeError(f"red_flags.yaml: screening must list every red-flag key once (missing {missing}, unknown {extra})")
    for q in screening.values():
        if q.ask_when is not None:
            compile_rule("red_flags.yaml", f"ask.{q.key}", q.ask_when, "ask_when")
        if q.kind == "red_flag":
            alone = next((r for r in rf_rules if r.when == {"present": q.key}), None)
            if alone is None:
                raise KnowledgeError(f"red_flags.yaml: red-flag key {q.key!r} has no rule that fires on it alone ({{present: {q.key}}})")
            screens_for[q.key] = alone.condition
    _check_screening_groups(form, screening)
    if set(muscles) != set(MUSCLES):
        raise KnowledgeError(f"muscles.yaml: muscles must be exactly {sorted(MUSCLES)}")
    check_sources("muscles.yaml", "palpation", palpation.sources)
    check_sources("muscles.yaml", "referral_map", referral_map.sources)
    for muscle in muscles.values():
        check_sources("muscles.yaml", f"muscle {muscle.id}", muscle.sources)
        require_known("muscles.yaml", f"muscle {muscle.id}", "referral_zones", muscle.referral_zones, REGIONS, "region")
        for rule in muscle.rules:
            register("muscles.yaml", f"rule {rule.id}", rule)
    for therapy in therapies.values():
        check_sources("therapies.yaml", f"therapy {therapy.id}", therapy.sources)
        require_known("therapies.yaml", f"therapy {therapy.id}", "suggest_for_origins", list(therapy.suggest_for_origins), origins, "origin")
        require_known("therapies.yaml", f"therapy {therapy.id}", "suggest_for_muscles", therapy.suggest_for_muscles, muscles, "muscle")
        for rule in therapy.withhold_when:
            register("therapies.yaml", f"therapy {therapy.id} rule {rule.id}", rule)
        for rule in therapy.self_care.not_chosen_when if therapy.self_care else ():
            register("therapies.yaml", f"therapy {therapy.id} self_care rule {rule.id}", rule)
        if therapy.kind == "self_care" and therapy.self_care is None:
            raise KnowledgeError(f"therapies.yaml: therapy {therapy.id}: field 'self_care': a self-care item needs patient wording")
    for rule in withholding:
        register("therapies.yaml", f"withholding {rule.id}", rule)
        require_known("therapies.yaml", f"withholding {rule.id}", "cautions", list(rule.cautions), WITHHELD_CLASSES, "class")
    for key in findings:
        if key not in case_kinds:
            raise KnowledgeError(f"findings.yaml: {key}: not a key of the case format")
    missing_labels = sorted(set(case_kinds) - set(findings))
    if missing_labels:
        raise KnowledgeError(f"findings.yaml: no label for {', '.join(missing_labels)}")
    if settings.possible_at >= settings.likely_at:
        raise KnowledgeError("settings.yaml: field 'possible_at' must be below 'likely_at'")

    return KnowledgeBase(
        settings=settings, form=form, sources=sources, findings=findings, field_labels=field_labels, origins=origins,
        red_flag_conditions=conditions, red_flag_rules=rf_rules, screening=screening, screens_for=screens_for,
        muscles=muscles, muscle_palpation=palpation, muscle_referral_map=referral_map, therapies=therapies, withholding=withholding,
        compiled=compiled, rule_keys=rule_keys,
    )
