"""AppTest: the outcome measures step: choose, answer (saved as given), live scores, review."""

from __future__ import annotations

from test_app_support import answers_of, goto, new_app, texts

ODI_CODES = {"1": 2, "2": 0, "3": 3, "4": 1, "5": 2, "6": 3, "7": 1, "8": 0, "9": 2, "10": 1}


def measures_app(**outcomes):
    answers = answers_of("example-01-hip-osteoarthritis.yaml")
    if outcomes:
        answers["outcomes"] = outcomes
    return goto(new_app(answers=answers), "measures")


def test_choosing_a_measure_and_answering_scores_it_live_and_keeps_each_answer():
    at = measures_app()
    at.pills(key="w:outcome_choice").set_value(["odi"]).run()
    assert not at.exception
    for item, code in ODI_CODES.items():
        at.segmented_control(key=f"w:outcomes.odi.answers.{item}").set_value(code).run()
    assert at.session_state["answers"]["outcomes"]["odi"]["answers"] == ODI_CODES
    shown = texts(at)
    assert "ODI 2.1a disability 30%: moderate disability" in shown
    assert "Mapi Research Trust" in shown  # the attribution the licence requires
    assert "not reproduced here (licence)" in shown


def test_too_few_answers_show_not_scored():
    at = measures_app(odi={"answers": {"1": 2, "2": 1}})
    assert "ODI 2.1a not scored: 2 of 10 items answered" in texts(at)


def test_psfs_takes_named_activities_and_their_ratings():
    at = measures_app(psfs={"named": {"1": "walking the dog", "2": "gardening"}, "answers": {"1": 4}})
    at.segmented_control(key="w:outcomes.psfs.answers.2").set_value(6).run()
    assert "PSFS average 5.0/10" in texts(at)


def test_review_shows_scores_and_the_start_back_plan_with_its_source():
    codes = {"1": 0, "2": 0, "3": 0, "4": 0, "5": 1, "6": 1, "7": 1, "8": 0, "9": 4}
    at = goto(measures_app(start_back={"answers": codes}), "review")
    shown = texts(at)
    assert "STarT Back: high risk" in shown
    assert "psychologically informed physiotherapy" in shown and "Hill 2011" in shown


def test_patient_reported_answers_are_marked_until_confirmed():
    answers = answers_of("example-01-hip-osteoarthritis.yaml")
    answers["outcomes"] = {"odi": {"answers": ODI_CODES, "reported_by": "patient"}}
    answers["patient_reported"] = {"odi": True}
    at = goto(new_app(answers=answers), "measures")
    assert "Patient-reported" in texts(at)
    at.button(key="confirm:odi").click().run()
    assert "Patient-reported" not in texts(at)
    assert at.session_state["answers"]["outcomes"]["odi"]["confirmed"] is True


def test_a_case_files_outcomes_round_trip_through_the_step():
    from intake.ui.outcome_answers import answers_from_outcomes, outcome_entries

    entries = [{"measure": "psfs", "activities": ["walking", "stairs"], "answers": {"1": 3, "2": 5}},
               {"measure": "odi", "date": "2026-11-30", "answers": ODI_CODES, "reported_by": "patient"}]
    assert outcome_entries({"outcomes": answers_from_outcomes(entries)}) == sorted(entries, key=lambda e: e["measure"] != "psfs")
