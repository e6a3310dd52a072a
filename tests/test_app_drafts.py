"""AppTest: drafts saved as answers are given, resumed from the address, listed, deleted, uploaded;
privacy: consent before storage, nothing clinical in the address, sessions kept apart."""

from __future__ import annotations

import logging

from streamlit.testing.v1 import AppTest
from test_app_support import APP, CASES, ROOT, answers_of, consent, goto, new_app, signed_in_principal, texts


def test_nothing_is_stored_before_consent(store):
    at = new_app()
    at.number_input(key="w:patient.age").set_value(52).run()
    assert store.list() == []
    assert "draft" not in at.query_params
    consent(at)
    [draft] = store.list()
    assert at.query_params["draft"] == draft.id
    assert store.get(draft.id).answers["patient"] == {"age": 52}  # what came before consent is kept


def test_every_answer_is_saved_as_it_is_given(store):
    at = consent(new_app())
    draft_id = at.query_params["draft"]
    at.number_input(key="w:patient.age").set_value(61).run()
    assert store.get(draft_id).answers["patient"]["age"] == 61
    at = goto(at, "hip")
    at.segmented_control(key="w:exam.tests.fadir").set_value("positive").run()
    saved = store.get(draft_id)
    assert saved.answers["exam"]["tests"] == {"fadir": "positive"}
    assert saved.step == "hip"
    at = goto(at, "review")
    at.text_area(key="w:notes").input("Follow up in two weeks.").run()
    assert store.get(draft_id).notes == "Follow up in two weeks."


def test_the_address_carries_only_the_draft_id():
    at = consent(new_app())
    at.text_input(key="w:patient.name").input("Ada Lovelace").run()
    at.number_input(key="w:patient.age").set_value(36).run()
    at = goto(at, "red_flags")
    at.segmented_control(key="w:red_flags.pregnant").set_value("yes").run()
    assert set(at.query_params) == {"draft"}
    assert len(at.query_params["draft"]) >= 32


def test_resume_from_the_address_after_a_refresh_or_restart(store):
    first = consent(new_app())
    draft_id = first.query_params["draft"]
    first.number_input(key="w:patient.age").set_value(70).run()
    first = goto(first, "history")
    first.pills(key="w:history.pain_sites").set_value(["lateral_hip"]).run()
    first.segmented_control(key="w:history.limp").set_value("no").run()

    # a new browser session (refresh, closed tab, restarted server) with the same address
    again = new_app(query={"draft": draft_id})
    assert not again.exception
    assert again.session_state["step"] == "history"
    assert again.pills(key="w:history.pain_sites").value == ["lateral_hip"]
    assert again.segmented_control(key="w:history.limp").value == "no"
    again = goto(again, "patient")
    assert again.number_input(key="w:patient.age").value == 70
    assert again.checkbox(key="w::consent").value is True
    assert again.query_params["draft"] == draft_id


def test_an_unknown_draft_starts_afresh_and_says_so():
    at = new_app(query={"draft": "no-such-draft"})
    assert not at.exception
    assert any("not found" in w.value for w in at.warning)
    assert "draft" not in at.query_params
    assert at.session_state["answers"]["patient"] == {}


def test_drafts_list_resumes_and_deletes(store):
    a = store.create({"patient": {"age": 44, "sex": "female", "name": "Secret Name"}, "history": {}, "red_flags": {},
                      "exam": {"tests": {}}}, step="hip", consent=True)
    b = store.create({"patient": {"age": 80}}, step="review", consent=True)
    at = new_app()
    at.button(key="side:drafts").click().run()
    assert at.header[0].value == "Drafts and case files"
    shown = texts(at)
    assert "44 y, female" in shown and "80 y" in shown
    assert "Secret Name" not in shown  # the list shows no names
    at.button(key=f"resume:{a.id}").click().run()
    assert at.session_state["draft_id"] == a.id
    assert at.session_state["step"] == "hip"
    assert at.query_params["draft"] == a.id
    at.button(key="side:drafts").click().run()
    at.button(key=f"delete:{b.id}").click().run()
    assert store.get(b.id) is not None  # asks first
    at.button(key=f"confirm:{b.id}").click().run()
    assert store.get(b.id) is None
    assert store.get(a.id) is not None


