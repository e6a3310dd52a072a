"""FHIR R4 form and answers: the case format as an SDC Questionnaire, a case as a QuestionnaireResponse
that fits it at every nesting level — validated by `fhir.resources` (R4B models).

The Questionnaire is the form definition (intake/knowledge/form.yaml: its sections and groups, one
item per answer, linkId = the case field's dotted path; free text such as the name is never sent),
so a question added to the form appears here with no edit. Omitted answers stay omitted: FHIR has no item for a question that was not asked, and a list
asked with nothing in it is the exclusive "None of these" option, never an absent item.
Bundles (referrals, observations, the letter) are built in `intake.fhir_bundle`.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, get_args

import yaml
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from pydantic import BaseModel

from intake.form import Slot
from intake.knowledge import KnowledgeBase, load_knowledge
from intake.models import Assessment, Case

__all__ = [
    "CASE_KEY_SYSTEM",
    "NONE_CODE",
    "QUESTIONNAIRE_URL",
    "SDC_QUESTIONNAIRE",
    "SDC_RESPONSE",
    "VISIT_DATE_EXTENSION",
    "Question",
    "answer_options",
    "answer_system",
    "canonical",
    "narrative",
    "parents",
    "questionnaire",
    "questionnaire_response",
    "questions",
    "terms",
]

QUESTIONNAIRE_URL = "urn:hip-intake:questionnaire:intake"
SDC_QUESTIONNAIRE = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire|3.0.0"
SDC_RESPONSE = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaireresponse|3.0.0"
CASE_KEY_SYSTEM = "urn:hip-intake:case-key"
# The day of the assessment (case format 2 `visit_date`): a fact about the visit, not an answer of the form.
VISIT_DATE_EXTENSION = "urn:hip-intake:visit-date"
NONE_CODE = "none"
_EXT = "http://hl7.org/fhir/StructureDefinition/"
SDC_ENABLE_WHEN_EXPRESSION = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression"
_OPERATORS = {"equals": "=", "at_least": ">=", "at_most": "<=", "above": ">", "below": "<"}  # FHIRPath


@lru_cache(maxsize=1)
def terms() -> dict:
    """Standard codes and units (`fhir_terms.yaml`): checked codes only, the rest as text."""
    return yaml.safe_load((Path(__file__).with_name("fhir_terms.yaml")).read_text(encoding="utf-8"))


def canonical(kb: KnowledgeBase | None = None) -> str:
    """The Questionnaire's versioned canonical, `url|version`, as a response names it."""
    return f"{QUESTIONNAIRE_URL}|{_version(kb or load_knowledge())}"


def _version(kb: KnowledgeBase) -> str:
    formats = "+".join(str(v) for v in get_args(Case.model_fields["case_format"].annotation))
    return f"case-format-{formats}.knowledge-{kb.settings.version}"


def answer_system(path: str) -> str:
    """The code system of one enumerated field's values (`urn:hip-intake:value:history.onset`)."""
    return f"urn:hip-intake:value:{path}"


def narrative(title: str, rows: list[tuple[str, str]] | None = None, lines: list[str] | None = None) -> dict:
    """A generated XHTML narrative: a heading, label/value rows and plain lines, all escaped."""
    parts = [f"<p><b>{html.escape(title)}</b></p>"]
    if rows:
        cells = "".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(v)}</td></tr>" for k, v in rows)
        parts.append(f"<table>{cells}</table>")
    parts += [f"<p>{html.escape(line)}</p>" for line in lines or []]
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{"".join(parts)}</div>'}


# ---------------------------------------------------------------- the questions, from the case models


class Question(BaseModel):
    """One answerable field of the case format, as the Questionnaire asks it."""

    path: str
    key: str
    text: str
    type: Literal["boolean", "integer", "decimal", "choice", "string", "date"]
    options: list[str] = []
    repeats: bool = False
    test: bool = False
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None


_TYPES = {"flag": "boolean", "test": "choice", "choice": "choice", "multi": "choice", "integer": "integer", "decimal": "decimal",
          "text": "string"}
# Free text stays in the app, except answers a receiving system can use (the patient's language, version 2);
# the patient's name never leaves.
_FREE_TEXT_OUT = frozenset({"patient.language"})


