"""The form definition (intake/knowledge/form.yaml): one place for which questions exist and where.

The load-time check (every model field in exactly one slot, every slot a model field), and the
issue's promise: a new yes/no history question is two edits (the model field and one form entry)
and then shows, in the same group and order, on the wizard, in the PDF findings and in the FHIR
Questionnaire.
"""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest
import yaml
from pydantic import Field, StrictBool
from test_app_support import answers_of, goto, new_app

from intake.fhir import questionnaire
from intake.form import default_form, model_answers
from intake.knowledge import KNOWLEDGE_DIR, KnowledgeError, load_knowledge
from intake.models import Case, History
from reports.content import case_findings

NEW = "history.uses_walking_aid"
NEW_LABEL = "Uses a walking aid"
NEW_QUESTION = "Does the patient use a stick, crutch or frame?"


class HistoryWithAid(History):
    uses_walking_aid: StrictBool | None = None


class CaseWithAid(Case):
    history: HistoryWithAid = Field(default_factory=HistoryWithAid)


def _knowledge_copy(tmp_path: Path, edit) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, target)
    form = yaml.safe_load((target / "form.yaml").read_text(encoding="utf-8"))
    edit(form)
    (target / "form.yaml").write_text(yaml.safe_dump(form, sort_keys=False), encoding="utf-8")
    return target


def _group(form: dict, section: str, group: str) -> list:
    (s,) = [s for s in form["sections"] if s["id"] == section]
    (g,) = [g for g in s["groups"] if g["id"] == group]
    return g["fields"]


def _add_question(form: dict) -> None:
    fields = _group(form, "history", "symptoms")
    fields.insert(fields.index("history.limp") + 1, {"key": NEW, "label": NEW_LABEL, "question": NEW_QUESTION})


@pytest.fixture
def aid_kb(tmp_path):
    return load_knowledge(_knowledge_copy(tmp_path, _add_question), CaseWithAid)


def test_every_model_answer_has_exactly_one_slot():
    form = default_form()
    assert [s.path for s in form.slots if s.path in model_answers()] == [s.path for s in form.slots]
    assert sorted(s.path for s in form.slots) == sorted(model_answers())


def test_kinds_come_from_the_models():
    form = default_form()
    assert form.slot("history.limp").kind == "flag"
    assert form.slot("exam.tests.faber").kind == "test"
    assert form.slot("history.duration_weeks").kind == "decimal"
    assert (form.slot("patient.age").kind, form.slot("patient.age").low, form.slot("patient.age").high) == ("integer", 0, 120)
    assert form.slot("history.onset").choices == ("gradual", "sudden", "after_trauma")
    assert form.slot("history.pain_sites").kind == "multi"
    assert form.slot("patient.name").kind == "text"


def test_a_model_field_without_a_slot_is_refused_at_load(tmp_path):
    with pytest.raises(KnowledgeError, match=r"no slot for history\.uses_walking_aid"):
        load_knowledge(KNOWLEDGE_DIR, CaseWithAid)


def test_a_slot_that_is_no_model_field_is_refused_at_load(tmp_path):
    with pytest.raises(KnowledgeError, match=r"section history, group symptoms: 'history\.uses_walking_aid' is not a field"):
        load_knowledge(_knowledge_copy(tmp_path, _add_question))


def test_a_field_in_two_slots_is_refused_at_load(tmp_path):
    def twice(form):
        _group(form, "hip", "hip_tests").append("exam.tests.slr")

    with pytest.raises(KnowledgeError, match=r"'exam\.tests\.slr' is already placed in section hip, group hip_tests"):
        load_knowledge(_knowledge_copy(tmp_path, twice))


def test_a_question_labelled_twice_is_refused(tmp_path):
    def relabel(form):
        fields = _group(form, "history", "symptoms")
        fields[fields.index("history.limp")] = {"key": "history.limp", "label": "Limp again"}

    with pytest.raises(KnowledgeError, match=r"labelled both here and in findings\.yaml"):
        load_knowledge(_knowledge_copy(tmp_path, relabel))


def test_a_precaution_outside_its_group_is_refused(tmp_path):
    def move(form):
        _group(form, "red_flags", "precautions").remove("red_flags.pregnant")
        _group(form, "red_flags", "screening").append("red_flags.pregnant")

    with pytest.raises(KnowledgeError, match=r"red_flags\.pregnant: a precaution"):
        load_knowledge(_knowledge_copy(tmp_path, move))


