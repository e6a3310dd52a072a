"""AppTest: in an emergency the banner's one action is the referral letter, and the sidebar and the
review stop proposing examination (only the red-flag questions still unasked)."""

from __future__ import annotations

from test_app_support import EMERGENCY_CASE, answers_of, goto, new_app, texts

from intake.models import RED_FLAG_KEYS, TESTS
from intake.ui.fields import kb


def _downloads(at) -> list[str]:
    return [d.proto.label for d in at.get("download_button")]


def test_a_cauda_equina_answer_puts_the_letter_in_the_banner_and_holds_back_examination():
    at = new_app()
    at.number_input(key="w:patient.age").set_value(45).run()
    at = goto(at, "red_flags")
    assert "Referral letter" not in _downloads(at)
    assert not any("Examination can wait" in str(c.value) for c in at.sidebar.caption)
    at.segmented_control(key="w:red_flags.saddle_anaesthesia").set_value("yes").run()
    assert _downloads(at)[0] == "Referral letter"  # the banner comes before anything else on the page
    assert any("Examination can wait" in str(c.value) for c in at.sidebar.caption)
    proposed = [b.key.split(":", 2)[2] for b in at.sidebar.button if b.key and b.key.startswith("asknext:")]
    assert proposed and set(proposed) <= set(RED_FLAG_KEYS), proposed  # only red-flag questions are proposed
    for step in ("history", "hip", "review"):
        at = goto(at, step)
        assert "Referral letter" in _downloads(at), step


def test_review_says_the_referral_decides_and_lists_only_red_flag_gaps():
    answers = answers_of(EMERGENCY_CASE)
    del answers["red_flags"]["fever_or_unwell"]
    at = new_app(answers=answers)
    at = goto(at, "review")
    shown = texts(at)
    assert "A red flag decides this visit" in shown
    assert shown.find("A red flag decides this visit") < shown.find("Origins, most likely first")
    gaps = shown.split("Gaps: still not asked")[1]
    assert kb().label("fever_or_unwell") in gaps
    assert "Only the red-flag questions still unasked are listed." in gaps
    exam_labels = [kb().label(t) for t in TESTS]
    assert not [label for label in exam_labels if f"**{label}**" in gaps]  # no examination is proposed
    assert kb().label("faber") not in gaps.split("not proposed")[0]


def test_reports_step_offers_the_letter_first():
    at = new_app(answers=answers_of(EMERGENCY_CASE))
    at = goto(at, "reports")
    pdfs = [x for x in _downloads(at) if "PDF" in x]
    assert pdfs[:3] == ["Referral letter (PDF)", "Clinician summary (PDF)", "Patient handout (PDF)"]


def test_no_red_flag_no_letter_and_examination_still_proposed():
    at = new_app(answers=answers_of("example-01-hip-osteoarthritis.yaml"))
    at = goto(at, "reports")
    assert not any("Referral letter" in x for x in _downloads(at))


def test_none_of_these_records_no_for_each_unasked_question_of_the_cluster_only():
    at = new_app()
    at.number_input(key="w:patient.age").set_value(45).run()
    at = goto(at, "red_flags")
    at.segmented_control(key="w:red_flags.bladder_dysfunction").set_value("yes").run()
    at.button(key="rf:none:cauda_equina").click().run()
    flags = at.session_state["answers"]["red_flags"]
    cauda = [k for k, c in kb().screens_for.items() if c == "cauda_equina"]
    assert flags["bladder_dysfunction"] is True  # an answer given is never overwritten
    assert all(flags[k] is False for k in cauda if k != "bladder_dysfunction")
    assert "fever_or_unwell" not in flags  # another cluster stays not asked
    assert at.segmented_control(key="w:red_flags.saddle_anaesthesia").value == "no"  # shown as given
    assert not [b for b in at.button if b.key == "rf:none:cauda_equina"]  # nothing left to ask there
