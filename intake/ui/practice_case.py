"""Practice, the case: presenting history, questions and tests one at a time, then the committed answer."""

from __future__ import annotations

import streamlit as st

from intake.models import MUSCLES, ORIGINS, RED_FLAG_CONDITIONS, RED_FLAG_KEYS
from intake.practice import presenting_history
from intake.practice.text import answer_words, ask_label, exam_options, history_lines, patient_line, question_options
from intake.ui import state
from intake.ui.fields import kb
from intake.ui.practice_history import duration
from intake.ui.practice_state import (
    WIDGET,
    ask,
    commit,
    current_record,
    leave_case,
    md,
    practice,
    revealed_answers,
    scenario,
    sync_commitment,
)

__all__ = ["render"]

QUESTION_KEY = WIDGET + "ask_question"
TEST_KEY = WIDGET + "ask_test"
REFERRALS = ("none", "routine", "urgent", "emergency")
REFERRAL_WORDS = {"none": "No referral", "routine": "Routine", "urgent": "Urgent", "emergency": "Emergency"}
WITHHELD = ("manual_therapy", "manipulation", "dry_needling", "self_care")
WITHHELD_WORDS = {"manual_therapy": "All hands-on treatment", "manipulation": "Manipulation (thrust)",
                  "dry_needling": "Dry needling", "self_care": "New home exercise and self-care"}
ORDINALS = ("1st: most likely origin", "2nd origin (optional)", "3rd origin (optional)")

# A clock that counts on in the browser from the server's elapsed time (no user data in it).
_CLOCK = """<div class="practice-clock" role="timer" aria-label="Time since the case opened">
<span style="color:#5b6570">Time on this case:</span> <b id="practice-clock">%s</b></div>
<script>
(() => {
  const start = Date.now() - %d * 1000;
  const show = () => {
    const el = document.getElementById("practice-clock");
    if (!el) { clearInterval(window.__practiceClock); return; }
    const s = Math.max(0, Math.round((Date.now() - start) / 1000));
    const m = Math.floor(s / 60);
    el.textContent = m ? `${m} min ${s %% 60} s` : `${s} s`;
  };
  clearInterval(window.__practiceClock);
  window.__practiceClock = setInterval(show, 1000);
})();
</script>"""


def _seed(key: str, value) -> None:
    if key not in st.session_state:
        st.session_state[key] = value


def _clock(seconds: float) -> None:
    st.html(_CLOCK % (duration(seconds), round(seconds)), unsafe_allow_javascript=True)


def _ask_row(label: str, options: list[str], key: str, button: str, icon: str) -> None:
    p = practice()
    left = [o for o in options if o not in p["revealed"]]
    if st.session_state.get(key) not in left:
        st.session_state[key] = None
    st.selectbox(label, left, index=None, key=key, format_func=lambda k: ask_label(k, kb()),
                 placeholder="Type to search, or open the list")
    st.button(button, key=key + ":go", on_click=ask, args=(key,), icon=icon)


def _found_out(case) -> None:
    st.markdown("#### What you found out")
    answers = revealed_answers(case)
    if not answers:
        st.markdown("Nothing asked or examined yet.")
        return
    lines = []
    for n, (key, value) in enumerate(answers, start=1):
        kind = "Question" if key in RED_FLAG_KEYS else "Exam"
        lines.append(f"{n}. *{kind}* · {md(answer_words(key, value, kb()))}")
    st.markdown("\n".join(lines))


def _commitment() -> None:
    c = practice()["commitment"]
    base = kb()
    st.markdown("### Your answer")
    st.caption("Commit when you are ready. The answer, the feedback and the teaching notes come after.")
    cols = st.columns(3)
    for i, col in enumerate(cols):
        _seed(WIDGET + f"origin{i}", c["ranked_origins"][i])
        col.selectbox(ORDINALS[i], ORIGINS, index=None, key=WIDGET + f"origin{i}", on_change=sync_commitment,
                      format_func=lambda o: base.origins[o].label, placeholder="Choose an origin")
    _seed(WIDGET + "red_flags_identified", list(c["red_flags_identified"]))
    st.pills("Red flags you identify (leave empty for none)", RED_FLAG_CONDITIONS, selection_mode="multi",
             key=WIDGET + "red_flags_identified", on_change=sync_commitment,
             format_func=lambda r: base.red_flag_conditions[r].label)
    _seed(WIDGET + "referral", c["referral"])
    st.segmented_control("Referral urgency", REFERRALS, key=WIDGET + "referral", on_change=sync_commitment,
                         format_func=REFERRAL_WORDS.__getitem__)
    _seed(WIDGET + "muscles_suspected", list(c["muscles_suspected"]))
    st.pills("Muscles you suspect (leave empty for none)", MUSCLES, selection_mode="multi",
             key=WIDGET + "muscles_suspected", on_change=sync_commitment, format_func=lambda m: base.muscles[m].label)
    _seed(WIDGET + "therapies_chosen", list(c["therapies_chosen"]))
    st.multiselect("Treatment you would offer today", list(base.therapies), key=WIDGET + "therapies_chosen",
                   on_change=sync_commitment, format_func=lambda t: base.therapies[t].label,
                   placeholder="Choose treatments (or none)")
    _seed(WIDGET + "withheld_chosen", list(c["withheld_chosen"]))
    st.pills("What you would withhold today", WITHHELD, selection_mode="multi", key=WIDGET + "withheld_chosen",
             on_change=sync_commitment, format_func=WITHHELD_WORDS.__getitem__)
    sync_commitment()  # what is drawn is what is stored, even if a callback was dropped
    st.button("Commit my answer", key=WIDGET + "commit", on_click=commit, type="primary", icon=":material/task_alt:")


def render() -> None:
    p = practice()
    found = scenario(p["case_key"])
    record = current_record()
    if found is None or record is None:
        st.warning("This case is no longer available.")
        st.button("Back to the cases", on_click=leave_case, key=WIDGET + "leave")
        return
    case, _, _ = found
    shown = presenting_history(case)
    st.header(record.case_title or "Practice case")  # the library's title: it never names the answer
    top = st.container(horizontal=True, horizontal_alignment="distribute", vertical_alignment="center")
    with top:
        _clock(state.store().elapsed_seconds(record.id) or 0.0)
        st.button("Leave this case", on_click=leave_case, key=WIDGET + "leave", icon=":material/arrow_back:",
                  help="Back to the case list; an attempt not committed is not scored.")
    st.markdown(f"Practising as **{md(record.student)}**.")

    st.markdown("### Presenting history")
    history = st.container(border=True)
    history.markdown(f"**Patient:** {md(patient_line(shown))}")
    history.markdown("\n".join(f"- **{md(label)}:** {md(words)}" for label, words in history_lines(shown, kb())))

    st.markdown("### Ask and examine")
    st.caption("One at a time: only what you ask for is revealed, in the order you ask. \"not recorded\" means the "
               "case holds no answer to it.")
    left, right = st.columns([1, 1], gap="large")
    with left:
        _ask_row("Red-flag or precaution question to ask", question_options(kb()), QUESTION_KEY, "Ask",
                 ":material/help:")
        _ask_row("Test or examination item to perform", exam_options(), TEST_KEY, "Perform",
                 ":material/accessibility_new:")
    with right, st.container(key="practice-found"):
        _found_out(case)
    st.divider()
    _commitment()
