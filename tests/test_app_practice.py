"""AppTest: practice mode (pick a case, ask one at a time, commit, feedback, history, resume) and the
instructor page (exports, charts, vignette upload); the attempts and vignettes store."""

from __future__ import annotations

import io
import logging
import re

import pandas as pd
import yaml
from test_app_support import ROOT, new_app, texts

from intake import assess, load_vignette
from intake.library import LIBRARY_DIR
from intake.practice import Attempt, load_rubric, score_attempt
from intake.progress import attempts_frame, by_origin, by_red_flag, to_csv, to_excel

CES = "lib-foundation-08-cauda-equina-retention"
OA = "lib-foundation-01-hip-osteoarthritis-retired-postman"
STUDENT = "O'Brien <b>& Zoë"


def vignette(name: str):
    return load_vignette(LIBRARY_DIR / f"{name}.yaml")


def practice_app(student: str | None = STUDENT, query: dict | None = None):
    at = new_app(query=query)
    if query:
        return at
    at.button(key="mode:practice").click().run()
    if student is not None:
        at.text_input(key="p:student").input(student).run()
    return at


def start(at, name: str):
    return at.button(key=f"p:start:{name}").click().run()


def ask(at, key: str, kind: str = "question"):
    widget = "p:ask_question" if kind == "question" else "p:ask_test"
    at.selectbox(key=widget).set_value(key).run()
    return at.button(key=widget + ":go").click().run()


def found_out(at) -> str:
    lists = [m.value for m in at.markdown if m.value.startswith("1. *")]
    return lists[0] if lists else ""


def commit_ces(at, *, referral: str = "emergency"):
    at.selectbox(key="p:origin0").set_value("lumbar_radicular").run()
    at.pills(key="p:red_flags_identified").set_value(["cauda_equina"]).run()
    at.segmented_control(key="p:referral").set_value(referral).run()
    at.pills(key="p:withheld_chosen").set_value(["manual_therapy", "manipulation", "dry_needling"]).run()
    return at.button(key="p:commit").click().run()


# ---------------------------------------------------------------- picking a case


def test_the_intake_wizard_is_still_the_first_screen():
    at = new_app()
    assert not at.exception
    assert at.session_state["mode"] == "intake"
    assert at.number_input(key="w:patient.age") is not None
    assert "practice" not in at.query_params


def test_the_case_list_shows_titles_by_difficulty_never_answers():
    at = practice_app()
    titles = texts(at)
    assert "A retired postman whose hip has stiffened over two years" in titles
    assert "Sutlive" not in titles and "hip_joint" not in titles  # no basis, no answer
    at.pills(key="p:difficulty").set_value(["advanced"]).run()
    starts = {b.key for b in at.button if b.key and b.key.startswith("p:start:")}
    assert starts and all(k.startswith("p:start:lib-advanced-") for k in starts)
    assert "A retired postman" not in texts(at)


def test_the_case_list_and_the_case_page_never_name_the_diagnosis(store):
    at = practice_app()
    shown = texts(at).replace("\\", "")  # titles are shown as literal text (markdown escaped)
    assert "Cauda equina syndrome with one-sided sciatica" not in shown  # a worked example's own title
    assert "Worked example 10: a 41-year-old man with pain in the low back" in shown
    at = start(at, "example-10-cauda-equina-syndrome")
    assert "Worked example 10" in at.header[0].value and "auda equina" not in at.header[0].value


def test_a_name_is_needed_before_a_case_starts():
    at = practice_app(student=None)
    assert at.button(key=f"p:start:{OA}").disabled
    at.text_input(key="p:student").input("  ").run()
    assert at.button(key=f"p:start:{OA}").disabled


# ---------------------------------------------------------------- the case


def test_presenting_history_first_then_only_what_is_asked_in_order(store):
    at = start(practice_app(), CES)
    assert not at.exception
    shown = texts(at)
    assert "Presenting history" in shown
    assert "numbness when wiping" in shown  # the title
    assert "Saddle numbness" not in found_out(at)
    assert "Teaching" not in shown and "Basis" not in shown and "GIRFT" not in shown  # nothing of the answer yet
    record_id = at.query_params["practice"]
    assert len(record_id) >= 32 and set(at.query_params) == {"practice"}

    at = ask(at, "saddle_anaesthesia")
    assert found_out(at) == "1. *Question* · Saddle numbness\\: yes"
    at = ask(at, "fadir", kind="test")
    at = ask(at, "slr", kind="test")
    lines = found_out(at).splitlines()
    assert lines == ["1. *Question* · Saddle numbness\\: yes", "2. *Exam* · FADIR\\: not recorded",
                     "3. *Exam* · Straight\\-leg raise\\: positive"]
    assert "bladder" not in found_out(at).lower()  # never asked, never shown
    assert "saddle_anaesthesia" not in at.selectbox(key="p:ask_question").options
    saved = store.get_attempt(record_id)
    assert saved.answers["questions_asked"] == ["saddle_anaesthesia"]
    assert saved.answers["tests_performed"] == ["fadir", "slr"]
    assert saved.student == STUDENT and not saved.is_committed


