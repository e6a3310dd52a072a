"""FHIR R4 Bundles of one assessment that a receiving system can take in: `collection`, `document`
(a Composition first) or `transaction` (conditional creates, so resending creates nothing new).

What goes in: the clinic (Organization), the practitioner and their role there (the requester), the
answers (QuestionnaireResponse), the referral letter PDF (DocumentReference), every raised red flag
and every present red-flag answer and positive test as coded Observations, the differential as a
ClinicalImpression (provisional, with each origin's probability band) and one ServiceRequest per red
flag that needs a referral. Identifiers are uuid5 of the content, so the same case makes the same
identifiers and a resent transaction matches what is already there (`ifNoneExist`). The patient is
pseudonymous (a display and the record's pseudonym), never named, unless the caller passes an
identified `Patient` (the clinic's "identified referrals" setting).
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.servicerequest import ServiceRequest

from intake.fhir import CASE_KEY_SYSTEM, narrative, questionnaire_response, terms
from intake.knowledge import KnowledgeBase, load_knowledge
from intake.models import Assessment, Case
from intake.policy.visit import DECIDES_THE_VISIT, decided_by_referral

__all__ = ["BUNDLE_TYPES", "PRIORITY", "IdentifiedPatient", "Sender", "bundle", "letter_case", "sender_from_branding",
           "service_requests"]

PRIORITY = {"emergency": "stat", "urgent": "urgent", "routine": "routine"}
BUNDLE_TYPES = ("collection", "transaction", "document")
URI = "urn:ietf:rfc:3986"  # identifier system for a globally unique urn:uuid value
PSEUDONYM_SYSTEM = "urn:hip-intake:pseudonym"
RED_FLAG_SYSTEM = "urn:hip-intake:red-flag"
ORIGIN_SYSTEM = "urn:hip-intake:origin"
URGENCY_SYSTEM = "urn:hip-intake:urgency"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
_NAMESPACE = uuid.UUID("6f1c2d4e-8a3b-5c7d-9e0f-1a2b3c4d5e6f")
_URGENCY_WORDS = {"emergency": "Emergency referral", "urgent": "Urgent referral", "routine": "Routine referral",
                  "monitor": "Monitor (not a referral)"}


@dataclass(frozen=True)
class Sender:
    """Who sends the referral: the clinic and the practitioner (from clinic settings or the record)."""

    clinic: str = "Physiotherapy clinic"
    practitioner: str | None = None
    registration: str | None = None
    address: tuple[str, ...] = ()
    phone: str | None = None
    email: str | None = None


def letter_case(case: Case, patient: IdentifiedPatient | None = None) -> Case:
    """The case the letter PDF in the bundle is printed from: without the name unless the referral is identified."""
    if patient is not None or case.patient.name is None:
        return case
    return case.model_copy(update={"patient": case.patient.model_copy(update={"name": None})})


def sender_from_branding(branding: Any, practitioner: str | None = None, clinic: str | None = None) -> Sender:
    """The sender as the clinic configuration (`reports.Branding`) names it; `clinic` overrides its name."""
    return Sender(clinic=clinic or branding.name, practitioner=practitioner or branding.practitioner,
                  registration=branding.registration if not practitioner else None, address=tuple(branding.address),
                  phone=branding.phone, email=branding.email)


@dataclass(frozen=True)
class IdentifiedPatient:
    """A named patient, only for clinics that switched on identified referrals (audited)."""

    identifier: str
    name: str
    birth_date: str | None = None
    identifier_system: str = PSEUDONYM_SYSTEM


def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, ":".join(parts)))


def _digest(case: Case) -> str:
    return hashlib.sha256(json.dumps(case.to_data(), sort_keys=True, ensure_ascii=False).encode()).hexdigest()


class _Refs:
    """Stable ids and identifiers for one assessment's resources; references between them by urn:uuid."""

    def __init__(self, case: Case, sender: Sender):
        self.digest = _digest(case)
        self.sender = sender
        self.fixed: dict[str, str] = {}  # resources made elsewhere with ids of their own (outcome measures)

    def id(self, what: str) -> str:
        if what in self.fixed:
            return self.fixed[what]
        if what == "organization":
            return _uuid("organization", self.sender.clinic)
        if what == "practitioner":
            return _uuid("practitioner", self.sender.clinic, self.sender.registration or self.sender.practitioner or "")
        if what == "role":
            return _uuid("role", self.id("organization"), self.id("practitioner"))
        return _uuid(what, self.digest)

    def ref(self, what: str, display: str | None = None) -> dict:
        out = {"reference": f"urn:uuid:{self.id(what)}"}
        return out | ({"display": display} if display else {})

    def identifier(self, what: str) -> dict:
        # Not the fullUrl: a server rewrites urn:uuid references in a transaction, and must not touch this.
        return {"system": URI, "value": f"urn:uuid:{_uuid('identifier', self.id(what))}"}


