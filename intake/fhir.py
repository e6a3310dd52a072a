"""FHIR R4 export: the form as a Questionnaire, a case as a QuestionnaireResponse, referrals as
ServiceRequests, and a collection Bundle of them — validated by `fhir.resources` (R4B models).

Identifiers are derived from the case content (uuid5), so the same case exports the same bytes.
Omitted answers stay omitted: FHIR has no item for a question that was not asked.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir.resources.R4B.servicerequest import ServiceRequest

from intake.form import Slot, default_form
from intake.knowledge import KnowledgeBase, load_knowledge
from intake.models import Assessment, Case

__all__ = ["PRIORITY", "QUESTIONNAIRE_URL", "bundle", "questionnaire", "questionnaire_response", "service_requests"]

QUESTIONNAIRE_URL = "urn:hip-intake:questionnaire:case-format-v1"
PRIORITY = {"emergency": "stat", "urgent": "urgent", "routine": "routine"}
_NAMESPACE = uuid.UUID("6f1c2d4e-8a3b-5c7d-9e0f-1a2b3c4d5e6f")
_DECIMALS = frozenset(s.key for s in default_form().slots if s.kind == "decimal")
_TYPES = {"flag": "boolean", "test": "choice", "choice": "choice", "multi": "choice", "integer": "integer", "decimal": "decimal",
          "text": "string"}
# Free-text answers that leave in FHIR (the patient's language); the name never does.
_STRINGS = frozenset(s.key for s in default_form().slots if s.kind == "text" and s.path != "patient.name")


def _label(kb: KnowledgeBase, key: str) -> str:
    finding = kb.findings.get(key)
    if finding is None:
        return key.replace("_", " ")
    return finding.question or finding.label


def _question(kb: KnowledgeBase, slot: Slot) -> dict:
    item: dict[str, Any] = {"linkId": slot.path, "text": _label(kb, slot.key), "type": _TYPES[slot.kind]}
    if slot.kind in ("test", "choice", "multi"):
        item["answerOption"] = [{"valueCoding": {"code": c, "display": kb.label(f"{slot.key}.{c}") if f"{slot.key}.{c}" in kb.findings else c}}
                                for c in slot.choices]
    if slot.kind in ("choice", "multi"):
        item["repeats"] = slot.kind == "multi"
    return item


def questionnaire(kb: KnowledgeBase | None = None) -> Questionnaire:
    """The intake form, one item per answer of the case format (linkId = the field's path), in the
    form's sections and groups and order (intake/knowledge/form.yaml); free text is not exported."""
    kb = kb or load_knowledge()
    items = []
    for section in kb.form.sections:
        groups = []
        for group in section.groups:
            questions = [_question(kb, slot) for slot in group.slots if slot.kind != "text" or slot.key in _STRINGS]
            if questions:
                groups.append({"linkId": f"{section.id}/{group.id}", "text": group.title or section.title, "type": "group",
                               "item": questions})
        items.append({"linkId": section.id, "text": section.title, "type": "group", "item": groups})
    return Questionnaire.model_validate(
        {
            "resourceType": "Questionnaire",
            "url": QUESTIONNAIRE_URL,
            "version": f"case-format-2/knowledge-{kb.settings.version}",
            "name": "HipRegionPainIntake",
            "title": "Hip-region pain intake (case format version 2)",
            "status": "active",
            "subjectType": ["Patient"],
            "item": items,
        }
    )


def _answer(value: Any, key: str) -> list[dict]:
    if isinstance(value, list):
        return [{"valueCoding": {"code": v}} for v in value]
    if isinstance(value, bool):
        return [{"valueBoolean": value}]
    if key in _DECIMALS:  # a whole number of weeks is still a decimal answer
        return [{"valueDecimal": value}]
    if key in _STRINGS:
        return [{"valueString": value}]
    if isinstance(value, int):
        return [{"valueInteger": value}]
    return [{"valueCoding": {"code": value}}]


def questionnaire_response(case: Case, assessment: Assessment | None = None, kb: KnowledgeBase | None = None, *,
                           subject: str | None = None) -> QuestionnaireResponse:
    """The answers given (never the name: it is for the PDF only). Unasked questions have no item.

    `subject` is how the patient is shown (a filed record's pseudonym); without it there is no subject.
    """
    kb = kb or load_knowledge()
    data = case.to_data()
    data.get("patient", {}).pop("name", None)
    sections = []
    for section in ("patient", "history", "red_flags", "exam"):
        values = dict(data.get(section, {}))
        tests = values.pop("tests", {}) if section == "exam" else {}
        answered = [{"linkId": f"{section}.{k}", "text": _label(kb, k), "answer": _answer(v, k)} for k, v in values.items() if v != []]
        answered += [{"linkId": f"exam.tests.{k}", "text": _label(kb, k), "answer": [{"valueCoding": {"code": v}}]} for k, v in tests.items()]
        if answered:
            sections.append({"linkId": section, "item": answered})
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": _id(case, "response"),
        "questionnaire": QUESTIONNAIRE_URL,
        "status": "completed",
        "item": sections,
    }
    if case.id:
        resource["identifier"] = {"system": "urn:hip-intake:case-id", "value": case.id}
    if case.visit_date:
        resource["authored"] = case.visit_date.isoformat()
    if subject:
        resource["subject"] = {"display": subject}
    if assessment is not None:
        # Every red flag the reasoning raised, monitor-only ones included (they are not referrals,
        # so they have no ServiceRequest, but a receiving system must still see them).
        flags = [{"url": "urn:hip-intake:red-flag", "valueCoding": {"system": "urn:hip-intake:red-flag", "code": f.id,
                                                                    "display": f"{f.label} ({f.urgency})"}}
                 for f in assessment.red_flags]
        resource["extension"] = [
            {"url": "urn:hip-intake:referral", "valueCode": assessment.referral},
            {"url": "urn:hip-intake:knowledge-version", "valueString": assessment.knowledge_version},
            {"url": "urn:hip-intake:differential-provisional", "valueBoolean": assessment.differential_provisional},
            *flags,
        ]
    return QuestionnaireResponse.model_validate(resource)