def _required(path: str) -> bool:
    """Whether the case format requires this answer (patient.age), read from the case models."""
    model: Any = Case
    parts = path.split(".")
    for n, part in enumerate(parts):
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            return False
        if n == len(parts) - 1:
            return field.is_required()
        model = field.annotation
    return False


def _text(kb: KnowledgeBase, slot: Slot) -> str:
    finding = kb.findings.get(slot.key)
    return (slot.question or (finding.question if finding else None) or slot.label or (finding.label if finding else None)
            or kb.field_labels.get(slot.key) or slot.key.replace("_", " ").capitalize())


def _question(kb: KnowledgeBase, slot: Slot) -> Question:
    return Question(path=slot.path, key=slot.key, text=_text(kb, slot), type=_TYPES[slot.kind], options=list(slot.choices),
                    repeats=slot.kind == "multi", test=slot.kind == "test", required=_required(slot.path),
                    minimum=slot.low, maximum=slot.high)


def _tree(kb: KnowledgeBase) -> list[tuple[str, str, list]]:
    """The form definition's sections and groups (intake/knowledge/form.yaml), free text left out but for
    `_FREE_TEXT_OUT`:
    [(section id, title, [(group linkId, title, [Question])])]."""
    out = []
    for section in kb.form.sections:
        groups = []
        for group in section.groups:
            asked = [_question(kb, slot) for slot in group.slots if slot.kind != "text" or slot.path in _FREE_TEXT_OUT]
            if asked:
                groups.append((f"{section.id}/{group.id}", group.title or section.title, asked))
        if groups:
            out.append((section.id, section.title, groups))
    return out


def questions(kb: KnowledgeBase | None = None) -> dict[str, Question]:
    """Every question by its linkId (the case path), in form order."""
    return {q.path: q for _, _, groups in _tree(kb or load_knowledge()) for _, _, asked in groups for q in asked}


def parents(kb: KnowledgeBase | None = None) -> dict[str, str]:
    """The group every item sits in, by linkId ("" for a section): answers must nest the same way."""
    out: dict[str, str] = {}
    for section, _, groups in _tree(kb or load_knowledge()):
        out[section] = ""
        for link, _, asked in groups:
            out[link] = section
            out |= {q.path: link for q in asked}
    return out


# ---------------------------------------------------------------- the Questionnaire


def _option_label(kb: KnowledgeBase, q: Question, value: str) -> str:
    key = f"{q.key}.{value}"
    if key not in kb.findings:
        return value.replace("_", " ").capitalize()
    words = kb.label(key).removeprefix("Pain site: ")  # the question already says it is a site
    return words[:1].upper() + words[1:]


def answer_options(q: Question, kb: KnowledgeBase) -> list[dict]:
    """The coded options of a choice question (test results as SNOMED CT qualifiers)."""
    if q.test:
        snomed = terms()["systems"]["snomed"]
        return [{"valueCoding": {"system": snomed, **terms()["test_results"][v]}} for v in q.options]
    options: list[dict[str, Any]] = [{"valueCoding": {"system": answer_system(q.path), "code": v, "display": _option_label(kb, q, v)}} for v in q.options]
    if q.repeats:
        options.append({"valueCoding": {"system": answer_system(q.path), "code": NONE_CODE, "display": "None of these (asked)"},
                        "extension": [{"url": _EXT + "questionnaire-optionExclusive", "valueBoolean": True}]})
    return options