def _subject(case: Case, pseudonym: str | None, patient: IdentifiedPatient | None, refs: _Refs) -> dict:
    if patient is not None:
        return refs.ref("patient", patient.name)
    if pseudonym:
        return {"identifier": {"system": PSEUDONYM_SYSTEM, "value": pseudonym}, "display": pseudonym}
    return {"display": case.id or "Patient"}


def _who(refs: _Refs) -> list[tuple[str, dict]]:
    s = refs.sender
    organization: dict[str, Any] = {
        "resourceType": "Organization", "identifier": [refs.identifier("organization")], "active": True, "name": s.clinic,
        "text": narrative(s.clinic, lines=[*s.address, *(x for x in (s.phone, s.email) if x)]),
    }
    if s.address:
        organization["address"] = [{"line": list(s.address), "text": ", ".join(s.address)}]
    telecom = [{"system": "phone", "value": s.phone}] if s.phone else []
    telecom += [{"system": "email", "value": s.email}] if s.email else []
    if telecom:
        organization["telecom"] = telecom
    name = s.practitioner or "Practitioner (name not configured)"
    practitioner: dict[str, Any] = {"resourceType": "Practitioner", "identifier": [refs.identifier("practitioner")],
                                    "name": [{"text": name}], "text": narrative(name, lines=[s.registration or ""])}
    if s.registration:
        practitioner["qualification"] = [{"code": {"text": s.registration}}]
    role: dict[str, Any] = {"resourceType": "PractitionerRole", "identifier": [refs.identifier("role")], "active": True,
            "practitioner": refs.ref("practitioner", name), "organization": refs.ref("organization", s.clinic),
            "code": [{"text": "Physiotherapist"}], "text": narrative(f"{name}, physiotherapist at {s.clinic}")}
    return [("organization", organization), ("practitioner", practitioner), ("role", role)]


def _patient(patient: IdentifiedPatient, refs: _Refs) -> dict:
    resource = {"resourceType": "Patient", "identifier": [{"system": patient.identifier_system, "value": patient.identifier}],
                "name": [{"text": patient.name}], "text": narrative(patient.name, rows=[("Identifier", patient.identifier)]
                                                                     + ([("Born", patient.birth_date)] if patient.birth_date else []))}
    if patient.birth_date:
        resource["birthDate"] = patient.birth_date
    return resource


