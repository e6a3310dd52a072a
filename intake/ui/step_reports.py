"""Step 8: file the assessment as a clinic record; the PDFs and the case file, each made only when
its button is clicked."""

from __future__ import annotations

import streamlit as st

from intake.case_files import case_json, case_yaml
from intake.policy import visit
from intake.ui import documents, filing, handout_chooser, state, step_review
from intake.ui.evaluation import Evaluation

__all__ = ["handout_language", "render"]


def _filing(ev: Evaluation) -> None:
    """The primary action of the last step: keep the finished assessment as the clinic's record."""
    amending = filing.is_amendment()
    st.markdown("### Amend the record" if amending else "### File the assessment")
    link = filing.link_caption()
    if link:
        st.info(link, icon=":material/link:")
    why_not = filing.missing(ev)
    if why_not:
        st.caption(f"To {'save the amendment' if amending else 'file it'}, {why_not}.")
        return
    st.caption("Saving replaces the record with this version (the earlier one stays in its history), removes the "
               "draft and starts a new assessment." if amending else
               "Filing keeps it in your clinic's records (where it can be opened, re-issued, followed up or amended), "
               "removes the draft and starts a new assessment.")
    st.button("Save amendment" if amending else "File this assessment", **state.later(filing.file_now), type="primary",
              icon=":material/inventory_2:", key="file:go")


def handout_language(tag: str | None) -> str:
    """Which language the handout prints in (the patient's, where a catalogue has it) and how far to trust it."""
    from intake.i18n import translator

    if not tag:
        return ""
    language = translator(tag).language
    if language.code == "en":
        return "" if tag.split("-")[0].lower() == "en" else (
            f"No translation for the patient's language ({tag}) yet: the handout prints in English.")
    review = "reviewed by a clinician fluent in it" if language.reviewed else (
        "not yet reviewed by a clinician fluent in it (its footer says so)")
    return (f"The patient handout prints in {language.native} ({language.name}), the patient's language: a translation "
            f"{review}. A personal note or a changed dose prints as typed.")


def render(ev: Evaluation) -> None:
    import reports  # the PDF package (fonts): loaded on first use, not by the first screen

    if not ev.valid or ev.case is None:
        st.warning("The reports need a complete, valid case. Correct the answers marked on the earlier steps "
                   "(see Review); nothing is lost meanwhile.")
        return
    case, assessment = ev.case, ev.assessment
    _filing(ev)
    st.divider()
    if not st.session_state.consent:
        st.info("Consent to record is not recorded on step 1. The files below are made on request and not stored.")
    st.markdown("Files are made when you click and are not kept on the server. The file names carry no patient name.")
    st.markdown("### Documents")
    if assessment is None:
        st.warning(ev.engine_error or "The reasoning is not available, so the PDFs cannot be made.")
    else:
        row = st.container(horizontal=True, key="report-files")  # filled below, once the handout is chosen
        if any(f.urgency != "monitor" for f in assessment.red_flags):  # the letter first in line
            row.download_button("Referral letter (PDF)", documents.maker(reports.render_referral, case, assessment),
                                file_name=documents.file_name("referral-letter"), mime="application/pdf",
                                on_click="ignore", icon=":material/print:", key="dl:letter",
                                type="primary" if visit.decided_by_referral(assessment) else "secondary")
        earlier = step_review.previous_outcomes()  # read here, in the session: the PDF is made on another thread
        row.download_button("Clinician summary (PDF)", documents.maker(reports.render_summary, case, assessment,
                                                                       previous_outcomes=earlier),
                            file_name=documents.file_name("clinician-summary"), mime="application/pdf",
                            on_click="ignore", icon=":material/picture_as_pdf:", key="dl:summary")
        with st.expander("Choose what the handout holds", icon=":material/checklist:",
                         expanded=not visit.decided_by_referral(assessment)):
            handout = handout_chooser.render(case, assessment, documents.branding().phone)
        row.download_button("Patient handout (PDF)", documents.maker(reports.render_handout, case, assessment, **handout),
                            file_name=documents.file_name("patient-handout"), mime="application/pdf",
                            on_click="ignore", icon=":material/picture_as_pdf:", key="dl:handout")
        note = handout_language(case.patient.language)
        if note:
            st.caption(note)
    st.markdown("### Case file")
    b = st.container(horizontal=True)
    b.download_button("Case as YAML", lambda: case_yaml(case), file_name="case.yaml", mime="application/x-yaml",
                      on_click="ignore", icon=":material/description:", key="dl:yaml")
    b.download_button("Case as JSON", lambda: case_json(case), file_name="case.json", mime="application/json",
                      on_click="ignore", icon=":material/data_object:", key="dl:json")
