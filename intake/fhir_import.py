"""FHIR back in: a QuestionnaireResponse for the intake Questionnaire (from this app, LHC-Forms, Smart
Forms or another system) becomes the same case.

Every item is checked against the Questionnaire it answers: an unknown linkId, an answer of the wrong
type, a code that is not one of the item's options, several answers to a question that takes one, or
an answer the case format refuses. All problems are collected and reported together, each naming
the item (its linkId, which is the case field's path), and nothing is half-loaded.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeGuard, get_args

from intake.fhir import NONE_CODE, QUESTIONNAIRE_URL, VISIT_DATE_EXTENSION, Question, answer_options, parents, questions
from intake.knowledge import KnowledgeBase, load_knowledge
from intake.loader import CaseError, Problem, validate_case
from intake.models import Case

__all__ = ["FhirResponseError", "case_data_from_response", "case_from_response", "is_questionnaire_response"]

_VALUE_KEYS = {"boolean": "valueBoolean", "integer": "valueInteger", "decimal": "valueDecimal", "date": "valueDate",
               "string": "valueString", "choice": "valueCoding"}


class FhirResponseError(CaseError):
    """A QuestionnaireResponse that cannot become a case; `problems` names each item at fault."""

    def __init__(self, problems: list[Problem], source: str | None = None):
        super().__init__(problems, source)
        head = f"{source}: " if source else ""
        lines = [f"{head}not a QuestionnaireResponse this intake form can read"] + [f"  - {p}" for p in problems]
        ValueError.__init__(self, "\n".join(lines))


def is_questionnaire_response(data: Any) -> TypeGuard[Mapping[str, Any]]:
    return isinstance(data, Mapping) and data.get("resourceType") == "QuestionnaireResponse"


def case_from_response(response: Mapping | str, kb: KnowledgeBase | None = None, source: str | None = None) -> Case:
    """The case a QuestionnaireResponse describes (validated like any case file)."""
    data = case_data_from_response(response, kb, source)
    formats = get_args(Case.model_fields["case_format"].annotation)
    last: CaseError | None = None
    for version in formats:  # the lowest case format that holds every answer
        try:
            return validate_case(data | {"case_format": version}, source)
        except CaseError as exc:
            last = exc
    assert last is not None
    raise FhirResponseError(last.problems, source)


def case_data_from_response(response: Mapping | str, kb: KnowledgeBase | None = None, source: str | None = None) -> dict:
    """The case mapping (without `case_format`); raises FhirResponseError naming every bad item."""
    if isinstance(response, str):
        try:
            response = json.loads(response)
        except json.JSONDecodeError as exc:
            raise FhirResponseError([Problem("", f"not JSON: {exc.msg} at line {exc.lineno}")], source) from None
    if not is_questionnaire_response(response):
        kind = response.get("resourceType") if isinstance(response, Mapping) else type(response).__name__
        raise FhirResponseError([Problem("resourceType", f"expected QuestionnaireResponse, got {kind!r}")], source)
    kb = kb or load_knowledge()
    problems: list[Problem] = []
    named = str(response.get("questionnaire") or "")
    if named and named.split("|", 1)[0] != QUESTIONNAIRE_URL:
        problems.append(Problem("questionnaire", f"answers {named!r}, not this intake form ({QUESTIONNAIRE_URL})"))
    if response.get("status") not in ("completed", "amended", "in-progress", None):
        problems.append(Problem("status", f"a {response.get('status')!r} response is not answers to read"))
    by_link = questions(kb)
    data: dict[str, Any] = {}
    _read_items(response.get("item") or [], "", by_link, parents(kb), kb, data, problems)
    identifier = response.get("identifier") or {}
    if isinstance(identifier, Mapping) and identifier.get("system") == "urn:hip-intake:case-id" and identifier.get("value"):
        data["id"] = identifier["value"]
    for extension in response.get("extension") or []:
        if isinstance(extension, Mapping) and extension.get("url") == VISIT_DATE_EXTENSION:
            data["visit_date"] = extension.get("valueDate")  # checked by the case model like any visit date
    if problems:
        raise FhirResponseError(problems, source)
    return data


def _read_items(items: Any, parent: str, by_link: dict[str, Question], where: dict[str, str], kb: KnowledgeBase,
                data: dict, problems: list) -> None:
    if not isinstance(items, list):
        problems.append(Problem(parent or "item", "item must be a list"))
        return
    for item in items:
        link = str(item.get("linkId", "")) if isinstance(item, Mapping) else ""
        if not link:
            problems.append(Problem(parent or "item", "an item without a linkId"))
            continue
        if link not in where:
            problems.append(Problem(link, "no such question in this intake form"))
            continue
        if where[link] != parent:
            problems.append(Problem(link, f"sits under {parent or 'the top'}, but the Questionnaire has it under "
                                          f"{where[link] or 'the top'}: the answers do not fit the form"))
            continue
        question = by_link.get(link)
        if question is None:  # a group
            if item.get("answer"):
                problems.append(Problem(link, "is a group and takes no answer"))
            _read_items(item.get("item") or [], link, by_link, where, kb, data, problems)
            continue
        if item.get("item"):
            problems.append(Problem(link, "a question here has no nested items"))
        value = _value(question, item.get("answer") or [], kb, problems)
        if value is not None:
            _put(data, link, value)


def _value(q: Question, answers: Any, kb: KnowledgeBase, problems: list) -> Any:
    if not isinstance(answers, list):
        problems.append(Problem(q.path, "answer must be a list"))
        return None
    if not answers:
        return None  # an item without an answer: not asked
    if len(answers) > 1 and not q.repeats:
        problems.append(Problem(q.path, f"takes one answer, got {len(answers)}"))
        return None
    wanted = _VALUE_KEYS[q.type]
    values = []
    for answer in answers:
        given = [k for k in answer if k.startswith("value")] if isinstance(answer, Mapping) else []
        if given != [wanted]:
            problems.append(Problem(q.path, f"expected an answer of {wanted}, got {', '.join(given) or 'no value'}"))
            return None
        values.append(answer[wanted])
    if q.type != "choice":
        return values[0]
    codes = []
    for coding in values:
        code = _option_code(q, coding, kb)
        if code is None:
            shown = coding.get("display") or coding.get("code") if isinstance(coding, Mapping) else coding
            problems.append(Problem(q.path, f"{shown!r} is not one of the options"))
            return None
        codes.append(code)
    if not q.repeats:
        return codes[0]
    if NONE_CODE in codes:
        if len(codes) > 1:
            problems.append(Problem(q.path, "'None of these' cannot be chosen with other options"))
            return None
        return []  # asked, and none applies
    return codes


def _option_code(q: Question, coding: Any, kb: KnowledgeBase) -> str | None:
    """The case value of a coding: matched on code (and system, when the coding gives one)."""
    if not isinstance(coding, Mapping):
        return None
    for value, option in zip([*q.options, NONE_CODE], answer_options(q, kb), strict=False):
        known = option["valueCoding"]
        if coding.get("code") == known["code"] and coding.get("system", known["system"]) == known["system"]:
            return value
    return None


def _put(data: dict, path: str, value: Any) -> None:
    *parents, key = path.split(".")
    for part in parents:
        data = data.setdefault(part, {})
    data[key] = value
