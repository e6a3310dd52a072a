"""FHIR R4: the SDC Questionnaire, responses that fit it at every level, bundles a server can take in,
and FHIR back in (validated by fhir.resources R4B; the independent checks are in test_fhir_tools.py)."""

from __future__ import annotations

import base64
import io
import json
import re
import subprocess
import sys
from datetime import UTC, datetime

import pytest
import yaml
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from pypdf import PdfReader

from intake import assess, load_case
from intake.fhir import QUESTIONNAIRE_URL, canonical, questionnaire, questionnaire_response
from intake.fhir_bundle import IdentifiedPatient, Sender, bundle, service_requests
from intake.fhir_import import FhirResponseError, case_from_response
from intake.knowledge import load_knowledge
from intake.models import RED_FLAG_KEYS, TESTS, Case
from tests.conftest import LIBRARY_CASES, ROOT, SHARED_CASES

CASES = sorted(SHARED_CASES.glob("*.yaml")) + sorted(LIBRARY_CASES.glob("*.yaml"))
WHEN = datetime(2026, 11, 30, 9, 15, tzinfo=UTC)
SENDER = Sender(clinic="Riverside Physio", practitioner="Alice Moreau", registration="HCPC PH123456",
                address=("12 Mill Lane", "Riverside"), phone="01234 567890")
KINDS = ("collection", "transaction", "document")


def q_json() -> dict:
    return questionnaire().model_dump(mode="json", exclude_none=True)


def q_items(items: list[dict], parent: str = "") -> dict[str, tuple[str, dict]]:
    """Every Questionnaire item by linkId, with the linkId of the group it sits in."""
    out = {}
    for item in items:
        out[item["linkId"]] = (parent, item)
        out |= q_items(item.get("item", []), item["linkId"])
    return out


def leaves(items: list[dict]) -> dict[str, dict]:
    out = {}
    for item in items:
        if "answer" in item:
            out[item["linkId"]] = item
        out |= leaves(item.get("item", []))
    return out


def walk_against(response: dict, form: dict) -> list[str]:
    """Every QuestionnaireResponse item checked against the Questionnaire it names; the misfits."""
    known = q_items(form["item"])
    problems = []

    def visit(items: list[dict], parent: str, siblings_order: list[str]) -> None:
        seen = [i["linkId"] for i in items]
        if seen != [s for s in siblings_order if s in seen]:
            problems.append(f"{parent or 'root'}: items out of the Questionnaire's order")
        for item in items:
            link = item["linkId"]
            if link not in known:
                problems.append(f"{link}: not in the Questionnaire")
                continue
            where, definition = known[link]
            if where != parent:
                problems.append(f"{link}: under {parent or 'root'}, but the Questionnaire has it under {where or 'root'}")
            if item.get("text") != definition.get("text"):
                problems.append(f"{link}: text differs from the Questionnaire")
            if definition["type"] == "group":
                if "answer" in item:
                    problems.append(f"{link}: a group with an answer")
                visit(item.get("item", []), link, [c["linkId"] for c in definition.get("item", [])])
                continue
            answers = item.get("answer", [])
            if not answers:
                problems.append(f"{link}: an item with no answer")
            if len(answers) > 1 and not definition.get("repeats"):
                problems.append(f"{link}: several answers to a question that takes one")
            kind = {"boolean": "valueBoolean", "integer": "valueInteger", "decimal": "valueDecimal", "choice": "valueCoding",
                    "string": "valueString", "date": "valueDate"}[definition["type"]]
            for a in answers:
                if list(a) != [kind]:
                    problems.append(f"{link}: answer {list(a)} for a {definition['type']} question")
                elif kind == "valueCoding":
                    options = [(o["valueCoding"]["system"], o["valueCoding"]["code"]) for o in definition["answerOption"]]
                    if (a[kind].get("system"), a[kind]["code"]) not in options:
                        problems.append(f"{link}: {a[kind]} is not an answerOption")
                elif kind in ("valueInteger", "valueDecimal"):
                    limits = {e["url"].rsplit("/", 1)[-1]: next(v for k, v in e.items() if k.startswith("value"))
                              for e in definition.get("extension", []) if e["url"].endswith(("minValue", "maxValue"))}
                    if not limits.get("minValue", -1e9) <= a[kind] <= limits.get("maxValue", 1e9):
                        problems.append(f"{link}: {a[kind]} outside {limits}")

    visit(response["item"], "", [i["linkId"] for i in form["item"]])
    return problems