def _enable_when(q: Question, kb: KnowledgeBase, by_key: dict[str, Question]) -> dict:
    """When a question the app may hide (a screening question's `ask_when`) is enabled, as SDC's
    `enableWhenExpression` (FHIRPath over the response).

    The app asks unless the condition is known to be false (an unanswered sex or age means ask), and
    keeps showing a question already answered (a "pregnant: yes" given at 56 still withholds
    needling). Plain `enableWhen` can say neither, and a filler such as LHC-Forms drops the answer of
    a disabled question, so a precaution would be lost. A condition outside the translatable part of
    the condition language is refused when the form is built, never approximated.
    """
    screening = kb.screening.get(q.key)
    if screening is None or screening.ask_when is None or not q.path.startswith("red_flags."):
        return {}
    spec = screening.ask_when
    parts = []
    for part in spec.get("all", [spec]):
        negate = "not" in part
        (op, arg), = (part["not"] if negate else part).items()
        (key, target), = arg.items()
        source = by_key.get(key)
        if source is None or op not in _OPERATORS or (negate and op != "equals"):
            raise ValueError(f"{q.path}: ask_when {part!r} has no exact FHIR form")
        value = _answer_of(source.path) + (".code" if source.type == "choice" else "")
        literal = f"'{target}'" if source.type == "choice" else str(target)
        operator = "!=" if negate else _OPERATORS[op]
        parts.append(f"({_answer_of(source.path)}.empty() or {value} {operator} {literal})")
    expression = f"{_answer_of(q.path)}.exists() or ({' and '.join(parts)})"
    return {"extension": [{"url": SDC_ENABLE_WHEN_EXPRESSION, "valueExpression": {
        "language": "text/fhirpath", "expression": expression,
        "description": "Asked unless known not to apply (for example a man, or outside the ages asked); kept once answered"}}]}


def _answer_of(path: str) -> str:
    return f"%resource.repeat(item).where(linkId='{path}').answer.value"


def _item(q: Question, kb: KnowledgeBase, by_key: dict[str, Question]) -> dict:
    codes = [{"system": CASE_KEY_SYSTEM, "code": q.path, "display": kb.label(q.key)}]
    if q.path in terms()["question_codes"]:
        standard = terms()["question_codes"][q.path]
        codes.insert(0, {"system": terms()["systems"][standard["system"]], "code": standard["code"], "display": standard["display"]})
    item: dict[str, Any] = {"linkId": q.path, "code": codes, "text": q.text, "type": q.type}
    if q.required:
        item["required"] = True
    if q.type == "choice":
        item["answerOption"] = answer_options(q, kb)
        if q.repeats:
            item["repeats"] = True
    extensions: list[dict[str, Any]] = []
    value = "valueInteger" if q.type == "integer" else "valueDecimal"
    if q.minimum is not None and q.type in ("integer", "decimal"):
        extensions.append({"url": _EXT + "minValue", value: q.minimum if q.type == "decimal" else int(q.minimum)})
    if q.maximum is not None and q.type in ("integer", "decimal"):
        extensions.append({"url": _EXT + "maxValue", value: q.maximum if q.type == "decimal" else int(q.maximum)})
    unit = terms()["units"].get(q.key)
    if unit and q.type in ("integer", "decimal"):
        extensions.append({"url": _EXT + "questionnaire-unit", "valueCoding": {"system": terms()["systems"]["ucum"], **unit}})
    extensions += _enable_when(q, kb, by_key).get("extension", [])
    if extensions:
        item["extension"] = extensions
    return item


def _group(link: str, title: str, children: list[dict]) -> dict:
    return {"linkId": link, "text": title, "type": "group", "item": children}


def questionnaire(kb: KnowledgeBase | None = None) -> Questionnaire:
    """The intake form (SDC): one item per field of the case format (linkId = the field's path)."""
    kb = kb or load_knowledge()
    all_questions = questions(kb)
    by_key = {q.key: q for q in all_questions.values() if not q.test}
    tree = _tree(kb)
    items = [_group(section, title, [_group(link, heading, [_item(q, kb, by_key) for q in asked]) for link, heading, asked in groups])
             for section, title, groups in tree]
    return Questionnaire.model_validate(
        {
            "resourceType": "Questionnaire",
            "id": "hip-region-pain-intake",
            "meta": {"profile": [SDC_QUESTIONNAIRE]},
            "text": narrative("Hip-region pain intake", lines=[
                f"{len(all_questions)} questions in {len(items)} sections: " + ", ".join(t for _, t, _ in tree) + ".",
                "A question left unanswered means it was not asked, never 'no'. A reasoning aid, not a diagnosis."]),
            "url": QUESTIONNAIRE_URL,
            "version": _version(kb),
            "name": "HipRegionPainIntake",
            "title": "Hip-region pain intake",
            "status": "active",
            "subjectType": ["Patient"],
            "item": items,
        }
    )


# ---------------------------------------------------------------- the answers


