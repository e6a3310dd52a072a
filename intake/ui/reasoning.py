"""The live reasoning shown on every step: the red-flag banner and the sidebar panel.

Everything printed here comes from the engine's assessment and the knowledge base; this module
decides only where and how loudly to show it.
"""

from __future__ import annotations

import streamlit as st

from intake.ui import ask_next
from intake.ui.evaluation import Evaluation
from intake.ui.fields import kb
from intake.ui.style import BANNER_KEY

__all__ = ["disclaimer", "red_flag_banner", "save_status", "sidebar_panel"]

LIKELIHOOD_WORDS = {"likely": "likely", "possible": "possible", "unlikely": "unlikely"}
BANNER_URGENCIES = ("emergency", "urgent")
MAX_ORIGINS = 4


def red_flag_banner(ev: Evaluation) -> None:
    """An emergency (or urgent) red flag, at the top of every step for as long as it stands."""
    # Always drawn (empty when nothing is raised) so the page below keeps its place and focus;
    # sticky (style.py), so it stays in view while a long step scrolls.
    banner = st.container(key=BANNER_KEY)
    assessment = ev.assessment
    if assessment is None:
        return
    raised = [rf for rf in assessment.red_flags if rf.urgency in BANNER_URGENCIES]
    raised.sort(key=lambda rf: BANNER_URGENCIES.index(rf.urgency))
    for rf in raised:
        findings = ", ".join(kb().label(k) for k in rf.findings)
        body = f"**{rf.label}** ({findings}). **What to do:** {rf.note} **Refer to:** {rf.refer_to.rstrip('.')}."
        if rf.urgency == "emergency":
            banner.error(body, title="EMERGENCY — stop the assessment and refer now", icon=":material/emergency:")
        else:
            banner.warning(body, title="URGENT referral needed", icon=":material/warning:")


def disclaimer() -> None:
    st.caption(f"**Reasoning aid, not a diagnosis.** {kb().settings.disclaimer}")


def sidebar_panel(ev: Evaluation) -> None:
    """Leading origins, red-flag status and the questions that matter most, live."""
    st.subheader("Live reasoning")
    if ev.engine_error:
        st.warning(ev.engine_error)
        return
    assessment = ev.assessment
    if assessment is None:
        st.info("Enter the patient's age (step 1) to start the reasoning.")
        return

    referral = assessment.referral
    asked, applicable = ev.screening_progress()
    unasked = applicable - asked
    flagged = list(assessment.red_flags)
    if referral == "emergency":
        st.error("**Red flags: EMERGENCY referral**", icon=":material/emergency:")
    elif referral == "urgent":
        st.warning("**Red flags: urgent referral**", icon=":material/warning:")
    elif referral == "routine":
        st.warning("**Red flags: routine referral**", icon=":material/flag:")
    elif flagged:
        st.info("**Red flags: to monitor**", icon=":material/visibility:")
    else:
        st.success("**Red flags: none reported**", icon=":material/check_circle:")
    for rf in flagged:
        st.caption(f"{rf.label} ({rf.urgency})")
    if unasked:
        st.caption(f"{unasked} of {applicable} screening questions not asked yet.")

    st.markdown("**Leading origins**" + (" *(provisional: the red flag decides this visit)*" if assessment.differential_provisional else ""))
    for origin in assessment.origins[:MAX_ORIGINS]:
        words = LIKELIHOOD_WORDS.get(origin.likelihood, origin.likelihood)
        st.progress(min(max(origin.probability, 0.0), 1.0), text=f"{origin.label} — {words} ({origin.probability:.0%})")

    ask_next.render(assessment)
    st.caption("Reasoning aid, not a diagnosis.")


def save_status() -> None:
    ss = st.session_state
    if ss.draft_id and ss.consent:
        st.caption(":material/cloud_done: Saved as you go. This page's address resumes the assessment.")
    elif ss.draft_id:
        st.caption(":material/pause_circle: Consent withdrawn: new answers are not being saved.")
    else:
        st.caption(":material/info: Not saved yet: record the patient's consent on step 1 to keep a draft.")