def test_commit_needs_an_origin_and_a_referral():
    at = start(practice_app(), OA)
    at = at.button(key="p:commit").click().run()
    assert at.session_state["practice"]["view"] == "case"
    message = " ".join(e.value for e in at.error)
    assert "Rank at least one origin" in message and "referral urgency" in message


def test_commit_scores_through_the_rubric_stores_and_shows_feedback(store):
    at = start(practice_app(), CES)
    at = ask(at, "saddle_anaesthesia")
    at = ask(at, "slr", kind="test")
    at = commit_ces(at)
    assert not at.exception
    assert at.session_state["practice"]["view"] == "feedback"

    [record] = store.list_attempts(STUDENT)
    case, expected = vignette(CES)
    attempt = Attempt.model_validate({k: v for k, v in record.answers.items() if k in Attempt.model_fields})
    direct = score_attempt(case, expected, assess(case), attempt)
    assert record.score == direct.total
    assert set(record.marks) == set(load_rubric().parts)
    assert record.seconds is not None and record.seconds >= 0
    assert record.case_id == CES and record.expected["referral"] == "emergency"

    shown = texts(at)
    assert at.header[0].value == f"Your score: {direct.total:g} / 100"  # the feedback opens at the score
    assert any("heading.focus" in h.proto.body for h in at.get("html"))  # scrolled to it, with the focus on it
    rubric_table = at.table[0].value
    assert list(rubric_table["Weight (marks)"][:2]) == ["30", "15"]  # the rubric weights are shown
    for part in direct.parts:
        assert f"{part.label}: {part.marks:g} / {part.max:g}" in shown
    assert "Bladder disturbance" in shown and "Symptoms in both legs" in shown  # not asked, and present
    assert "You did not ask" in " ".join(e.value for e in at.error)
    assert expected.basis[:40] in shown.replace("\\", "")  # the answer's basis, only now
    assert "Teaching notes" in shown
    assert "GIRFT 2023" in shown  # sources
    reasoning = shown[shown.index("The engine's reasoning"):shown.index("Teaching notes")]
    assert re.search(r"\*\*[^*]+\*\*: (likely|possible|unlikely)\b", reasoning), reasoning[:300]  # bands, as on every screen
    assert not re.search(r"\(\d{1,3}\s?%\)", reasoning), reasoning[:300]


def test_feedback_pdf_is_offered_without_rerunning(store):
    at = commit_ces(start(practice_app(), CES))
    [button] = [b for b in at.get("download_button") if b.proto.label == "Feedback (PDF)"]
    assert button.proto.deferred_file_id or button.proto.url
    assert button.proto.ignore_rerun
    # what the button makes: the same function, with the stored attempt
    from reports.feedback import render_feedback

    [record] = store.list_attempts(STUDENT)
    case, expected = vignette(CES)
    from intake.practice import Feedback
    from intake.ui.practice_feedback import attempt_of

    pdf = render_feedback(case, expected, assess(case), attempt_of(record), Feedback.model_validate(record.feedback), record.student)
    from pypdf import PdfReader

    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert STUDENT in text and f"Score: {record.score:g} / 100" in text


def test_history_by_the_name_entered_and_reopen_feedback(store):
    at = commit_ces(start(practice_app(), CES))
    at.button(key="p:another").click().run()
    at = start(at, CES)
    at = commit_ces(at, referral="none")
    at.button(key="p:another").click().run()
    other = practice_app(student="Someone Else")
    assert "No attempts under this name yet." in texts(other)

    again = practice_app(student="  o'brien <B>&  ZOË ")  # case and spacing aside, the same student
    opens = [b for b in again.button if b.key and b.key.startswith("p:open:")]
    assert len(opens) == 2
    assert "score" in texts(again)
    opens[-1].click().run()
    assert again.session_state["practice"]["view"] == "feedback"
    assert "Teaching notes" in texts(again)


def test_an_attempt_resumes_from_the_address(store):
    at = start(practice_app(), CES)
    at = ask(at, "bladder_dysfunction")
    attempt_id = at.query_params["practice"]
    again = new_app(query={"practice": attempt_id})  # refresh, closed tab, restart
    assert again.session_state["mode"] == "practice"
    assert found_out(again) == "1. *Question* · Bladder disturbance\\: yes"
    again = commit_ces(again)
    third = new_app(query={"practice": attempt_id})
    assert third.session_state["practice"]["view"] == "feedback"
    unknown = new_app(query={"practice": "nope"})
    assert "not found" in " ".join(w.value for w in unknown.warning)
    assert unknown.session_state["mode"] == "intake"


def test_leaving_practice_keeps_the_wizard_and_its_draft_address():
    at = new_app()
    at.checkbox(key="w::consent").check().run()
    draft = at.query_params["draft"]
    at.number_input(key="w:patient.age").set_value(58).run()
    at.button(key="mode:practice").click().run()
    at.button(key="mode:intake").click().run()
    assert at.number_input(key="w:patient.age").value == 58
    assert at.query_params["draft"] == draft and "practice" not in at.query_params