def _observations(case: Case, assessment: Assessment, kb: KnowledgeBase, refs: _Refs, subject: dict, when: str) -> list:
    """Present red-flag answers and positive tests, then one Observation per raised red flag."""
    out = []
    snomed = terms()["systems"]["snomed"]
    data = case.to_data()
    present: list[tuple[str, str, dict[str, Any], str]] = [(f"red_flags.{k}", k, {"valueBoolean": True}, "survey") for k, v in data.get("red_flags", {}).items() if v is True]
    positive = terms()["test_results"]["positive"]
    present += [(f"exam.tests.{k}", k, {"valueCodeableConcept": {"coding": [{"system": snomed, **positive}], "text": "Positive"}}, "exam")
                for k, v in data.get("exam", {}).get("tests", {}).items() if v == "positive"]
    finding_refs: dict[str, dict] = {}
    for path, key, value, category in present:
        label = kb.label(key)
        what = f"finding-{path}"
        finding_refs[key] = refs.ref(what, label)
        out.append((what, {
            "resourceType": "Observation", "identifier": [refs.identifier(what)], "status": "final",
            "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": category}]}],
            "code": {"coding": [{"system": CASE_KEY_SYSTEM, "code": path, "display": label}], "text": label},
            "subject": subject, "effectiveDateTime": when, "performer": [refs.ref("role")],
            "derivedFrom": [refs.ref("response")], **value,
            "text": narrative(f"{label}: {'present' if category == 'survey' else 'positive'}"),
        }))
    for flag in assessment.red_flags:
        what = f"red-flag-{flag.id}"
        findings = "; ".join(kb.label(k) for k in flag.findings)
        out.append((what, {
            "resourceType": "Observation", "identifier": [refs.identifier(what)], "status": "final",
            "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey"}], "text": "Red flag"}],
            "code": _red_flag_concept(flag.id, flag.label),
            "subject": subject, "effectiveDateTime": when, "performer": [refs.ref("role")],
            "valueCodeableConcept": {"coding": [{"system": URGENCY_SYSTEM, "code": flag.urgency, "display": _URGENCY_WORDS[flag.urgency]}],
                                     "text": _URGENCY_WORDS[flag.urgency]},
            "derivedFrom": [refs.ref("response"), *(finding_refs[k] for k in flag.findings if k in finding_refs)],
            "note": [{"text": f"Findings: {findings}."}, {"text": flag.note}, {"text": f"Refer to: {flag.refer_to}."},
                     {"text": f"Sources: {'; '.join(flag.citations)}."}],
            "text": narrative(f"Red flag: {flag.label} ({_URGENCY_WORDS[flag.urgency].lower()})",
                              lines=[f"Findings: {findings}.", flag.note, f"Refer to: {flag.refer_to}.",
                                     f"Sources: {'; '.join(flag.citations)}."]),
        }))
    return out


def _red_flag_concept(condition: str, label: str) -> dict:
    """The project's red-flag code, with the SNOMED CT disorder where a checked one exists."""
    coding = [{"system": RED_FLAG_SYSTEM, "code": condition, "display": label}]
    standard = terms()["red_flags"].get(condition)
    if standard:
        coding.insert(0, {"system": terms()["systems"]["snomed"], **standard})
    return {"coding": coding, "text": label}


def _impression(assessment: Assessment, refs: _Refs, subject: dict, when: str) -> dict:
    heading = (f"Provisional differential: {DECIDES_THE_VISIT}; the musculoskeletal origins below are provisional, never "
               "reassurance." if decided_by_referral(assessment) else "Differential of the source of pain (provisional).")
    findings = []
    rows = []
    for origin in assessment.origins:
        band = f"{origin.likelihood} ({origin.probability:.0%})"
        reasons = "; ".join(f"{'+' if r.direction == 'for' else '-'} {r.summary} [{'; '.join(r.citations)}]" for r in origin.because)
        findings.append({"itemCodeableConcept": {"coding": [{"system": ORIGIN_SYSTEM, "code": origin.id, "display": origin.label}],
                                                 "text": f"{origin.label}: {band}, provisional"},
                         "basis": reasons or "No finding moved this origin."})
        rows.append((origin.label, band))
    return {
        "resourceType": "ClinicalImpression", "identifier": [refs.identifier("impression")], "status": "completed",
        "code": {"text": "Hip-region pain: source of pain"},
        "description": heading, "subject": subject, "effectiveDateTime": when, "date": when, "assessor": refs.ref("practitioner"),
        "summary": f"{heading} {assessment.disclaimer}",
        "finding": findings,
        "supportingInfo": [refs.ref("response"), *(refs.ref(f"red-flag-{f.id}", f.label) for f in assessment.red_flags)],
        "note": [{"text": assessment.disclaimer}, {"text": f"Knowledge base version {assessment.knowledge_version}."}],
        "text": narrative("Differential (most likely first)", rows=rows, lines=[heading, assessment.disclaimer]),
    }


def _letter(letter: bytes, refs: _Refs, subject: dict, when: str) -> dict:
    return {
        "resourceType": "DocumentReference", "identifier": [refs.identifier("letter")], "status": "current",
        "type": {"text": "Referral letter"}, "subject": subject, "date": when, "author": [refs.ref("role")],
        "custodian": refs.ref("organization"), "description": "Referral letter and clinician summary (PDF)",
        "content": [{"attachment": {"contentType": "application/pdf", "data": base64.b64encode(letter).decode("ascii"),
                                    "size": len(letter), "hash": base64.b64encode(hashlib.sha1(letter).digest()).decode("ascii"),  # noqa: S324 - FHIR's attachment hash is SHA-1
                                    "title": "Referral letter (PDF)", "creation": when}}],
        "text": narrative("Referral letter (PDF)", lines=[f"{len(letter):,} bytes, made {when}."]),
    }


