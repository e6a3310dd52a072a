"""Step 1: who the patient is, and their consent to keep a record of the assessment."""

from __future__ import annotations

import streamlit as st

from intake.ui import fields, filing, guard, state
from intake.ui.evaluation import Evaluation

CONSENT_KEY = state.WIDGET_PREFIX + ":consent"


def render(ev: Evaluation) -> None:
    link = filing.link_caption()
    if link:
        st.info(link, icon=":material/link:")
    state.register(CONSENT_KEY, "consent", "consent")
    state.seed(CONSENT_KEY, bool(st.session_state.consent))
    st.checkbox(
        "The patient agrees to this assessment being recorded", key=CONSENT_KEY,
        help="Answers are kept as a draft on this computer only once consent is recorded.",
    )
    with st.container():  # always there, so the fields below keep their place (and focus)
        if not st.session_state.consent:
            st.info("Ask for consent first. Until it is recorded, answers stay in this browser tab only and are lost on refresh.")
    for group in fields.kb().form.section("patient").groups:
        fields.group(ev, group)
    fields.date(ev, "visit_date", "Date of the assessment",
                help="The day of the visit, printed on the summary. Left empty, the summary carries the day it is printed.")

    from intake.ui import patient_link_panel  # the patient's pre-visit form, made from this draft

    with guard.section("the patient link panel"):  # links live in the database; the step does not
        patient_link_panel.render()
