"""FHIR R4 for the outcome measures: a Questionnaire per measure (SDC calculatedExpression for a
score where FHIRPath can say it), a QuestionnaireResponse per completed measure, and one score
Observation per score (LOINC where the knowledge base records one), derived from that response,
with the change since the previous visit against the MCID as components. Validated by
fhir.resources (R4B models), like intake/fhir.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from intake.measures import Measure, ScoreRule, change, load_measures
from intake.models import Assessment, Case

__all__ = [
    "CALCULATED",
    "MEASURE_SYSTEM",
    "measure_questionnaire",
    "measure_resources",
    "questionnaire_url",
]

MEASURE_SYSTEM = "urn:hip-intake:outcome-measure-score"
CALCULATED = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
_NAMESPACE = uuid.UUID("0b7f3c1e-5d2a-4e6b-9f8c-7a1d2e3f4a5b")


def questionnaire_url(measure_id: str) -> str:
    return f"urn:hip-intake:questionnaire:measure:{measure_id}"


def _answers_of(ids: list[str]) -> str:
    links = " | ".join(f"'{i}'" for i in ids)
    return f"%resource.repeat(item).where(linkId in ({links})).answer.value"


def _expression(rule: ScoreRule, m: Measure) -> str | None:
    """FHIRPath for a score (item links as in the Questionnaire), or None where it cannot be said
    simply (a lookup table, a category, the patient's own activities); those are in the Observations."""
    ids = [i.id for i in m.items] if rule.items == "all" else rule.items if isinstance(rule.items, list) else None
    if not ids or any(m.item(i).reverse or m.item(i).recode for i in ids):
        return None
    answered = _answers_of(ids)
    total = f"{answered}.aggregate($this + $total, 0)"  # aggregate(): FHIRPath N1, which R4 uses (sum() is later)
    need = rule.min_answered or len(ids)

    def guarded(expr: str) -> str:  # too few answers -> empty: not scored, never guessed
        return f"iif({answered}.count() >= {need}, {expr}, {{}})"

    if rule.rule == "item":
        return f"{answered}.first()"
    if rule.rule == "sum":
        return guarded(total)
    if rule.rule == "mean":
        return guarded(f"({total} / {answered}.count()).round({rule.round or 0})")
    if rule.rule == "percent_of_maximum":
        top = max(m.item_range(i)[1] for i in ids)
        percent = f"{total} * 100 / ({answered}.count() * {top})"
        return guarded(f"({'100 - ' if rule.reverse else ''}{percent}).round({rule.round or 0})")
    return None


def measure_questionnaire(measure_id: str) -> Questionnaire:
    """One measure as a Questionnaire: integer items with their published code range, and each
    expressible score as a read-only calculated item. Item text is the project's short label."""
    ms = load_measures()
    m = ms.get(measure_id)
    items: list[dict[str, Any]] = []
    if m.items_from_activities is not None:
        for n in range(1, m.items_from_activities.most + 1):
            items.append({"linkId": f"activity-{n}", "text": f"Activity {n}", "type": "string"})
            items.append(_integer_item(m, str(n), f"Rating for activity {n}"))
    else:
        items = [_integer_item(m, item.id, item.label) for item in m.items]
    for rule in m.scores:
        calc = _expression(rule, m)
        item: dict[str, Any] = {"linkId": f"score-{rule.id}", "text": f"{m.short} {rule.label}", "readOnly": True,
                                "type": "string" if rule.rule == "category" else "decimal"}
        if calc:
            item["extension"] = [{"url": CALCULATED, "valueExpression": {"language": "text/fhirpath", "expression": calc}}]
        items.append(item)
    return Questionnaire.model_validate({
        "resourceType": "Questionnaire",
        "id": f"measure-{m.id.replace('_', '-')}",
        "url": questionnaire_url(m.id),
        "name": m.short.replace("-", "").replace(" ", "").replace(".", "").replace("Ö", "O"),
        "title": m.name,
        "status": "active",
        "subjectType": ["Patient"],
        "copyright": f"{m.licence.attribution} {m.licence.terms}",
        "description": f"{m.about} Missing answers: {m.missing_rule}",
        "item": items,
    })


def _integer_item(m: Measure, item_id: str, text: str) -> dict[str, Any]:
    lo, hi = m.item_range(item_id)
    return {"linkId": item_id, "text": text, "type": "integer",
            "extension": [{"url": MIN_VALUE, "valueInteger": lo}, {"url": MAX_VALUE, "valueInteger": hi}]}


def measure_resources(case: Case, assessment: Assessment, *, subject: str | None = None,
                      previous: Mapping[str, Mapping[str, Any]] | None = None) -> list[Any]:
    """For each completed measure: its QuestionnaireResponse and one Observation per score given.

    `previous` (measure -> scores at the patient's previous visit) adds the change and whether it
    passes the MCID to each score's Observation. The patient appears only as `subject` (a pseudonym).
    """
    ms = load_measures()
    out: list[Any] = []
    for n, (outcome, scored) in enumerate(zip(case.outcomes or [], assessment.outcomes, strict=False)):
        m = ms.get(outcome.measure)
        seed = f"{case.id or ''}:{n}:{outcome.measure}:{sorted(outcome.answers.items())}:{outcome.activities}:{scored.date}"
        qr_id = str(uuid.uuid5(_NAMESPACE, "qr:" + seed))
        items: list[dict[str, Any]] = []
        for item_id in m.item_ids(outcome.activities):
            if outcome.activities is not None:
                items.append({"linkId": f"activity-{item_id}", "answer": [{"valueString": outcome.activities[int(item_id) - 1]}]})
            if item_id in outcome.answers:  # an item not answered has no item: omitted is not asked
                items.append({"linkId": item_id, "answer": [{"valueInteger": outcome.answers[item_id]}]})
        qr: dict[str, Any] = {"resourceType": "QuestionnaireResponse", "id": qr_id, "questionnaire": questionnaire_url(m.id),
                              "status": "completed", "item": items}
        if scored.date:
            qr["authored"] = scored.date
        if subject:
            qr["subject"] = {"display": subject}
        if outcome.reported_by == "patient":
            qr["source"] = {"display": "the patient (pre-visit form)"}
        out.append(QuestionnaireResponse.model_validate(qr))
        before = (previous or {}).get(m.id) or {}
        changes = {c.score: c for c in change(m.id, before, scored.scores)} if before else {}
        for score_id, value in scored.scores.items():
            out.append(_observation(m, score_id, value, qr_id, scored, subject, changes.get(score_id), seed))
    return out


def _observation(m: Measure, score_id: str, value: Any, qr_id: str, scored, subject: str | None, moved, seed: str) -> Observation:
    rule = m.score_rule(score_id)
    codings = [{"system": MEASURE_SYSTEM, "code": f"{m.id}.{score_id}", "display": f"{m.short} {rule.label}"}]
    if score_id in m.loinc:
        codings.insert(0, {"system": "http://loinc.org", "code": m.loinc[score_id]})
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": str(uuid.uuid5(_NAMESPACE, f"obs:{seed}:{score_id}")),
        "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "survey"}]}],
        "code": {"coding": codings, "text": f"{m.short} {rule.label}"},
        "derivedFrom": [{"reference": f"urn:uuid:{qr_id}"}],
        "note": [{"text": scored.interpretation}],
    }
    if isinstance(value, str):
        resource["valueString"] = value
    else:
        resource["valueQuantity"] = {"value": value, "unit": rule.unit or "score"}
    if scored.date:
        resource["effectiveDateTime"] = scored.date
    if subject:
        resource["subject"] = {"display": subject}
    if moved is not None:
        resource["component"] = [
            {"code": {"text": "Change since the previous visit"}, "valueQuantity": {"value": moved.change, "unit": rule.unit or "score"}},
            {"code": {"text": "Minimal clinically important difference"},
             **({"valueQuantity": {"value": moved.mcid, "unit": rule.unit or "score"}} if moved.mcid is not None
                else {"valueString": "none recorded"})},
            {"code": {"text": "Change against the MCID"}, "valueString": moved.verdict.replace("_", " ")},
        ]
        resource["note"].append({"text": moved.text})
    return Observation.model_validate(resource)