def test_deleting_the_open_draft_starts_a_new_assessment(store):
    at = consent(new_app())
    at.number_input(key="w:patient.age").set_value(33).run()
    draft_id = at.query_params["draft"]
    at.button(key="side:drafts").click().run()
    at.button(key=f"delete:{draft_id}").click().run()
    at.button(key=f"confirm:{draft_id}").click().run()
    assert store.get(draft_id) is None
    assert "draft" not in at.query_params
    assert at.session_state["answers"]["patient"] == {}


def test_new_assessment_keeps_the_old_draft(store):
    at = consent(new_app())
    at.number_input(key="w:patient.age").set_value(29).run()
    old = at.query_params["draft"]
    at.button(key="side:new").click().run()
    assert "draft" not in at.query_params
    assert at.number_input(key="w:patient.age").value is None
    assert store.get(old).answers["patient"]["age"] == 29


def test_upload_a_case_file_to_start_from_it(store):
    at = new_app()
    at.button(key="side:drafts").click().run()
    text = CASES / "example-06-sacroiliac-joint-pain.yaml"
    data = text.read_bytes() if text.exists() else (ROOT / "tests" / "cases" / text.name).read_bytes()
    at.file_uploader(key="drafts:upload").set_value(("case.yaml", data, "application/x-yaml")).run()
    assert any("A valid case" in s.value for s in at.success)
    at.button(key="drafts:start").click().run()
    assert at.session_state["view"] == "wizard"
    expected = answers_of("example-06-sacroiliac-joint-pain.yaml")
    assert at.session_state["answers"]["exam"]["tests"] == expected["exam"]["tests"]
    assert at.number_input(key="w:patient.age").value == expected["patient"]["age"]
    assert store.list() == []  # not stored until consent
    consent(at)
    assert len(store.list()) == 1


def test_an_invalid_case_file_is_refused_with_the_fields_named():
    at = new_app()
    at.button(key="side:drafts").click().run()
    bad = b"case_format: 1\npatient: {age: 130, sex: femal}\nhistory: {pain_sites: [groin, elbow]}\nexam: {tests: {faber: maybe}}\n"
    at.file_uploader(key="drafts:upload").set_value(("bad.yaml", bad, "application/x-yaml")).run()
    message = at.error[0].value
    for field in ("patient.age", "patient.sex", "history.pain_sites[1]", "exam.tests.faber"):
        assert field in message, field
    assert not [b for b in at.button if b.key == "drafts:start"]


def test_two_sessions_never_see_each_others_patient(store):
    alice = consent(new_app())
    alice.text_input(key="w:patient.name").input("Alice Alpha").run()
    alice.number_input(key="w:patient.age").set_value(31).run()
    alice = goto(alice, "red_flags")
    alice.segmented_control(key="w:red_flags.saddle_anaesthesia").set_value("yes").run()

    bob = consent(new_app())
    bob.text_input(key="w:patient.name").input("Bob Beta").run()
    bob.number_input(key="w:patient.age").set_value(77).run()

    assert alice.query_params["draft"] != bob.query_params["draft"]
    for at, theirs in ((bob, "Alice Alpha"), (alice, "Bob Beta")):
        for step in ("patient", "red_flags", "review"):
            at = goto(at, step)
            assert theirs not in texts(at)
    bob = goto(bob, "review")
    assert not any("EMERGENCY" in (e.proto.title or "") for e in bob.error)
    assert bob.session_state["answers"]["patient"] == {"name": "Bob Beta", "age": 77}
    alice = goto(alice, "patient")
    assert alice.text_input(key="w:patient.name").value == "Alice Alpha"


