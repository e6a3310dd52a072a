"""One filed record, read-only: red flags first, the reasoning as filed, the answers, its versions;
re-issued files (each audited); follow-up, amend and delete.

The record is read through ``Records.get`` with the signed-in principal: an id from another clinic
(or none at all) shows "Record not found in your clinic." and nothing else. Opening is audited
once per opening, not on every rerun of the page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import streamlit as st

from intake.case_files import case_yaml
from intake.models import Assessment, Case
from intake.policy.roles import may_delete_record
from intake.storage.records import Record
from intake.ui import documents, guard, navigation, reasoning, state, step_measures, step_review
from intake.ui.fields import kb
from intake.ui.practice_state import allowed_modes, md
from intake.ui.refusals import caught

if TYPE_CHECKING:  # the FHIR models load when a record's files are made, not at start-up
    from intake import fhir_bundle

__all__ = ["OPEN_KEY", "close_record", "files", "forget", "open_record", "render"]

OPEN_KEY = "records:open"                 # the record open on the records page (also ?record=…)
_VIEWED_KEY = "records:viewed"            # the record whose opening is already in the audit log
_CONFIRM_KEY = "records:confirm_delete"
_SECTION_KEY = "records:section"
_FILES = (  # label, format (as audited), file name (pseudonym and date, never a name), mime, icon
    ("Referral letter (PDF)", "referral_pdf", "referral-letter-{p}-{d}.pdf", "application/pdf", ":material/print:"),
    ("Clinician summary (PDF)", "summary_pdf", "clinician-summary-{p}-{d}.pdf", "application/pdf", ":material/picture_as_pdf:"),
    ("Patient handout (PDF)", "handout_pdf", "patient-handout-{p}-{d}.pdf", "application/pdf", ":material/picture_as_pdf:"),
    ("FHIR bundle (JSON)", "fhir_json", "fhir-bundle-{p}-{d}.json", "application/fhir+json", ":material/data_object:"),
    ("Case file (YAML)", "case_yaml", "case-{p}-{d}.yaml", "application/x-yaml", ":material/description:"),
)


def forget() -> None:
    """Another record (or none) is about to be shown: its opening is audited afresh."""
    st.session_state.pop(_VIEWED_KEY, None)
    st.session_state.pop(_CONFIRM_KEY, None)


@guard.db_safe
def open_record(record_id: str) -> None:
    ss = st.session_state
    if "records" not in allowed_modes():
        return
    ss.mode = "records"
    ss[_SECTION_KEY] = "records"
    ss[OPEN_KEY] = record_id
    forget()


def close_record() -> None:
    st.session_state[OPEN_KEY] = None
    forget()


def _load(record_id: str) -> tuple[Record | None, bool]:
    """The record, and whether this is its opening (audited, and the page starts at its top)."""
    store = state.store()
    first = st.session_state.get(_VIEWED_KEY) != record_id
    record = store.records.get(store.principal, record_id, audit_view=first)
    if record is not None:
        st.session_state[_VIEWED_KEY] = record_id
    return record, first


# ---------------------------------------------------------------- files, made on click


def _identified_patient(record: Record) -> fhir_bundle.IdentifiedPatient | None:
    """The named patient for FHIR, only where the clinic chose identified referrals (else the pseudonym only)."""
    store = state.store()
    settings = store.accounts.clinic(store.clinic_id)
    if settings is None or not settings.identified_referrals or not record.patient_name:
        return None
    from intake import fhir_bundle

    return fhir_bundle.IdentifiedPatient(identifier=record.pseudonym, name=record.patient_name)


def _makers(record: Record, case: Case, assessment: Assessment,
            patient: fhir_bundle.IdentifiedPatient | None) -> dict[str, Callable[[], bytes | str]]:
    import reports  # the PDF package (fonts): loaded on first use, not by the first screen

    signed = {"when": record.assessed_at, "practitioner_id": record.practitioner_id, "practitioner": record.practitioner}
    when, who = record.assessed_at.date(), record.practitioner
    earlier = _outcome_history(record)[0]  # read here: the download runs on a thread with no session
    clinic = state.store().principal.clinic_name  # read here, in the session: the download runs on another thread

    def fhir_json() -> str:
        from intake import fhir_bundle

        try:  # the one-page referral letter goes with the referral; with nothing to refer there is none
            letter: bytes | None = reports.render_referral(fhir_bundle.letter_case(case, patient), assessment,
                                                           practitioner=who, date=when)
        except reports.NoReferral:
            letter = None
        return _fhir_bundle(record, clinic, case, assessment, patient, letter, earlier)

    return {
        "referral_pdf": documents.maker(reports.render_referral, case, assessment, **signed),
        "summary_pdf": documents.maker(reports.render_summary, case, assessment, **signed, previous_outcomes=earlier),
        "handout_pdf": documents.maker(reports.render_handout, case, assessment, **signed),
        "fhir_json": fhir_json,
        "case_yaml": lambda: case_yaml(case),
    }


def _fhir_bundle(record: Record, clinic: str, case: Case, assessment: Assessment, patient: fhir_bundle.IdentifiedPatient | None,
                 letter: bytes | None, previous_outcomes: dict | None = None) -> str:
    """A transaction Bundle (safe to send twice) from the clinic as filed: pseudonym (or, for a clinic with
    identified referrals, the named patient), requester, letter, and each outcome score's change since the
    previous visit."""
    import reports
    from intake import fhir_bundle

    sender = fhir_bundle.sender_from_branding(reports.load_branding(), record.practitioner, clinic)
    made = fhir_bundle.bundle(case, assessment, kind="transaction", subject=record.pseudonym, sender=sender, letter=letter,
                              authored=record.assessed_at.replace(microsecond=0), patient=patient,
                              previous_outcomes=previous_outcomes)
    return made.model_dump_json(indent=2, exclude_none=True)


def _audited(record_id: str, fmt: str, make: Callable[[], bytes | str]) -> Callable[[], bytes | str]:
    """The download's data function. Streamlit runs it on another thread when the button is clicked
    (no session there), so it carries the principal with it: nothing is handed over for an account
    deactivated meanwhile or a record deleted meanwhile, and every file handed over is audited."""
    root, principal = state.root_store(), state.store().principal

    def data() -> bytes | str:
        if not root.accounts.still_valid(principal):
            raise PermissionError("the account is no longer active")
        made = make()
        if not root.records.log_export(principal, record_id, fmt):
            raise PermissionError("the record is no longer in the clinic")
        return made

    return data


# ---------------------------------------------------------------- actions


def _record_for_action(record_id: str) -> Record | None:
    """The record an action button names, if it is (still) in the clinic; else say so."""
    store = state.store()
    record = store.records.get(store.principal, record_id, audit_view=False)
    if record is None:
        st.session_state.flash = ("error", "Record not found in your clinic.")
    return record


def _follow_up(record_id: str) -> None:
    record = _record_for_action(record_id)
    if record is None:
        return
    data = record.case_data
    state.load_answers({"patient": data.get("patient") or {}, "history": data.get("history") or {}}, consent=False,
                       follows_id=record.id)
    st.session_state.mode = "intake"
    st.session_state.flash = ("info", f"Follow-up of {record.pseudonym} started: the patient's details and history are "
                              "copied, the red-flag screen and the examination start blank. Record the patient's "
                              "consent to keep it as a draft.")


def _amend(record_id: str) -> None:
    record = _record_for_action(record_id)
    if record is None:
        return
    state.load_answers(record.case_data, consent=True, amends_id=record.id, amends_version=record.version)
    st.session_state.mode = "intake"
    st.session_state.flash = ("info", f"Amending record {record.pseudonym}: change what needs changing, then "
                              "**Save amendment** on the Reports step. Until then the record stays as it is.")


def _ask_delete(record_id: str) -> None:
    st.session_state[_CONFIRM_KEY] = record_id


def _cancel_delete() -> None:
    st.session_state.pop(_CONFIRM_KEY, None)


def _delete(record_id: str, pseudonym: str) -> None:
    store = state.store()
    _cancel_delete()  # asked once, whatever the answer: a refusal does not ask again
    deleted = store.records.delete(store.principal, record_id)
    close_record()
    st.session_state.flash = (("success", f"Record {pseudonym} and every version of it have been deleted.") if deleted
                              else ("warning", "That record was already gone."))


def files(record: Record, case: Case, assessment: Assessment) -> None:
    """Re-issue the documents from the record as filed; each made on click and audited."""
    patient = _identified_patient(record)
    makers = _makers(record, case, assessment, patient)
    row = st.container(horizontal=True, key="record-files")
    referring = any(f.urgency != "monitor" for f in assessment.red_flags)
    shown = [f for f in _FILES if referring or f[1] != "referral_pdf"]
    for n, (label, fmt, name, mime, icon) in enumerate(shown):
        file_name = name.format(p=record.pseudonym, d=f"{record.assessed_at:%Y-%m-%d}")
        audited_as = f"{fmt}_identified" if fmt == "fhir_json" and patient else fmt  # the log says the name left
        row.download_button(label, _audited(record.id, audited_as, makers[fmt]), file_name=file_name,
                            mime=mime, on_click="ignore", icon=icon, key=f"rec:dl:{fmt}",
                            type="primary" if n == 0 else "secondary")


def _actions(record: Record) -> None:
    principal = state.store().principal
    st.markdown("### Actions")
    st.button("Start follow-up", key="rec:follow", **state.later(_follow_up, record.id), icon=":material/event_repeat:",
              width="stretch",
              help="A new assessment of this patient: details and history copied, red flags and examination blank.")
    st.button("Amend", key="rec:amend", **state.later(_amend, record.id), icon=":material/edit:", width="stretch",
              help="Open this record's answers to correct them; saving files a new version.")
    may_delete = may_delete_record(principal.role, principal.user_id, record.practitioner_id)
    if st.session_state.get(_CONFIRM_KEY) == record.id:
        box = st.container(border=True, key="record-confirm-delete")
        box.warning(f"Delete record **{record.pseudonym}** and every version of it? This cannot be undone; the audit "
                    "log keeps a note that it was deleted.", icon=":material/delete_forever:")
        choice = box.container(horizontal=True)
        choice.button("Yes, delete it", key="rec:confirm", on_click=caught(_delete, "Not deleted"), args=(record.id, record.pseudonym),
                      type="primary", icon=":material/delete_forever:")
        choice.button("Keep it", key="rec:keep", on_click=_cancel_delete)
    else:
        st.button("Delete", key="rec:delete", on_click=_ask_delete, args=(record.id,), icon=":material/delete:",
                  disabled=not may_delete, width="stretch",
                  help="Delete this record and all its versions (you are asked to confirm)." if may_delete
                  else "Only the practitioner who filed it, or a clinic administrator, can delete it.")


# ---------------------------------------------------------------- what the record says


def _cell(text: str) -> str:
    return md(text).replace("|", "\\|")


def _answers(case: Case) -> None:
    from reports.content import case_findings

    groups = case_findings(case, kb())
    columns = st.columns(2, gap="large")
    for n, group in enumerate(groups):
        with columns[n % 2]:
            st.markdown(f"#### {group.title}")
            given = [r for r in group.rows if r.state != "not_asked"]
            if given:
                lines = ["| Finding | Answer |", "|---|---|"]
                lines += [f"| {_cell(r.label)} | {'**' + _cell(r.value) + '**' if r.state == 'positive' else _cell(r.value)} |"
                          for r in given]
                st.markdown("\n".join(lines))
            unasked = [r.label for r in group.rows if r.state == "not_asked"]
            if unasked:
                st.caption("Not asked: " + "; ".join(md(u) for u in unasked))


def _patient_line(case: Case) -> str:
    p = case.patient
    parts = [f"**{md(p.name)}**" if p.name else ":gray[no name given]", f"{p.age} y" if p.age is not None else None,
             p.sex, f"{p.side} side" if p.side else None]
    return " · ".join(x for x in parts if x)


def _side_panel(record: Record) -> None:
    store = state.store()
    _actions(record)
    st.markdown("### Versions")
    for version, saved, who in store.records.versions(store.principal, record.id):
        current = " (shown)" if version == record.version else ""
        st.markdown(f"- Version {version}{current}: {documents.clinic_time(saved)}, {md(who) or 'unknown'}")
    visits = store.records.history(store.principal, record.pseudonym)
    if len(visits) > 1:
        st.markdown(f"### Assessments of {record.pseudonym}")
        for visit in visits:
            label = f"{visit.assessed_at:%Y-%m-%d} · {visit.practitioner}"
            if visit.id == record.id:
                st.markdown(f"- **{md(label)}** (this one)")
            else:
                st.button(label, key=f"rec:visit:{visit.id}", on_click=open_record, args=(visit.id,), type="tertiary",
                          icon=":material/history:")


def _outcome_history(record: Record) -> tuple[dict, dict]:
    """Scores at this patient's visits before this one, and each measure's series over all visits."""
    from intake.outcome_tracking import previous_scores, series

    if not record.assessment_data.get("outcomes"):
        return {}, {}
    store = state.store()
    visits = store.records.history(store.principal, record.pseudonym)
    filed = [store.records.get(store.principal, v.id, audit_view=False) if v.id != record.id else record for v in visits]
    filed = [r for r in filed if r is not None]
    earlier = previous_scores(r.assessment_data for r in filed if r.assessed_at < record.assessed_at)
    return earlier, series((r.assessed_at.date(), r.assessment_data) for r in filed)


def render(record_id: str) -> None:
    st.button("Back to the records", key="rec:back", on_click=close_record, icon=":material/arrow_back:")
    record, opening = _load(record_id)
    if record is None:
        st.error("Record not found in your clinic.", icon=":material/search_off:")
        return
    if opening:
        navigation.scroll_to_top("record")
    try:
        case, assessment = record.case(), record.assessment()
    except Exception:  # a record this version cannot read: say so, show no half-parsed data
        case = assessment = None
    follow = " · follow-up" if record.follows_id else ""
    st.header(f"Record {record.pseudonym}")
    st.caption(f"Filed {documents.clinic_time(record.assessed_at)} by {md(record.practitioner)} · version {record.version}"
               f"{follow} · knowledge base {record.knowledge_version or 'unknown'}")
    if case is None or assessment is None:
        st.error("This record cannot be read by this version of the app. Nothing has been changed; ask your "
                 "administrator.")
        return
    st.markdown(_patient_line(case))
    files(record, case, assessment)
    main, side = st.columns([2.4, 1], gap="large")
    with main:
        earlier, chart_series = _outcome_history(record)
        step_review.show_assessment(assessment, earlier)
        step_measures.charts(chart_series)
        if case.notes:
            st.markdown("### Practitioner's notes")
            st.text(case.notes)
        reasoning.disclaimer()
    with side:
        _side_panel(record)
    with st.expander("Answers as recorded", expanded=True, icon=":material/checklist:"):
        _answers(case)