def service_requests(case: Case, assessment: Assessment, kb: KnowledgeBase | None = None, *,
                     subject: str | None = None) -> list[ServiceRequest]:
    """One referral per red-flag condition that needs one (monitor-only flags are not referrals).

    The subject is shown as `subject` (a filed record's pseudonym), else the case id, else "Patient".
    """
    kb = kb or load_knowledge()
    requests = []
    for flag in assessment.red_flags:
        if flag.urgency not in PRIORITY:
            continue
        findings = "; ".join(kb.label(k) for k in flag.findings)
        requests.append(
            ServiceRequest.model_validate(
                {
                    "resourceType": "ServiceRequest",
                    "id": _id(case, f"referral-{flag.id}"),
                    "status": "active",
                    "intent": "order",
                    "priority": PRIORITY[flag.urgency],
                    "category": [{"text": "Referral"}],
                    "code": {"text": flag.refer_to},
                    "subject": {"display": subject or case.id or "Patient"},
                    "reasonCode": [{"coding": [{"system": "urn:hip-intake:red-flag", "code": flag.id, "display": flag.label}], "text": flag.label}],
                    "note": [
                        {"text": f"Findings: {findings}."},
                        {"text": flag.note},
                        {"text": f"Sources: {'; '.join(flag.citations)}. {assessment.disclaimer}"},
                    ],
                }
            )
        )
    return requests


def bundle(case: Case, assessment: Assessment, kb: KnowledgeBase | None = None, *, subject: str | None = None) -> Bundle:
    """A collection Bundle: the QuestionnaireResponse and any ServiceRequest. `subject` names the
    patient by pseudonym (a filed record); the name never goes into FHIR."""
    kb = kb or load_knowledge()
    resources = [questionnaire_response(case, assessment, kb, subject=subject),
                 *service_requests(case, assessment, kb, subject=subject)]
    return Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "id": _id(case, "bundle"),
            "type": "collection",
            "entry": [{"fullUrl": f"urn:uuid:{r.id}", "resource": r.model_dump(mode="json", exclude_none=True)} for r in resources],
        }
    )


def _id(case: Case, what: str) -> str:
    digest = hashlib.sha256(json.dumps(case.to_data(), sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return str(uuid.uuid5(_NAMESPACE, f"{what}:{digest}"))