def test_no_student_or_answer_in_the_logs(caplog, capsys):
    caplog.set_level(logging.DEBUG)
    commit_ces(start(practice_app(student="Logcheck Student"), CES))
    out = capsys.readouterr()
    for where in (caplog.text, out.out, out.err):
        assert "Logcheck" not in where


# ---------------------------------------------------------------- instructor


def _instructor():
    at = new_app()
    return at.button(key="mode:instructor").click().run()


def test_instructor_exports_every_attempt_as_csv_and_excel(store):
    commit_ces(start(practice_app(), CES))
    at = start(practice_app(student="=cmd|' /C calc'!A0"), OA)
    at.selectbox(key="p:origin0").set_value("hip_joint").run()
    at.segmented_control(key="p:referral").set_value("none").run()
    at.button(key="p:commit").click().run()

    at = _instructor()
    assert not at.exception
    labels = {b.proto.label: b for b in at.get("download_button")}
    assert {"All attempts (CSV)", "All attempts (Excel)"} <= set(labels)
    assert all(b.proto.ignore_rerun for b in labels.values())
    assert "2 committed attempt(s) by 2 student(s)" in texts(at)
    assert len(at.get("vega_lite_chart")) == 2  # by origin, by red flag

    frame = attempts_frame(store.list_attempts())
    csv = pd.read_csv(io.BytesIO(to_csv(frame)), encoding="utf-8-sig")
    assert set(csv["student"]) == {STUDENT, "'=cmd|' /C calc'!A0"}  # a formula is shown, never run
    assert set(csv["case_id"]) == {CES, OA}
    assert {"score", "seconds", "marks_red_flags", "marks_referral", "expected_origin"} <= set(csv.columns)
    book = pd.read_excel(io.BytesIO(to_excel(frame)), sheet_name=None)
    assert set(book) == {"attempts", "by origin", "by red flag"}
    assert len(book["attempts"]) == 2
    assert book["by red flag"]["red_flag"].tolist() == ["Suspected cauda equina syndrome"]
    assert book["by red flag"]["identified_pct"].tolist() == [100.0]
    assert by_origin(frame)["origin"].tolist() == ["Hip joint (intra-articular)"]
    assert by_red_flag(frame)["attempts"].tolist() == [1]


def test_instructor_page_with_no_attempts():
    at = _instructor()
    assert "No attempts have been committed yet." in texts(at)


def test_upload_a_vignette_then_it_appears_in_the_picker(store):
    data = yaml.safe_load((LIBRARY_DIR / f"{OA}.yaml").read_text(encoding="utf-8"))
    data["id"], data["title"] = "course-week-3", "Week 3: a stiff hip in a keen walker"
    at = _instructor()
    at.file_uploader(key="i:upload:0").set_value(("week3.yaml", yaml.safe_dump(data).encode(), "application/x-yaml")).run()
    assert "A valid vignette" in " ".join(s.value for s in at.success)
    at.button(key="i:add").click().run()
    [kept] = store.list_vignettes()
    assert kept.title == "Week 3: a stiff hip in a keen walker" and kept.data["expected"]["origin"] == "hip_joint"
    assert not (ROOT / "intake" / "cases" / "week3.yaml").exists()

    at = practice_app()
    assert "Week 3: a stiff hip in a keen walker" in texts(at).replace("\\", "")
    at = start(at, f"uploaded-{kept.id}")
    at = ask(at, "fadir", kind="test")
    assert "FADIR" in found_out(at)


def test_a_bad_vignette_is_refused_with_each_field_named(store):
    data = yaml.safe_load((LIBRARY_DIR / f"{OA}.yaml").read_text(encoding="utf-8"))
    data["patient"]["age"] = 300
    data["expected"]["referral"] = "soon"
    data["exam"]["tests"]["faber"] = "maybe"
    at = _instructor()
    at.file_uploader(key="i:upload:0").set_value(("bad.yaml", yaml.safe_dump(data).encode(), "application/x-yaml")).run()
    message = " ".join(e.value for e in at.error)
    assert "not a valid vignette" in message
    assert "patient.age" in message and "exam.tests.faber" in message
    assert not [b for b in at.button if b.key == "i:add"]
    assert store.list_vignettes() == []

    data["patient"]["age"], data["exam"]["tests"]["faber"] = 60, "negative"  # a good case, a bad answer
    at.file_uploader(key="i:upload:0").set_value(("bad2.yaml", yaml.safe_dump(data).encode(), "application/x-yaml")).run()
    assert "expected.referral" in " ".join(e.value for e in at.error)

    no_expected = {k: v for k, v in data.items() if k != "expected"}
    at.file_uploader(key="i:upload:0").set_value(("plain.yaml", yaml.safe_dump(no_expected).encode(), "application/x-yaml")).run()
    assert "`expected`" in " ".join(e.value for e in at.error)
