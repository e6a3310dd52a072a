"""AppTest: the evidence explorer (from the sidebar and where a finding is used) and the practice information marks."""

from __future__ import annotations

from test_app_practice import CES, ask, commit_ces, practice_app, start
from test_app_support import answers_of, new_app, texts


def test_the_sidebar_opens_the_explorer_searchable_and_by_origin():
    at = new_app()
    at.button(key="side:evidence").click().run()
    assert not at.exception
    assert at.header[0].value == "Evidence explorer"
    at.text_input(key="evidence:query").input("thigh thrust").run()
    titles = [e.label for e in at.expander]
    assert titles and titles[0].startswith("SIJ thigh thrust")
    shown = texts(at)
    assert "How to perform:" in shown and "Studied in:" in shown and "Laslett 2005" in shown
    at.text_input(key="evidence:query").input("").run()
    at.selectbox(key="evidence:origin").set_value("deep_gluteal").run()
    titles = " ".join(e.label for e in at.expander)
    assert "FAIR test" in titles and "Slump test" not in titles
    at.button(key="evidence:back").click().run()
    assert at.header[0].value == "Patient and consent"


def test_a_reason_on_the_review_opens_its_evidence_and_back_returns():
    at = new_app(answers=answers_of("example-04-l5-radiculopathy.yaml"), step="review")
    link = next(b for b in at.button if str(b.key).startswith("ev:origin") and str(b.key).endswith(":slump"))
    link.click().run()
    assert not at.exception
    assert at.header[0].value == "Evidence explorer"
    assert next(e.label for e in at.expander).startswith("Slump test")
    assert "Majlesi 2008" in texts(at)
    assert "| Lumbar radicular pain (nerve root) | 84% | 83% | 4.9 | 0.19 | published | Majlesi 2008 (not verified against the original) |" in texts(at)
    at.button(key="evidence:back").click().run()
    assert at.header[0].value == "Review"


def test_the_practice_feedback_opens_the_evidence_of_a_test(store):
    at = start(practice_app(), CES)
    at = ask(at, "saddle_anaesthesia")
    at = ask(at, "slr", kind="test")
    at = commit_ces(at)
    link = next(b for b in at.button if str(b.key) == "ev:feedback:0:slr")
    link.click().run()
    assert at.header[0].value == "Evidence explorer"
    assert next(e.label for e in at.expander).startswith("Straight-leg raise")
    at.button(key="evidence:back").click().run()
    assert at.session_state["practice"]["view"] == "feedback"


def test_a_filed_record_opens_the_evidence_of_a_reason(store):
    from test_app_records import file

    record = file(store)
    at = new_app(query={"record": record.id})
    link = next(b for b in at.button if str(b.key).startswith("ev:origin") and str(b.key).endswith(":resisted_external_derotation"))
    link.click().run()
    assert not at.exception
    assert at.header[0].value == "Evidence explorer"
    assert next(e.label for e in at.expander).startswith("Resisted external de-rotation")
    at.button(key="evidence:back").click().run()
    assert "Evidence explorer" not in [h.value for h in at.header]


def test_the_practice_feedback_marks_each_test_by_its_information(store):
    from test_app_practice import OA

    at = start(practice_app(), OA)
    at = ask(at, "slr", kind="test")
    at = ask(at, "scour", kind="test")
    at.selectbox(key="p:origin0").set_value("hip_joint").run()
    at.segmented_control(key="p:referral").set_value("none").run()
    at = at.button(key="p:commit").click().run()
    assert not at.exception
    shown = texts(at)
    assert "Your tests, by the information each added when you asked it" in shown
    table = next(t.value for t in at.table if "Bits added" in t.value.columns)
    assert list(table["Test"]) == ["Straight-leg raise", "Hip scour (quadrant)"]
    assert "The questions that would have informed most" in shown
    assert "bits expected" in shown
