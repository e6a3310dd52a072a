"""FHIR R4 form and answers: the case format as an SDC Questionnaire, a case as a QuestionnaireResponse
that fits it at every nesting level — validated by `fhir.resources` (R4B models).

The Questionnaire is derived from the case models (one item per field, linkId = the field's dotted
path, nested groups where the case nests), so a field added to the case format appears here with no
edit. Omitted answers stay omitted: FHIR has no item for a question that was not asked, and a list
asked with nothing in it is the exclusive "None of these" option, never an absent item.
Bundles (referrals, observations, the letter) are built in `intake.fhir_bundle`.
"""

from __future__ import annotations

import html
import types
import typing
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import yaml
from annotated_types import Ge, Le
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from pydantic import BaseModel

from intake.knowledge import KnowledgeBase, load_knowledge
from intake.models import Assessment, Case

__all__ = [
    "CASE_KEY_SYSTEM",
    "QUESTIONNAIRE_URL",
    "SDC_QUESTIONNAIRE",
    "SDC_RESPONSE",
    "Question",
    "answer_system",
    "canonical",
    "narrative",
    "questionnaire",
    "questionnaire_response",
    "questions",
    "terms",
]

QUESTIONNAIRE_URL = "urn:hip-intake:questionnaire:intake"
SDC_QUESTIONNAIRE = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire|3.0.0"
SDC_RESPONSE = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaireresponse|3.0.0"
CASE_KEY_SYSTEM = "urn:hip-intake:case-key"
NONE_CODE = "none"
_EXT = "http://hl7.org/fhir/StructureDefinition/"
SDC_ENABLE_WHEN_EXPRESSION = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression"
#: The case sections asked on the form, in the order of the wizard.
SECTIONS = {"patient": "Patient", "history": "History", "red_flags": "Red-flag screen", "exam": "Examination"}
#: Fields that never leave in FHIR (the name is for the PDF only; identified referrals add a Patient).
PRIVATE = {"patient.name"}
_GROUP_TITLES = {"exam.tests": "Examination tests"}
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


def _unwrap(annotation: Any) -> tuple[Any, list]:
    """The type inside `X | None` and `Annotated[...]`, with the Annotated metadata."""
    metadata: list = []
    while True:
        origin = get_origin(annotation)
        if origin is typing.Annotated:
            annotation, *more = get_args(annotation)
            metadata += more
        elif origin in (typing.Union, types.UnionType):
            inner = [a for a in get_args(annotation) if a is not type(None)]
            if len(inner) != 1:
                return annotation, metadata
            annotation = inner[0]
        else:
            return annotation, metadata


def _bounds(field, metadata: list) -> tuple[float | None, float | None]:
    lo = hi = None
    flat = []
    for m in [*field.metadata, *metadata]:
        flat += [m, *getattr(m, "metadata", [])]  # Field(...) inside Annotated keeps its bounds in .metadata
    for m in flat:
        lo = getattr(m, "ge", lo) if isinstance(m, Ge) else lo
        hi = getattr(m, "le", hi) if isinstance(m, Le) else hi
    return lo, hi


def _label(kb: KnowledgeBase, key: str) -> str:
    finding = kb.findings.get(key)
    if finding is None:
        return kb.field_labels.get(key) or key.replace("_", " ").capitalize()
    return finding.question or finding.label


def _walk(model: type[BaseModel], prefix: str, kb: KnowledgeBase, test: bool = False) -> list[Question | tuple]:
    out: list[Question | tuple] = []
    for key, field in model.model_fields.items():
        path = f"{prefix}.{key}"
        if path in PRIVATE:
            continue
        inner, metadata = _unwrap(field.annotation)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            out.append((path, _GROUP_TITLES.get(path, key.replace("_", " ").capitalize()),
                        _walk(inner, path, kb, test=key == "tests")))
            continue
        lo, hi = _bounds(field, metadata)
        common = {"path": path, "key": key, "text": _label(kb, key), "required": field.is_required(), "minimum": lo, "maximum": hi}
        if get_origin(inner) is list:
            out.append(Question(**common, type="choice", options=list(get_args(_unwrap(get_args(inner)[0])[0])), repeats=True))
        elif get_origin(inner) is Literal:
            values = [str(v) for v in get_args(inner)]
            out.append(Question(**common, type="choice", options=values, test=test))
        elif inner is bool:
            out.append(Question(**common, type="boolean"))
        elif inner is int:
            out.append(Question(**common, type="integer"))
        elif inner is float:
            out.append(Question(**common, type="decimal"))
        elif inner is date:
            out.append(Question(**common, type="date"))
        else:
            out.append(Question(**common, type="string"))
    return out