# ---------------------------------------------------------------- the Questionnaire


def test_questionnaire_is_sdc_versioned_nested_and_asks_every_field():
    form = q_json()
    Questionnaire.model_validate(form)
    assert form["meta"]["profile"] == ["http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire|3.0.0"]
    assert canonical() == f"{form['url']}|{form['version']}" and form["url"] == QUESTIONNAIRE_URL
    known = q_items(form["item"])
    form_slots = [slot for slot in load_knowledge().form.slots if slot.kind != "text" or slot.path == "patient.language"]
    assert [link for link, (_, i) in known.items() if i["type"] != "group"] == [slot.path for slot in form_slots]
    for slot in form_slots:  # each question in its form section and group, as on the wizard
        assert known[slot.path][0] == f"{slot.section}/{slot.group}" and known[f"{slot.section}/{slot.group}"][0] == slot.section
    assert {f"red_flags.{k}" for k in RED_FLAG_KEYS} | {f"exam.tests.{t}" for t in TESTS} <= set(known)
    assert "patient.name" not in known
    for link, (_, item) in known.items():
        assert item["text"] and "_" not in item["text"], link  # readable labels, never raw keys
        if item["type"] != "group":
            assert {"system": "urn:hip-intake:case-key", "code": link} == {k: item["code"][-1][k] for k in ("system", "code")}
    assert known["history.pain_sites"][1]["repeats"] is True
    assert known["patient.age"][1]["required"] is True
    assert [o["valueCoding"]["code"] for o in known["exam.tests.faber"][1]["answerOption"]] == ["10828004", "260385009"]
    assert known["history.pain_now"][1]["code"][0] == {"system": "http://loinc.org", "code": "72514-3",
                                                        "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported"}


def test_ranges_and_units_follow_the_case_format():
    known = q_items(q_json()["item"])

    def ext(link: str, name: str):
        return next((e for e in known[link][1].get("extension", []) if e["url"].endswith(name)), None)

    assert ext("patient.age", "minValue")["valueInteger"] == 0 and ext("patient.age", "maxValue")["valueInteger"] == 120
    assert ext("history.pain_worst", "maxValue")["valueInteger"] == 10
    assert ext("exam.hip_flexion_deg", "maxValue")["valueInteger"] == 160
    assert ext("history.duration_weeks", "minValue")["valueDecimal"] == 0 and ext("history.duration_weeks", "maxValue") is None
    assert ext("exam.hip_internal_rotation_deg", "questionnaire-unit")["valueCoding"]["code"] == "deg"
    assert ext("patient.age", "questionnaire-unit")["valueCoding"] == {"system": "http://unitsofmeasure.org", "code": "a", "display": "years"}


def test_pregnancy_is_asked_only_where_the_app_asks_it_and_kept_once_answered():
    known = q_items(q_json()["item"])
    (rule,) = [e for e in known["red_flags.pregnant"][1]["extension"] if e["url"].endswith("enableWhenExpression")]
    assert rule["valueExpression"]["language"] == "text/fhirpath"
    expression = rule["valueExpression"]["expression"]
    answered = "%resource.repeat(item).where(linkId='red_flags.pregnant').answer.value.exists()"
    assert expression.startswith(answered + " or (")  # an answer given is never hidden (and so never dropped)
    assert "where(linkId='patient.sex').answer.value.empty() or" in expression  # sex not given: ask
    assert ".code != 'male'" in expression and "answer.value >= 12" in expression and "answer.value <= 55" in expression
    hidden = [link for link, (_, i) in known.items() if "enableWhen" in i or any("enableWhen" in e["url"] for e in i.get("extension", []))]
    kb = load_knowledge()
    asked_when = [q for q in known if q.startswith("red_flags.") and (s := kb.screening.get(q.split(".")[1])) and s.ask_when]
    assert "red_flags.pregnant" in hidden and hidden == asked_when  # exactly the questions the app may hide


def test_a_list_asked_with_nothing_in_it_is_the_exclusive_none_option_not_an_absent_item():
    case = load_case({"case_format": 1, "patient": {"age": 40}, "history": {"pain_sites": [], "aggravated_by": ["walking"]}})
    answers = leaves(questionnaire_response(case, authored=WHEN).model_dump(mode="json", exclude_none=True)["item"])
    assert [a["valueCoding"]["code"] for a in answers["history.pain_sites"]["answer"]] == ["none"]
    option = next(o for o in q_items(q_json()["item"])["history.pain_sites"][1]["answerOption"] if o["valueCoding"]["code"] == "none")
    assert option["extension"] == [{"url": "http://hl7.org/fhir/StructureDefinition/questionnaire-optionExclusive", "valueBoolean": True}]
    back = case_from_response(questionnaire_response(case, authored=WHEN).model_dump(mode="json", exclude_none=True))
    assert back.history.pain_sites == [] and back.history.aggravated_by == ["walking"] and back.history.limp is None


