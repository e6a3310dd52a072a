"""Drafts: resume or delete an assessment in progress (the clinic's, with who started each and whether it
follows up or amends a record), or start from a case file."""

from __future__ import annotations

import streamlit as st

from intake.loader import CaseError, load_case, parse_text
from intake.storage.store import DraftSummary
from intake.ui import documents, state
from intake.ui.practice_state import code, md

UPLOAD_KEY = "drafts:upload"
MAX_UPLOAD_MB = 1


def _resume(draft_id: str) -> None:
    if not state.resume(draft_id):
        st.session_state.flash = ("warning", "That draft no longer exists.")


def _ask_delete(draft_id: str) -> None:
    st.session_state.confirm_delete = draft_id


def _delete(draft_id: str) -> None:
    state.store().delete(draft_id)
    st.session_state.confirm_delete = None
    if st.session_state.draft_id == draft_id:
        state.start_new()
    st.session_state.flash = ("success", "Draft deleted.")


def _cancel_delete() -> None:
    st.session_state.confirm_delete = None


def _start_from(data: dict) -> None:
    state.load_answers(data, consent=False)
    st.session_state.flash = ("success", "Case file loaded. Record the patient's consent to keep it as a draft.")


def _back() -> None:
    st.session_state.view = "wizard"


def _describe(summary: DraftSummary) -> str:
    who = ", ".join(str(p) for p in (f"{summary.age} y" if summary.age is not None else None, summary.sex, summary.side) if p)
    step = state.STEP_TITLES.get(summary.step, summary.step or "start")
    kind = (" · :orange-badge[:material/edit: amendment of a record]" if summary.amends_id
            else " · :blue-badge[:material/event_repeat: follow-up]" if summary.follows_id else "")
    by = f"  \n:gray[started by {md(summary.practitioner)}]" if summary.practitioner else ""
    alert = (":red-badge[:material/emergency: red flag reported by the patient on the pre-visit form] "
             if summary.patient_alert else "")
    return f"{alert}**{documents.clinic_time(summary.updated)}** · {who or 'no details yet'} · at: {step}{kind}{by}"


def render() -> None:
    st.header("Drafts and case files")
    st.button("Back to the assessment", on_click=_back, icon=":material/arrow_back:")
    st.markdown("### Resume a draft")
    drafts = state.store().list()
    if not drafts:
        st.markdown("No drafts are saved.")
    for summary in drafts:
        row = st.container(border=True)
        text, resume, delete = row.columns([6, 1.3, 1.3], vertical_alignment="center")
        current = " (open now)" if summary.id == st.session_state.draft_id else ""
        text.markdown(_describe(summary) + current)
        resume.button("Resume", key=f"resume:{summary.id}", **state.later(_resume, summary.id), icon=":material/play_arrow:")
        if st.session_state.get("confirm_delete") == summary.id:
            delete.button("Confirm delete", key=f"confirm:{summary.id}", **state.later(_delete, summary.id), type="primary")
            row.button("Keep it", key=f"keep:{summary.id}", on_click=_cancel_delete)
        else:
            delete.button("Delete", key=f"delete:{summary.id}", on_click=_ask_delete, args=(summary.id,), icon=":material/delete:")

    st.markdown("### Start from a case file")
    upload = st.file_uploader("Case file (YAML or JSON, format version 1 or 2), or a FHIR QuestionnaireResponse for this intake form (JSON)",
                              type=["yaml", "yml", "json"], key=UPLOAD_KEY, max_upload_size=MAX_UPLOAD_MB)
    if upload is None:
        return
    fhir = False
    try:
        raw = upload.getvalue()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            st.error("The file is not UTF-8 text.")
            return
        parsed = parse_text(text, upload.name)
        from intake.fhir_import import case_from_response, is_questionnaire_response  # FHIR models: on an upload only

        fhir = is_questionnaire_response(parsed)
        case = case_from_response(parsed, source=upload.name) if fhir else load_case(parsed)
    except CaseError as exc:
        lines = "\n".join(f"- {code(p.field or 'file')}: {md(p.message)}" for p in exc.problems)  # text, never Markdown
        what = "a QuestionnaireResponse this intake form can read" if fhir else "a valid case"
        st.error(f"This file is not {what}, so it was not loaded:\n\n{lines}")
        return
    data = case.to_data()
    kind = "FHIR QuestionnaireResponse" if fhir else "case"
    st.success(f"A valid {kind}: age {case.patient.age}. Starting from it replaces what is open in this tab "
               "(the open draft stays in the list).")
    st.button("Start from this case", **state.later(_start_from, data), type="primary", icon=":material/upload_file:",
              key="drafts:start")
