"""Practice, the feedback: the score against the rubric, each commitment marked with its reasons and
sources, the red-flag questions not asked, the tests that would have helped, and only now the
vignette's answer, basis and teaching notes. Everything shown comes from ``score_attempt``'s output
(stored with the attempt) and the engine's assessment."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from intake.models import Assessment, Case, Expected
from intake.practice import Attempt, Feedback, load_rubric, reveal
from intake.practice.text import answer_words, comparison_rows, no_test_to_suggest
from intake.storage.store import AttemptRecord
from intake.ui import evidence_page, navigation
from intake.ui.fields import kb
from intake.ui.practice_state import WIDGET, current_record, leave_case, md, practice, scenario, start_case

__all__ = ["attempt_of", "render"]

_ATTEMPT_FIELDS = set(Attempt.model_fields)


def attempt_of(record: AttemptRecord) -> Attempt:
    return Attempt.model_validate({k: v for k, v in record.answers.items() if k in _ATTEMPT_FIELDS})


def _comparison(attempt: Attempt, expected: Expected, assessment: Assessment) -> pd.DataFrame:
    rows = comparison_rows(attempt, expected, assessment, kb())
    return pd.DataFrame(rows, columns=["Commitment", "Your answer", "The vignette", "The engine's reasoning"])


def _rubric_table(feedback: Feedback) -> pd.DataFrame:
    rubric = load_rubric()
    marks = {p.part: p for p in feedback.parts}
    rows = [(part.label, f"{part.max:g}", f"{marks[name].marks:g}" if name in marks else "—")
            for name, part in rubric.parts.items()]
    rows.append(("Total", "100", f"{feedback.total:g}"))
    return pd.DataFrame(rows, columns=["Part", "Weight (marks)", "Your marks"])


def _information_table(feedback: Feedback) -> pd.DataFrame:
    rows = []
    for t in feedback.test_information:
        did = "; ".join([*(f"ruled out {o}" for o in t.ruled_out), *(f"made {o} likely" for o in t.ruled_in)])
        expected = "—" if t.expected_bits is None else f"{t.expected_bits:.2f}"
        rows.append((t.label, t.result, f"{t.bits:.2f}", expected, did or "—", "yes" if t.informative else "no"))
    return pd.DataFrame(rows, columns=["Test", "Result", "Bits added", "Bits expected", "What it did", "Credit"])


def _pdf(case: Case, expected: Expected, assessment: Assessment, attempt: Attempt, feedback: Feedback,
         student: str, date: str) -> Callable[[], bytes]:
    def make() -> bytes:
        from reports.feedback import render_feedback

        return render_feedback(case, expected, assessment, attempt, feedback, student, date=date)

    return make


def render() -> None:
    p = practice()
    record = current_record()
    found = scenario(p["case_key"])
    if record is None or not record.is_committed or found is None:
        st.warning("This feedback is not available.")
        st.button("Back to the cases", on_click=leave_case, key=WIDGET + "leave")
        return
    case, expected, assessment = found
    feedback = Feedback.model_validate(record.feedback)
    attempt = attempt_of(record)
    base = kb()

    # The feedback opens at the score: it is the page's first heading, scrolled to and focused once.
    st.header(f"Your score: {feedback.total:g} / {feedback.out_of}")
    if st.session_state.get(WIDGET + "feedback_shown") != record.id:
        st.session_state[WIDGET + "feedback_shown"] = record.id
        navigation.scroll_to_top(f"feedback-{record.id}")
    if feedback.unsafe:
        st.error(feedback.verdict, icon=":material/emergency:")
    elif feedback.total >= 75:
        st.success(feedback.verdict, icon=":material/check_circle:")
    else:
        st.info(feedback.verdict, icon=":material/school:")
    st.markdown(f"**{md(record.case_title or record.case_id)}** · {md(record.student)} · "
                f"{record.committed:%Y-%m-%d %H:%M} UTC")
    b, c = st.columns(2)
    b.metric("Time taken (not scored)", feedback.time_note.removeprefix("Time taken: ").split(" (")[0])
    c.metric("Questions and tests", f"{len(attempt.questions_asked)} + {len(attempt.tests_performed)}")

    st.markdown("### Marks by part")
    st.caption(f"The rubric (version {feedback.rubric_version}): safety first, so red-flag screening and referral "
               "weigh the most. Time is shown, never scored.")
    st.table(_rubric_table(feedback), hide_index=True)

    st.markdown("### Your answer, the vignette and the engine")
    st.table(_comparison(attempt, expected, assessment), hide_index=True)

    st.markdown("### Why: each part")
    for part in feedback.parts:
        box = st.container(border=True)
        box.markdown(f"**{part.label}: {part.marks:g} / {part.max:g}**")
        box.markdown("\n".join(f"- {md(r)}" for r in part.reasons))
        if part.sources:
            box.caption("Sources: " + "; ".join(part.sources))

    st.markdown("### Red-flag questions you did not ask")
    if not feedback.missed_questions:
        st.markdown("None: you asked every screening question that applies to this patient.")
    else:
        present = [m for m in feedback.missed_questions if m.answer is True]
        if present:
            st.error("You did not ask: " + "; ".join(m.label for m in present) + ". The answer was yes.",
                     icon=":material/warning:")
        st.markdown("\n".join(f"- **{m.label}**: {m.why}" for m in feedback.missed_questions))

    if feedback.test_information:
        st.markdown("### Your tests, by the information each added when you asked it")
        st.table(_information_table(feedback), hide_index=True)
        st.caption("Bits: how much the result cut the uncertainty over the origins at that moment (the summed "
                   "entropy of their probabilities). A test that rules out a competing origin earns credit.")

    st.markdown("### The questions that would have informed most")
    if feedback.informative_questions:
        st.markdown("\n".join(
            f"- **{q.label}**: {q.phrase} ({q.expected_bits:.2f} bits expected"
            f"; {'the case holds a result' if q.recorded else 'no result recorded in the case'})."
            for q in feedback.informative_questions))
    elif feedback.tests_that_would_help:  # an attempt scored before expected information was shown
        st.markdown("\n".join(
            f"- **{t.label}**, for {t.origin}: its result could change the odds up to ×{t.swing:g}"
            f" ({'the case holds a result' if t.recorded else 'no result recorded in the case'})."
            for t in feedback.tests_that_would_help))
    else:
        st.markdown(no_test_to_suggest(expected.referral))
    if feedback.tests_adding_nothing:
        st.caption("Tests that could not change the picture: " + ", ".join(feedback.tests_adding_nothing) + ".")
    evidence_page.links([*(q.key for q in feedback.informative_questions), *(t.key for t in feedback.tests_that_would_help),
                         *attempt.tests_performed], "feedback")

    st.markdown("### The engine's reasoning")
    for origin in assessment.origins[:3]:
        reasons = [r for r in origin.because if r.counted][:4]
        lines = [f"- *{'for' if r.direction == 'for' else 'against'}:* {r.summary} (×{r.effect:g}; {'; '.join(r.citations)})"
                 for r in reasons]
        st.markdown(f"**{origin.label}**: {origin.likelihood}" + ("\n" + "\n".join(lines) if lines else ""))  # a band, never a number
    for flag in assessment.red_flags:
        st.markdown(f"**{flag.label}** ({flag.urgency}): {flag.note} Refer to: {flag.refer_to}")

    st.markdown("### Teaching notes")
    notes = st.container(border=True)
    if case.title and case.title != record.case_title:  # the vignette's own title may name the answer: now it can be shown
        notes.markdown(f"**The case:** {md(case.title)}")
    notes.markdown(f"**Basis:** {md(expected.basis) if expected.basis else 'not given'}")
    for paragraph in (case.notes or "").split("\n\n"):
        if paragraph.strip():
            notes.markdown(md(paragraph))

    st.markdown("### What you asked, in order")
    asked = [k for k in (record.answers.get("revealed") or [*attempt.questions_asked, *attempt.tests_performed])]
    st.markdown("\n".join(f"{n}. {md(answer_words(k, reveal(case, k), base))}" for n, k in enumerate(asked, start=1))
                or "Nothing was asked or examined.")

    st.divider()
    row = st.container(horizontal=True)
    row.download_button("Feedback (PDF)", _pdf(case, expected, assessment, attempt, feedback, record.student,
                                               f"{record.committed:%d %B %Y}"),
                        file_name="practice-feedback.pdf", mime="application/pdf", on_click="ignore",
                        icon=":material/picture_as_pdf:", key=WIDGET + "pdf", type="primary")
    row.button("Try this case again", on_click=start_case, args=(record.case_id,), key=WIDGET + "again",
               icon=":material/replay:")
    row.button("Choose another case", on_click=leave_case, key=WIDGET + "another", icon=":material/list:")
    st.caption(f"**Reasoning aid, not a diagnosis.** {base.settings.disclaimer}")