# ---------------------------------------------------------------- answers that fit, for every example


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_every_response_fits_its_questionnaire_and_round_trips(path):
    case = load_case(path)
    assessment = assess(case)
    data = json.loads(bundle(case, assessment, authored=WHEN).model_dump_json(exclude_none=True))
    response = next(e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "QuestionnaireResponse")
    QuestionnaireResponse.model_validate(response)
    assert response["questionnaire"] == canonical() and response["authored"] == "2026-11-30T09:15:00Z"
    assert walk_against(response, q_json()) == []
    answers = leaves(response["item"])
    for key, value in case.red_flags.model_dump().items():
        if value is None:
            assert f"red_flags.{key}" not in answers  # not asked stays not asked
        else:
            assert answers[f"red_flags.{key}"]["answer"] == [{"valueBoolean": value}]
    back = case_from_response(response)
    assert assess(back).model_dump() == assessment.model_dump()
    expected = case.to_data()
    for private in ("title", "notes"):
        expected.pop(private, None)
    expected["patient"].pop("name", None)
    assert back.to_data() == expected


# ---------------------------------------------------------------- bundles


def resources(data: dict) -> list[dict]:
    return [e["resource"] for e in data["entry"]]


def make(case: Case, kind: str = "collection", **kw) -> dict:
    text = bundle(case, assess(case), kind=kind, sender=SENDER, letter=kw.pop("letter", b"%PDF-1.4 letter"), authored=WHEN,
                  **kw).model_dump_json(exclude_none=True)
    Bundle.model_validate_json(text)
    return json.loads(text)


def by_url(data: dict) -> dict[str, dict]:
    return {e["fullUrl"]: e["resource"] for e in data["entry"]}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", ["example-10-cauda-equina-syndrome", "example-01-hip-osteoarthritis"])
def test_every_reference_resolves_and_every_resource_has_a_readable_narrative(kind, name):
    data = make(load_case(SHARED_CASES / f"{name}.yaml"), kind)
    assert data["type"] == kind
    urls = by_url(data)
    text = json.dumps(data)
    for ref in re.findall(r'"reference": "([^"]+)"', text):
        assert ref in urls, ref
    keys = set(RED_FLAG_KEYS) | set(TESTS)
    for resource in resources(data):
        div = resource["text"]["div"]
        assert resource["text"]["status"] == "generated" and div.startswith('<div xmlns="http://www.w3.org/1999/xhtml">')
        assert not keys & set(re.findall(r"[a-z]+(?:_[a-z0-9]+)+", div)), (resource["resourceType"], div)
    if kind == "document":
        first = data["entry"][0]["resource"]
        assert first["resourceType"] == "Composition" and data["identifier"] and data["timestamp"]
        assert {s["title"] for s in first["section"]} >= {"Referrals", "Differential", "Answers"}