def test_a_new_question_is_a_fact_with_its_label(aid_kb):
    assert aid_kb.form.fact_kinds["uses_walking_aid"] == "bool"
    assert aid_kb.label("uses_walking_aid") == NEW_LABEL
    assert aid_kb.findings["uses_walking_aid"].question == NEW_QUESTION


def test_a_new_question_sits_after_limp_in_the_pdf_findings(aid_kb):
    case = CaseWithAid.model_validate({"case_format": 1, "patient": {"age": 70}, "history": {"limp": True, "uses_walking_aid": True}})
    groups = {g.title: g for g in case_findings(case, aid_kb)}
    labels = [r.label for r in groups["Pain history"].rows]
    assert labels[labels.index("Limp") + 1] == NEW_LABEL
    row = groups["Pain history"].rows[labels.index(NEW_LABEL)]
    assert (row.value, row.state) == ("present", "positive")
    unasked = {g.title: g for g in case_findings(CaseWithAid.model_validate({"case_format": 1, "patient": {"age": 70}}), aid_kb)}
    assert unasked["Pain history"].rows[labels.index(NEW_LABEL)].state == "not_asked"


def test_a_new_question_sits_after_limp_in_the_fhir_questionnaire(aid_kb):
    q = questionnaire(aid_kb).model_dump(mode="json")
    (history,) = [s for s in q["item"] if s["linkId"] == "history"]
    (symptoms,) = [g for g in history["item"] if g["linkId"] == "history/symptoms"]
    links = [i["linkId"] for i in symptoms["item"]]
    assert links[links.index("history.limp") + 1] == NEW
    new = symptoms["item"][links.index(NEW)]
    assert {k: new[k] for k in ("linkId", "text", "type")} == {"linkId": NEW, "text": NEW_QUESTION, "type": "boolean"}


def test_a_new_question_sits_after_limp_on_the_wizard(aid_kb, monkeypatch):
    import intake.ui.fields

    # Patch what fields.kb() reads, not kb itself: modules bind `kb` by name when first imported.
    monkeypatch.setattr(intake.ui.fields, "load_knowledge", lambda: aid_kb)
    at = goto(new_app(answers=answers_of("example-01-hip-osteoarthritis.yaml")), "history")
    assert not at.exception
    keys = _reading_order(at, "w:history.limp")
    assert keys[keys.index("w:history.limp") + 1] == "w:" + NEW
    assert keys == ["w:" + s.path for s in aid_kb.form.group("history", "symptoms").slots]
    assert at.segmented_control(key="w:" + NEW).label == NEW_QUESTION
    assert at.segmented_control(key="w:" + NEW).value == "unasked"


def _reading_order(at, first_key: str) -> list[str]:
    """The questions of the two-column block that starts with `first_key`, row by row as read."""
    columns = [[w.key for w in c.segmented_control] for c in at.columns]
    start = next(n for n, keys in enumerate(columns) if keys and keys[0] == first_key)
    left, right = columns[start], columns[start + 1]
    return [k for pair in itertools.zip_longest(left, right) for k in pair if k]


@pytest.mark.parametrize("section", [s.id for s in default_form().sections if s.id != "patient"])
def test_pdf_findings_follow_the_form_sections(section, kb):
    case = Case.model_validate({"case_format": 1, "patient": {"age": 40}})
    groups = {g.title: g for g in case_findings(case, kb)}
    form_section = kb.form.section(section)
    labels = [r.label for r in groups[form_section.title].rows]
    expected = [s.label or kb.field_labels[s.key] if s.kind == "multi" else kb.label(s.key) for s in form_section.slots]
    assert labels == expected


def test_fhir_questionnaire_follows_the_form_order(kb):
    q = questionnaire(kb).model_dump(mode="json")
    links = [i["linkId"] for s in q["item"] for g in s["item"] for i in g["item"]]
    # Free text stays out, except the patient's language (version 2), which a receiving system can use.
    assert links == [s.path for s in kb.form.slots if s.kind != "text" or s.path == "patient.language"]


def test_practice_exam_list_is_the_forms_examination():
    from intake.practice import EXAM_KEYS

    assert EXAM_KEYS[:5] == ("hip_internal_rotation_deg", "hip_flexion_deg", "neuro_deficit", "neuro_deficit_level", "tender_muscles")
    assert set(EXAM_KEYS[5:]) == {f"tender_muscles.{m}" for m in default_form().slot("exam.tender_muscles").choices}