def test_no_patient_data_in_the_logs(caplog, capsys):
    caplog.set_level(logging.DEBUG)
    at = consent(new_app())
    at.text_input(key="w:patient.name").input("Zebedee Quux").run()
    at.number_input(key="w:patient.age").set_value(48).run()
    at = goto(at, "review")
    at.text_area(key="w:notes").input("Private note xyzzy").run()
    out = capsys.readouterr()
    everything = caplog.text + out.out + out.err
    assert "Zebedee" not in everything and "xyzzy" not in everything


def test_streamlit_config_is_private_by_default():
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["browser"]["gatherUsageStats"] is False
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"]["address"] == "localhost"
    assert config["client"]["showErrorDetails"] in ("none", False)


def test_nothing_patient_derived_is_cached_across_sessions():
    """st.cache_data / st.cache_resource are shared by every user: only the draft store's
    connection pool may be cached (keyed by the database address, holding no patient data)."""
    sources = {p: p.read_text() for p in [ROOT / "streamlit_app.py", *(ROOT / "intake" / "ui").glob("*.py")]}
    for path, text in sources.items():
        assert "cache_data" not in text, path
        assert "bind=" not in text, path  # no widget bound to the address
    cached = [p.name for p, t in sources.items() if "cache_resource" in t]
    assert cached == ["state.py"]


def test_a_cut_short_consent_callback_is_healed_by_the_end_of_the_run(store):
    """Streamlit can stop a callback half-way when input arrives fast: consent stored, no draft yet.
    Whatever the callback left undone is written at the end of the next run (seen in Chromium)."""
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["principal"] = signed_in_principal()
    at.session_state["answers"] = {"patient": {"name": "Bob Beta", "age": 71}, "history": {}, "red_flags": {}, "exam": {"tests": {}}}
    at.session_state["consent"] = True
    at.session_state["draft_id"] = None
    at.run()
    draft_id = at.session_state["draft_id"]
    assert draft_id and at.query_params["draft"] in (draft_id, [draft_id])
    stored = store.get(draft_id)
    assert stored.answers["patient"] == {"name": "Bob Beta", "age": 71} and stored.consent
    # and a run cut short after an answer was taken but before it was written is repaired by the next
    at.session_state["answers"]["patient"]["age"] = 72
    at.run()
    assert store.get(draft_id).answers["patient"] == {"name": "Bob Beta", "age": 72}
    assert store.get(draft_id).revision == 2


def test_a_fhir_questionnaire_response_starts_a_draft_that_assesses_the_same(store):
    import json

    from intake import assess, load_case
    from intake.fhir import questionnaire_response

    case = load_case(CASES / "example-04-l5-radiculopathy.yaml")
    response = questionnaire_response(case).model_dump_json(exclude_none=True).encode()
    at = new_app()
    at.button(key="side:drafts").click().run()
    at.file_uploader(key="drafts:upload").set_value(("response.json", response, "application/fhir+json")).run()
    assert any("A valid FHIR QuestionnaireResponse" in s.value for s in at.success)
    at.button(key="drafts:start").click().run()
    started = load_case({"case_format": 1, **{k: v for k, v in at.session_state["answers"].items() if v}})
    assert assess(started).model_dump() == assess(case).model_dump()
    bad = json.loads(response)
    bad["item"][0]["item"][0]["item"][0]["answer"] = [{"valueString": "forty"}]  # patient / demographics / age
    bad["item"][0]["item"][0]["item"].append({"linkId": "history.shoe_size", "answer": [{"valueInteger": 9}]})
    at.button(key="side:drafts").click().run()
    at.file_uploader(key="drafts:upload").set_value(("bad.json", json.dumps(bad).encode(), "application/fhir+json")).run()
    message = at.error[0].value
    assert "QuestionnaireResponse" in message and "patient.age" in message and "history.shoe_size" in message
    assert not [b for b in at.button if b.key == "drafts:start"]