def test_the_referral_names_its_requester_answers_letter_reason_and_red_flags():
    case = load_case(SHARED_CASES / "example-10-cauda-equina-syndrome.yaml")
    data = make(case, "transaction", subject="P-7KQ2M9XD")
    urls = by_url(data)
    (request,) = [r for r in resources(data) if r["resourceType"] == "ServiceRequest"]
    assert request["priority"] == "stat" and request["authoredOn"] == "2026-11-30T09:15:00Z"
    assert request["identifier"][0]["system"] == "urn:ietf:rfc:3986" and request["identifier"][0]["value"].startswith("urn:uuid:")
    role = urls[request["requester"]["reference"]]
    assert role["resourceType"] == "PractitionerRole"
    assert urls[role["organization"]["reference"]]["name"] == "Riverside Physio"
    assert urls[role["practitioner"]["reference"]]["name"] == [{"text": "Alice Moreau"}]
    supporting = {urls[r["reference"]]["resourceType"] for r in request["supportingInfo"]}
    assert supporting == {"QuestionnaireResponse", "DocumentReference", "ClinicalImpression"}
    letter = next(urls[r["reference"]] for r in request["supportingInfo"] if urls[r["reference"]]["resourceType"] == "DocumentReference")
    assert base64.b64decode(letter["content"][0]["attachment"]["data"]) == b"%PDF-1.4 letter"
    assert request["reasonCode"][0]["coding"][0] == {"system": "http://snomed.info/sct", "code": "192970008", "display": "Cauda equina syndrome"}
    flag = urls[request["reasonReference"][0]["reference"]]
    assert flag["resourceType"] == "Observation" and flag["code"]["coding"][0]["code"] == "192970008"
    assert flag["valueCodeableConcept"]["coding"][0]["code"] == "emergency"
    assert request["subject"] == {"identifier": {"system": "urn:hip-intake:pseudonym", "value": "P-7KQ2M9XD"}, "display": "P-7KQ2M9XD"}


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_every_red_flag_positive_test_and_origin_is_in_the_bundle(path):
    case = load_case(path)
    assessment = assess(case)
    data = make(case, "transaction")
    found = resources(data)
    flags = [r for r in found if r["resourceType"] == "Observation" and r["category"][0].get("text") == "Red flag"]
    assert sorted(o["code"]["coding"][-1]["code"] for o in flags) == sorted(f.id for f in assessment.red_flags)  # monitor too
    referrals = [r for r in found if r["resourceType"] == "ServiceRequest"]
    assert sorted(r["reasonCode"][0]["coding"][-1]["code"] for r in referrals) == sorted(
        f.id for f in assessment.red_flags if f.urgency != "monitor")
    observed = {o["code"]["coding"][0]["code"] for o in found if o["resourceType"] == "Observation"}
    positive = {f"exam.tests.{k}" for k, v in case.exam.tests.model_dump().items() if v == "positive"}
    present = {f"red_flags.{k}" for k, v in case.red_flags.model_dump().items() if v is True}
    assert positive | present <= observed
    (impression,) = [r for r in found if r["resourceType"] == "ClinicalImpression"]
    assert [f["itemCodeableConcept"]["coding"][0]["code"] for f in impression["finding"]] == [o.id for o in assessment.origins]
    assert all("provisional" in f["itemCodeableConcept"]["text"] for f in impression["finding"])
    if assessment.referral in ("emergency", "urgent"):
        assert impression["description"].startswith("Provisional differential: a red flag")
    for entry in data["entry"]:
        identifier = entry["resource"]["identifier"]
        identifier = identifier[0] if isinstance(identifier, list) else identifier
        assert entry["request"] == {"method": "POST", "url": entry["resource"]["resourceType"],
                                    "ifNoneExist": f"identifier={identifier['system']}|{identifier['value']}"}


def apply_transaction(store: dict[str, dict], data: dict) -> dict[str, str]:
    """A small checker of R4 transaction semantics: conditional create by identifier, urn:uuid references
    rewritten to the server's ids. Returns each entry's outcome."""
    outcome, ids = {}, {}
    for entry in data["entry"]:
        resource, request = entry["resource"], entry["request"]
        system_value = request["ifNoneExist"].removeprefix("identifier=")
        match = [i for i, r in store.items() if r["resourceType"] == request["url"] and any(
            f"{x['system']}|{x['value']}" == system_value for x in (r["identifier"] if isinstance(r["identifier"], list) else [r["identifier"]]))]
        assert len(match) <= 1
        if match:
            ids[entry["fullUrl"]], outcome[entry["fullUrl"]] = match[0], "200 OK"
        else:
            ids[entry["fullUrl"]] = f"{request['url']}/{len(store) + 1}"
            store[ids[entry["fullUrl"]]] = resource
            outcome[entry["fullUrl"]] = "201 Created"
    for key in list(store):
        store[key] = json.loads(re.sub(r'"reference": "(urn:uuid:[0-9a-f-]+)"', lambda m: f'"reference": {json.dumps(ids[m.group(1)])}',
                                       json.dumps(store[key])))
    return outcome


def test_a_transaction_sent_twice_lands_once():
    case = load_case(SHARED_CASES / "example-12-back-pain-with-cancer-history.yaml")
    store: dict[str, dict] = {}
    first = apply_transaction(store, make(case, "transaction"))
    assert set(first.values()) == {"201 Created"}
    count = len(store)
    again = bundle(case, assess(case), kind="transaction", sender=SENDER, letter=b"%PDF-1.4 letter",
                   authored=datetime(2026, 12, 1, tzinfo=UTC)).model_dump(mode="json", exclude_none=True)
    second = apply_transaction(store, again)  # resent the next day: nothing new
    assert set(second.values()) == {"200 OK"} and len(store) == count
    (request,) = [r for r in store.values() if r["resourceType"] == "ServiceRequest"]
    assert all(ref["reference"] in store for ref in request["supportingInfo"])  # linked to answers, letter, differential
    assert store[request["requester"]["reference"]]["resourceType"] == "PractitionerRole"