def answer(q: Question, value: Any, kb: KnowledgeBase) -> list[dict]:
    """One case value as the FHIR answers of its question (a list: none asked is the exclusive option)."""
    if q.type == "choice":
        options = dict(zip([*q.options, NONE_CODE], answer_options(q, kb), strict=False))
        values = (value or [NONE_CODE]) if q.repeats else [value]
        return [{"valueCoding": options[v]["valueCoding"]} for v in values]
    kind = {"boolean": "valueBoolean", "integer": "valueInteger", "decimal": "valueDecimal", "date": "valueDate"}.get(q.type, "valueString")
    return [{kind: value}]


def _value_at(data: dict, path: str) -> Any:
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def response_items(case: Case, kb: KnowledgeBase | None = None) -> list[dict]:
    """The answered items, nested and ordered exactly as the Questionnaire (never the name)."""
    kb = kb or load_knowledge()
    data = case.to_data()
    out = []
    for section, title, groups in _tree(kb):
        inner = []
        for link, heading, asked in groups:
            answered = [{"linkId": q.path, "text": q.text, "answer": answer(q, value, kb)}
                        for q in asked if (value := _value_at(data, q.path)) is not None]
            if answered:
                inner.append({"linkId": link, "text": heading, "item": answered})
        if inner:
            out.append({"linkId": section, "text": title, "item": inner})
    return out


def questionnaire_response(case: Case, assessment: Assessment | None = None, kb: KnowledgeBase | None = None, *,
                           subject: str | dict | None = None, authored: datetime | None = None,
                           author: dict | None = None, resource_id: str | None = None) -> QuestionnaireResponse:
    """The answers given, fitting the Questionnaire it names (`url|version`). Unasked questions have no item.

    `subject` is a Reference (or just how the patient is shown: a filed record's pseudonym); without it
    there is no subject. `authored` defaults to the case's visit date, else now (UTC, whole seconds).
    """
    kb = kb or load_knowledge()
    items = response_items(case, kb)
    when = authored.isoformat() if authored else case.visit_date.isoformat() if case.visit_date else \
        datetime.now(UTC).replace(microsecond=0).isoformat()
    answered = sum(1 for _ in _leaves(items))
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "meta": {"profile": [SDC_RESPONSE]},
        "text": narrative("Hip-region pain intake: answers", rows=[(i["text"], _shown(i)) for i in _leaves(items)],
                          lines=[f"{answered} questions answered; every other question was not asked."]),
        "questionnaire": canonical(kb),
        "status": "completed",
        "authored": when,
        "item": items,
    }
    if resource_id:
        resource["id"] = resource_id
    if case.visit_date:
        resource["extension"] = [{"url": VISIT_DATE_EXTENSION, "valueDate": case.visit_date.isoformat()}]
    if case.id:
        resource["identifier"] = {"system": "urn:hip-intake:case-id", "value": case.id}
    if subject:
        resource["subject"] = {"display": subject} if isinstance(subject, str) else subject
    if author:
        resource["author"] = author
    if assessment is not None:
        # Every red flag the reasoning raised, monitor-only ones included (they are not referrals,
        # so they have no ServiceRequest, but a receiving system must still see them).
        flags = [{"url": "urn:hip-intake:red-flag", "valueCoding": {"system": "urn:hip-intake:red-flag", "code": f.id,
                                                                    "display": f"{f.label} ({f.urgency})"}}
                 for f in assessment.red_flags]
        resource["extension"] = [*resource.get("extension", []), {"url": "urn:hip-intake:referral", "valueCode": assessment.referral}, {"url": "urn:hip-intake:knowledge-version", "valueString": assessment.knowledge_version}, {"url": "urn:hip-intake:differential-provisional", "valueBoolean": assessment.differential_provisional}, *flags]
    return QuestionnaireResponse.model_validate(resource)


def _leaves(items: list[dict]):
    for item in items:
        if "answer" in item:
            yield item
        yield from _leaves(item.get("item", []))


def _shown(item: dict) -> str:
    words = []
    for a in item["answer"]:
        (kind, value), = a.items()
        words.append(value.get("display", value.get("code")) if kind == "valueCoding"
                     else ("Yes" if value else "No") if kind == "valueBoolean" else str(value))
    return ", ".join(words)