def _tree(kb: KnowledgeBase) -> tuple:
    return tuple((s, title, _walk(Case.model_fields[s].annotation, s, kb)) for s, title in SECTIONS.items()
                 if s in Case.model_fields)


def questions(kb: KnowledgeBase | None = None) -> dict[str, Question]:
    """Every question by its linkId (the case path), in form order."""
    out: dict[str, Question] = {}

    def visit(nodes):
        for node in nodes:
            if isinstance(node, Question):
                out[node.path] = node
            else:
                visit(node[2])

    for _, _, nodes in _tree(kb or load_knowledge()):
        visit(nodes)
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
    options = [{"valueCoding": {"system": answer_system(q.path), "code": v, "display": _option_label(kb, q, v)}} for v in q.options]
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
    extensions = []
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


def _group(path: str, title: str, nodes: list, kb: KnowledgeBase, by_key: dict[str, Question]) -> dict:
    children = [_item(n, kb, by_key) if isinstance(n, Question) else _group(*n, kb, by_key) for n in nodes]
    return {"linkId": path, "text": title, "type": "group", "item": children}


def questionnaire(kb: KnowledgeBase | None = None) -> Questionnaire:
    """The intake form (SDC): one item per field of the case format (linkId = the field's path)."""
    kb = kb or load_knowledge()
    all_questions = questions(kb)
    by_key = {q.key: q for q in all_questions.values() if not q.test}
    items = [_group(s, title, nodes, kb, by_key) for s, title, nodes in _tree(kb)]
    return Questionnaire.model_validate(
        {
            "resourceType": "Questionnaire",
            "id": "hip-region-pain-intake",
            "meta": {"profile": [SDC_QUESTIONNAIRE]},
            "text": narrative("Hip-region pain intake", lines=[
                f"{len(all_questions)} questions in {len(items)} sections: " + ", ".join(t for _, t, _ in _tree(kb)) + ".",
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


def _answered(nodes: list, data: dict, kb: KnowledgeBase) -> list[dict]:
    items = []
    for node in nodes:
        if isinstance(node, Question):
            value = data.get(node.key)
            if value is not None:
                items.append({"linkId": node.path, "text": node.text, "answer": answer(node, value, kb)})
        else:
            path, title, children = node
            inner = _answered(children, data.get(path.rsplit(".", 1)[-1]) or {}, kb)
            if inner:
                items.append({"linkId": path, "text": title, "item": inner})
    return items


def response_items(case: Case, kb: KnowledgeBase | None = None) -> list[dict]:
    """The answered items, nested and ordered exactly as the Questionnaire (never the name)."""
    kb = kb or load_knowledge()
    data = case.to_data()
    out = []
    for section, title, nodes in _tree(kb):
        inner = _answered(nodes, data.get(section) or {}, kb)
        if inner:
            out.append({"linkId": section, "text": title, "item": inner})
    return out


def questionnaire_response(case: Case, assessment: Assessment | None = None, kb: KnowledgeBase | None = None, *,
                           subject: str | dict | None = None, authored: datetime | None = None,
                           author: dict | None = None, resource_id: str | None = None) -> QuestionnaireResponse:
    """The answers given, fitting the Questionnaire it names (`url|version`). Unasked questions have no item.

    `subject` is a Reference (or just how the patient is shown: a filed record's pseudonym); without it
    there is no subject. `authored` defaults to now (UTC, whole seconds).
    """
    kb = kb or load_knowledge()
    items = response_items(case, kb)
    authored = authored or datetime.now(UTC).replace(microsecond=0)
    answered = sum(1 for _ in _leaves(items))
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "meta": {"profile": [SDC_RESPONSE]},
        "text": narrative("Hip-region pain intake: answers", rows=[(i["text"], _shown(i)) for i in _leaves(items)],
                          lines=[f"{answered} questions answered; every other question was not asked."]),
        "questionnaire": canonical(kb),
        "status": "completed",
        "authored": authored.isoformat(),
        "item": items,
    }
    if resource_id:
        resource["id"] = resource_id
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
        resource["extension"] = [
            {"url": "urn:hip-intake:referral", "valueCode": assessment.referral},
            {"url": "urn:hip-intake:knowledge-version", "valueString": assessment.knowledge_version},
            *flags,
        ]
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