def test_name_never_leaves_in_fhir_letter_included_and_export_is_deterministic():
    import reports
    from intake.fhir_bundle import letter_case

    case = load_case({"case_format": 1, "patient": {"age": 30, "name": "Zoë O'Brien"}, "red_flags": {"saddle_anaesthesia": True}})
    letter = reports.render_referral(letter_case(case), assess(case))  # the one-page letter
    first = bundle(case, assess(case), letter=letter, authored=WHEN).model_dump_json()
    assert "Zoë" not in first and "Brien" not in first
    pdf = PdfReader(io.BytesIO(letter))
    assert "Brien" not in "".join(page.extract_text() for page in pdf.pages)
    assert first == bundle(case, assess(case), letter=letter, authored=WHEN).model_dump_json()
    assert "patient.name" not in leaves(questionnaire_response(case).model_dump(mode="json")["item"])


def test_identified_referrals_add_a_patient_the_others_never_do():
    case = load_case({"case_format": 1, "id": "case-7", "patient": {"age": 30, "name": "Zoë O'Brien"},
                      "red_flags": {"saddle_anaesthesia": True}})
    plain = make(case)
    assert "Patient" not in {r["resourceType"] for r in resources(plain)}
    assert next(r for r in resources(plain) if r["resourceType"] == "ServiceRequest")["subject"] == {"display": "case-7"}
    named = make(case, "transaction", patient=IdentifiedPatient(identifier="P-7KQ2M9XD", name="Zoë O'Brien", birth_date="1996-04-02"))
    (patient,) = [r for r in resources(named) if r["resourceType"] == "Patient"]
    assert patient["name"] == [{"text": "Zoë O'Brien"}] and patient["birthDate"] == "1996-04-02"
    urls = by_url(named)
    assert all(urls[r["subject"]["reference"]] == patient for r in resources(named) if "subject" in r)


@pytest.mark.parametrize(("urgency_case", "priority"), [("example-10-cauda-equina-syndrome", "stat"), ("example-12-back-pain-with-cancer-history", "urgent")])
def test_priority_follows_urgency(urgency_case, priority):
    case = load_case(SHARED_CASES / f"{urgency_case}.yaml")
    (request,) = service_requests(case, assess(case))
    assert request.priority == priority


def test_routine_referral_and_monitor_flags_are_all_exported():
    case = load_case({"case_format": 1, "patient": {"age": 30}, "red_flags": {"inflammatory_back_pain": True, "osteoporosis": True}})
    assessment = assess(case)
    (request,) = service_requests(case, assessment)
    assert request.priority == "routine"
    assert [c.code for c in request.reasonCode[0].coding] == ["inflammatory"]  # no checked SNOMED code: ours and text only
    monitored = [f for f in assessment.red_flags if f.urgency == "monitor"]
    assert monitored  # osteoporosis alone is watched, not referred ...
    extensions = questionnaire_response(case, assessment).model_dump(mode="json")["extension"]
    shown = {x["valueCoding"]["code"]: x["valueCoding"]["display"] for x in extensions if x["url"] == "urn:hip-intake:red-flag"}
    assert all(f.id in shown and "(monitor)" in shown[f.id] for f in monitored)  # ... and still in the export


# ---------------------------------------------------------------- FHIR back in


def response_for(data: dict) -> dict:
    return questionnaire_response(load_case(data), authored=WHEN).model_dump(mode="json", exclude_none=True)


def find(items: list[dict], link: str) -> dict:
    for item in items:
        if item["linkId"] == link:
            return item
        if (inner := find(item.get("item", []), link)) is not None:
            return inner
    return None


