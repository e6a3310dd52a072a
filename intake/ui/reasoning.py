"""The live reasoning shown on every step: the red-flag banner and the sidebar panel.

Everything printed here comes from the engine's assessment and the knowledge base; this module
decides only where and how loudly to show it.
"""

from __future__ import annotations

import streamlit as st

from intake.policy import visit
from intake.policy.urgency import most_urgent_first, presentation
from intake.policy.visit import red_flag_decides
from intake.ui import ask_next, documents
from intake.ui.evaluation import Evaluation
from intake.ui.fields import kb
from intake.ui.style import BANNER_KEY

__all__ = ["disclaimer", "red_flag_banner", "save_status", "sidebar_panel"]

LIKELIHOOD_WORDS = {"likely": "likely", "possible": "possible", "unlikely": "unlikely"}
MAX_ORIGINS = 4


def red_flag_banner(ev: Evaluation) -> None:
    """An emergency (or urgent) red flag, at the top of every step for as long as it stands."""
    # Always drawn (empty when nothing is raised) so the page below keeps its place and focus;
    # sticky (style.py), so it stays in view while a long step scrolls.
    banner = st.container(key=BANNER_KEY)
    assessment = ev.assessment
    if assessment is None:
        return
    raised = most_urgent_first(rf for rf in assessment.red_flags if red_flag_decides(rf.urgency))
    for rf in raised:
        findings = ", ".join(kb().label(k) for k in rf.findings)
        # where to send the patient first: on a phone or a short screen the banner is compact and scrolls within itself
        body = f"**{rf.label}** ({findings}). **Refer to:** {rf.refer_to.rstrip('.')}. **What to do:** {rf.note}"
        if rf.urgency == "emergency":
            banner.error(body, title="EMERGENCY — stop the assessment and refer now", icon=presentation("emergency").icon)
        else:
            banner.warning(body, title="URGENT referral needed", icon=presentation("urgent").icon)
    if raised:
        _letter_action(banner, ev)


def _letter_action(banner, ev: Evaluation) -> None:
    """The banner's one action: the signed one-page referral letter, made on the click."""
    import reports  # the PDF package (fonts): loaded on first use, not by the first screen

    if ev.case is None:
        banner.caption("The referral letter needs the answers marked on the earlier steps corrected (see Review).")
        return
    banner.download_button("Referral letter", documents.maker(reports.render_referral, ev.case, ev.assessment),
                           file_name=documents.file_name("referral-letter"), mime="application/pdf",
                           on_click="ignore", type="primary", icon=":material/print:", key="banner:letter",
                           help="The signed one-page letter for the receiving service (PDF), ready to print.")


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
    status = referral if referral != "none" else "monitor" if flagged else "none"
    words = {"emergency": "EMERGENCY referral", "urgent": "urgent referral", "routine": "routine referral",
             "monitor": "to monitor", "none": "none reported"}[status]
    look = presentation(status)
    getattr(st, look.box)(f"**Red flags: {words}**", icon=look.icon)
    for rf in flagged:
        st.caption(f"{rf.label} ({rf.urgency})")
    if unasked:
        st.caption(f"{unasked} of {applicable} screening questions not asked yet.")

    st.markdown("**Leading origins**" + (" *(provisional: the red flag decides this visit)*" if assessment.differential_provisional else ""))
    for origin in assessment.origins[:MAX_ORIGINS]:
        words = LIKELIHOOD_WORDS.get(origin.likelihood, origin.likelihood)
        st.progress(min(max(origin.probability, 0.0), 1.0), text=f"{origin.label} — {words}")  # a band, never a number

    if visit.decided_by_referral(assessment):  # the ranking stays the engine's; only examination is held back
        st.caption("Examination can wait: the referral decides this visit. Only red-flag questions are proposed.")
        held = [q for q in assessment.next_questions if q.kind == "red_flag"]
        ask_next.render(assessment.model_copy(update={"next_questions": held}))
    else:
        ask_next.render(assessment)
    st.caption("Reasoning aid, not a diagnosis.")


def save_status() -> None:
    from intake.ui import save_status  # what the database confirmed (intake/ui/save_status.py)

    save_status.show()