def _requests(case: Case, assessment: Assessment, kb: KnowledgeBase, refs: _Refs, subject: dict, when: str,
              *, letter: bool) -> list:
    out = []
    category = {"coding": [{"system": terms()["systems"]["snomed"], **terms()["referral_category"]}], "text": "Referral"}
    for flag in assessment.red_flags:
        if flag.urgency not in PRIORITY:
            continue
        what = f"referral-{flag.id}"
        findings = "; ".join(kb.label(k) for k in flag.findings)
        supporting = [refs.ref("response", "Intake answers"), refs.ref("impression", "Differential")]
        if letter:
            supporting.insert(1, refs.ref("letter", "Referral letter (PDF)"))
        out.append((what, {
            "resourceType": "ServiceRequest", "identifier": [refs.identifier(what)], "status": "active", "intent": "order",
            "priority": PRIORITY[flag.urgency], "category": [category], "code": {"text": flag.refer_to},
            "subject": subject, "authoredOn": when, "requester": refs.ref("role", refs.sender.practitioner),
            "reasonCode": [_red_flag_concept(flag.id, flag.label)],
            "reasonReference": [refs.ref(f"red-flag-{flag.id}", flag.label)],
            "supportingInfo": supporting,
            "note": [{"text": f"Findings: {findings}."}, {"text": flag.note},
                     {"text": f"Sources: {'; '.join(flag.citations)}. {assessment.disclaimer}"}],
            "text": narrative(f"{_URGENCY_WORDS[flag.urgency]}: {flag.refer_to}",
                              lines=[f"Reason: {flag.label}.", f"Findings: {findings}.",
                                     flag.note, assessment.disclaimer]),
        }))
    return out


def service_requests(case: Case, assessment: Assessment, kb: KnowledgeBase | None = None, *, subject: str | None = None,
                     sender: Sender | None = None, authored: datetime | None = None) -> list[ServiceRequest]:
    """One referral per red-flag condition that needs one (monitor-only flags are not referrals)."""
    kb = kb or load_knowledge()
    refs = _Refs(case, sender or Sender())
    when = (authored or datetime.now(UTC).replace(microsecond=0)).isoformat()
    return [ServiceRequest.model_validate(r) for _, r in
            _requests(case, assessment, kb, refs, _subject(case, subject, None, refs), when, letter=False)]


def bundle(case: Case, assessment: Assessment, kb: KnowledgeBase | None = None, *,
           kind: Literal["collection", "transaction", "document"] = "collection", subject: str | None = None,
           sender: Sender | None = None, letter: bytes | None = None, authored: datetime | None = None,
           patient: IdentifiedPatient | None = None, previous_outcomes: Mapping[str, Mapping[str, Any]] | None = None) -> Bundle:
    """The assessment as one Bundle. `subject` is the record's pseudonym (never the name); `letter` the
    referral-letter PDF (a DocumentReference when given); `patient` only for identified referrals;
    `previous_outcomes` (measure -> scores at the previous visit) adds each score's change against its MCID."""
    if kind not in BUNDLE_TYPES:
        raise ValueError(f"bundle type must be one of {', '.join(BUNDLE_TYPES)}, got {kind!r}")
    kb = kb or load_knowledge()
    sender = sender or Sender()
    refs = _Refs(case, sender)
    moment = authored or datetime.now(UTC).replace(microsecond=0)
    when = moment.isoformat()
    who = _subject(case, subject, patient, refs)
    response = questionnaire_response(case, assessment, kb, subject=who, authored=moment, author=refs.ref("role")).model_dump(
        mode="json", exclude_none=True)
    response["identifier"] = refs.identifier("response") if not case.id else response["identifier"]
    entries: list[tuple[str, dict]] = _who(refs)
    if patient is not None:
        entries.append(("patient", _patient(patient, refs)))
    entries.append(("response", response))
    if letter is not None:
        entries.append(("letter", _letter(letter, refs, who, when)))
    entries += _observations(case, assessment, kb, refs, who, when)
    entries += _measures(case, assessment, refs, who, previous_outcomes)
    entries.append(("impression", _impression(assessment, refs, who, when)))
    entries += _requests(case, assessment, kb, refs, who, when, letter=letter is not None)
    if kind == "document":
        entries.insert(0, ("composition", _composition(entries, assessment, refs, who, when)))
    resources = []
    for what, resource in entries:
        if kind != "transaction":
            resource = {"resourceType": resource["resourceType"], "id": refs.id(what)} | resource
        entry: dict[str, Any] = {"fullUrl": f"urn:uuid:{refs.id(what)}", "resource": resource}
        if kind == "transaction":
            entry["request"] = {"method": "POST", "url": resource["resourceType"], "ifNoneExist": _search(resource)}
        resources.append(entry)
    data: dict[str, Any] = {"resourceType": "Bundle", "id": refs.id(f"bundle-{kind}"), "type": kind, "entry": resources}
    if kind == "document":
        data |= {"identifier": refs.identifier("document"), "timestamp": when}
    return Bundle.model_validate(data)


