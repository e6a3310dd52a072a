"""AppTest: at a follow-up, each score beside the previous visit's, with the change against the MCID,
on the review and on the filed record (with a chart per measure over the visits)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from test_app_support import consent, goto, new_app, texts

from intake import assess, load_case

FIRST_ODI = {"1": 3, "2": 2, "3": 3, "4": 2, "5": 2, "6": 3, "7": 2, "8": 1, "9": 2, "10": 2}  # 22/50 -> 44%
LATER_ODI = {"1": 2, "2": 0, "3": 3, "4": 1, "5": 2, "6": 3, "7": 1, "8": 0, "9": 2, "10": 1}  # 15/50 -> 30%


def first_visit(store):
    case = load_case({"case_format": 2, "patient": {"age": 55, "sex": "female", "side": "left"},
                      "outcomes": [{"measure": "odi", "answers": FIRST_ODI}]})
    return store.records.file(store.principal, case, assess(case), assessed_at=datetime.now(UTC) - timedelta(days=28))


def test_follow_up_shows_the_odi_change_against_its_mcid_on_review_and_record(store):
    first = first_visit(store)
    at = new_app(query={"record": first.id})
    at.button(key="rec:follow").click().run()
    assert at.session_state["answers"].get("outcomes") in (None, {})  # measures are asked afresh
    consent(at)
    at = goto(at, "measures")
    at.pills(key="w:outcome_choice").set_value(["odi"]).run()
    for item, code in LATER_ODI.items():
        at.segmented_control(key=f"w:outcomes.odi.answers.{item}").set_value(code).run()
    at = goto(at, "review")
    assert not at.exception
    assert "ODI 2.1a disability: 44% → 30% (-14 points; better by at least the MCID of 10)" in texts(at)
    at = goto(at, "reports")
    at.button(key="file:go").click().run()
    [second] = [r for r in store.records.list(store.principal)[0] if r.id != first.id]
    record = new_app(query={"record": second.id})
    assert not record.exception
    assert "44% → 30% (-14 points; better by at least the MCID of 10)" in texts(record)
    assert "ODI 2.1a over the visits" in texts(record)
    assert len(record.get("arrow_line_chart")) + len(record.get("vega_lite_chart")) >= 1