def test_a_bad_response_is_refused_with_each_item_named():
    response = response_for({"case_format": 1, "patient": {"age": 40, "sex": "female"}, "history": {"limp": True, "pain_now": 3},
                             "exam": {"tests": {"faber": "positive"}}})
    items = response["item"]
    find(items, "patient.age")["answer"] = [{"valueInteger": 140}]  # out of range
    find(items, "patient.sex")["answer"] = [{"valueCoding": {"system": "urn:hip-intake:value:patient.sex", "code": "woman"}}]
    find(items, "history.pain_now")["answer"] = [{"valueString": "yes"}]  # pain_now is an integer
    find(items, "history.limp")["answer"] = [{"valueBoolean": True}, {"valueBoolean": False}]
    find(items, "history/symptoms")["item"].append({"linkId": "history.favourite_colour", "answer": [{"valueString": "blue"}]})
    find(items, "hip/hip_tests")["item"].append({"linkId": "red_flags.pregnant", "answer": [{"valueBoolean": True}]})  # wrong group
    with pytest.raises(FhirResponseError) as refused:
        case_from_response(response)
    named = {p.field for p in refused.value.problems}
    assert named == {"patient.sex", "history.pain_now", "history.limp", "history.favourite_colour", "red_flags.pregnant"}
    find(items, "patient.sex")["answer"] = [{"valueCoding": {"system": "urn:hip-intake:value:patient.sex", "code": "female"}}]
    find(items, "history.pain_now")["answer"] = [{"valueInteger": 3}]
    find(items, "history.limp")["answer"] = [{"valueBoolean": True}]
    find(items, "history/symptoms")["item"].pop()
    find(items, "hip/hip_tests")["item"].pop()
    with pytest.raises(FhirResponseError) as refused:
        case_from_response(response)
    assert [p.field for p in refused.value.problems] == ["patient.age"]  # the case format's own range, named by linkId
    with pytest.raises(FhirResponseError, match="resourceType"):
        case_from_response({"resourceType": "Patient"})
    other = response_for({"case_format": 1, "patient": {"age": 40}}) | {"questionnaire": "http://example.org/Questionnaire/phq9|1"}
    with pytest.raises(FhirResponseError, match="questionnaire"):
        case_from_response(other)


def test_a_response_from_another_filler_is_read_by_code_and_system():
    """LHC-Forms and Smart Forms copy the option's coding (display and all) and may leave out texts."""
    response = {"resourceType": "QuestionnaireResponse", "status": "completed", "questionnaire": QUESTIONNAIRE_URL,
                "item": [{"linkId": "patient", "item": [{"linkId": "patient/demographics", "item": [
                             {"linkId": "patient.age", "answer": [{"valueInteger": 58}]}]}]},
                         {"linkId": "spine", "item": [{"linkId": "spine/neural", "item": [
                             {"linkId": "exam.tests.slr", "answer": [{"valueCoding": {"system": "http://snomed.info/sct", "code": "10828004",
                                                                                      "display": "Positive"}}]}]}]}]}
    case = case_from_response(response)
    assert case.patient.age == 58 and case.exam.tests.slr == "positive" and case.red_flags.saddle_anaesthesia is None


def test_command_line_writes_each_bundle_type_and_reads_a_response_back(tmp_path):
    source = SHARED_CASES / "example-11-fracture-after-fall-from-height.yaml"
    for kind in KINDS:
        out = tmp_path / f"{kind}.json"
        done = subprocess.run([sys.executable, "-m", "intake", "fhir", str(source), "-o", str(out), "--bundle", kind],
                              capture_output=True, text=True, cwd=ROOT, timeout=60)
        assert done.returncode == 0, done.stderr
        parsed = Bundle.model_validate_json(out.read_text())
        assert parsed.type == kind
        kinds = [e.resource.get_resource_type() for e in parsed.entry]
        assert "DocumentReference" in kinds and "ServiceRequest" in kinds
    data = json.loads((tmp_path / "transaction.json").read_text())
    response = next(e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "QuestionnaireResponse")
    (tmp_path / "qr.json").write_text(json.dumps(response))
    done = subprocess.run([sys.executable, "-m", "intake", "from-fhir", str(tmp_path / "qr.json"), "-o", str(tmp_path / "case.yaml")],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    back = load_case(tmp_path / "case.yaml")
    assert assess(back).model_dump() == assess(load_case(source)).model_dump()
    find(response["item"], "patient.age")["answer"] = [{"valueString": "sixty"}]
    (tmp_path / "bad.json").write_text(json.dumps(response))
    done = subprocess.run([sys.executable, "-m", "intake", "from-fhir", str(tmp_path / "bad.json"), "-o", str(tmp_path / "x.yaml")],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 2 and "patient.age" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "x.yaml").exists()
    assert yaml.safe_load((tmp_path / "case.yaml").read_text())["case_format"] == 1