def _measures(case: Case, assessment: Assessment, refs: _Refs, subject: dict,
              previous: Mapping[str, Mapping[str, Any]] | None) -> list[tuple[str, dict]]:
    """Each completed outcome measure's QuestionnaireResponse and score Observations (intake.fhir_measures),
    under the bundle's subject, with an identifier so a transaction creates each once."""
    from intake.fhir_measures import measure_resources

    out: list[tuple[str, dict]] = []
    for made in measure_resources(case, assessment, previous=previous):
        resource = made.model_dump(mode="json", exclude_none=True)
        what = f"measure-{resource.pop('id')}"
        refs.fixed[what] = what.removeprefix("measure-")
        resource["subject"] = subject
        identifier = refs.identifier(what)
        resource.setdefault("identifier", identifier if resource["resourceType"] == "QuestionnaireResponse" else [identifier])
        out.append((what, resource))
    return out


def _search(resource: dict) -> str:
    """`ifNoneExist`: the resource's stable identifier as a FHIR token search (`identifier=system|value`)."""
    identifier = resource["identifier"]
    identifier = identifier[0] if isinstance(identifier, list) else identifier
    return f"identifier={identifier['system']}|{identifier['value']}"


def _composition(entries: list[tuple[str, dict]], assessment: Assessment, refs: _Refs, subject: dict, when: str) -> dict:
    def section(title: str, kinds: tuple[str, ...]) -> dict | None:
        chosen = [(w, r) for w, r in entries if r["resourceType"] in kinds]
        if not chosen:
            return None
        return {"title": title, "entry": [refs.ref(w) for w, _ in chosen],
                "text": narrative(title, lines=[_line(r) for _, r in chosen])}

    sections = [s for s in (
        section("Referrals", ("ServiceRequest",)),
        section("Red flags and positive findings", ("Observation",)),
        section("Differential", ("ClinicalImpression",)),
        section("Answers", ("QuestionnaireResponse",)),
        section("Referral letter", ("DocumentReference",)),
    ) if s]
    if not any(r["resourceType"] == "ServiceRequest" for _, r in entries):
        sections.insert(0, {"title": "Referrals", "text": narrative("Referrals", lines=[assessment.red_flag_note]),
                            "emptyReason": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/list-empty-reason",
                                                        "code": "nilknown"}], "text": "No referral needed"}})
    return {"resourceType": "Composition", "identifier": refs.identifier("composition"), "status": "final",
            "type": {"text": "Physiotherapy assessment and referral"}, "subject": subject, "date": when,
            "author": [refs.ref("role")], "custodian": refs.ref("organization"),
            "title": "Hip-region pain assessment", "section": sections,
            "text": narrative("Hip-region pain assessment", lines=[f"Referral: {assessment.referral}.", assessment.disclaimer])}


def _line(resource: dict) -> str:
    kind = resource["resourceType"]
    if kind == "ServiceRequest":
        return f"{resource['priority']}: {resource['code']['text']}"
    if kind == "Observation":
        value = resource.get("valueCodeableConcept", {}).get("text") or "present"
        return f"{resource['code']['text']}: {value}"
    if kind == "ClinicalImpression":
        return resource["description"]
    if kind == "DocumentReference":
        return "Referral letter (PDF)"
    return kind
