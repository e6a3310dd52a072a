"""Filing the finished assessment as a clinic record (the Reports step's button), and saying
which record a follow-up or an amendment belongs to.

The record is confirmed only after ``ClinicStore.file`` has returned (its transaction, with the
audit entry and the draft's removal, has committed); when it fails, the draft stays as it was.
"""

from __future__ import annotations

import logging

import streamlit as st

from intake import assess
from intake.storage.failures import DatabaseError
from intake.storage.records import AccessDenied, RecordChanged
from intake.ui import guard, handout_chooser, record_view, state
from intake.ui.evaluation import Evaluation, evaluate
from intake.ui.practice_state import md

__all__ = ["FILED_KEY", "file_now", "is_amendment", "link_caption", "missing", "notice"]

log = logging.getLogger(__name__)

FILED_KEY = "filed"            # the record just filed: {"id", "pseudonym", "version", "amended"}
_LINK_KEY = "_link_caption"    # ((amends|follows, record id), caption): looked up once per linked draft


def is_amendment() -> bool:
    return bool((st.session_state.get("draft_links") or {}).get("amends_id"))


def missing(ev: Evaluation) -> str | None:
    """Why the assessment cannot be filed yet, in words; None when it can."""
    ss = st.session_state
    if not ev.valid or ev.case is None:
        return "correct the answers marked on the earlier steps (see Review)"
    if ev.assessment is None:
        return "the reasoning must be available"
    if not ss.consent:
        return "record the patient's consent on step 1"
    if not ss.draft_id:
        return "wait until the draft is saved"
    return None


def file_now() -> None:
    """The button's request (run by ``state.collect()``): file what the session holds now, then
    start a new assessment. Run again after a cut-short run, it finishes instead of filing twice."""
    ss = st.session_state
    done = state.inbox().filed
    draft_id = ss.draft_id
    record = done.get(draft_id) if draft_id else None
    if record is None:
        ev = evaluate(ss.answers, assess)  # the answers as they are at the click, not as last drawn
        if ev.case is not None and ev.assessment is not None and handout_chooser.sync(ev.case, ev.assessment):
            ev = evaluate(ss.answers, assess)  # a handout line typed just before the click is filed too
        why_not = missing(ev)
        if why_not:
            ss.flash = ("error", f"Not filed: {why_not}.")
            return
        store = state.store()
        if store.get(draft_id) is None:
            ss.draft_id = None  # the end of this run saves it again as a new draft
            ss.flash = ("error", "Not filed: this assessment's draft was deleted (in another tab?). It has been saved "
                        "again as a new draft; file it again.")
            return
        try:
            record = store.file(draft_id, ev.case, ev.assessment)
            done[draft_id] = record  # no session-state access (no yield point) since the write
        except AccessDenied as exc:
            ss.flash = ("error", f"Not filed: {exc} The draft is kept, nothing is lost.")
            return
        except RecordChanged as exc:
            ss.flash = ("error", f"Not saved: {exc} Your amended answers are kept in this draft.")
            return
        except DatabaseError as exc:
            log.error("filing failed (%s)", type(exc).__name__)  # never the answers
            ss.flash = ("error", "Not filed: the database could not store the record. The draft is kept, nothing is "
                        "lost; try again, and tell your administrator if it keeps failing.")
            return
    amended = is_amendment()
    state.start_new()
    ss[FILED_KEY] = {"id": record.id, "pseudonym": record.pseudonym, "version": record.version, "amended": amended}
    done.pop(draft_id, None)


@guard.db_safe
def _open_filed(record_id: str) -> None:
    st.session_state.pop(FILED_KEY, None)
    record_view.open_record(record_id)


def notice() -> None:
    """After filing: what was filed, and a way to open it (until the next assessment is started)."""
    ss = st.session_state
    filed = ss.get(FILED_KEY)
    if not filed:
        return
    if ss.get("draft_id"):  # a new assessment is under way: the notice has done its job
        ss.pop(FILED_KEY, None)
        return
    what = (f"Amendment saved: record {filed['pseudonym']} is now version {filed['version']}." if filed["amended"]
            else f"Filed as record {filed['pseudonym']} (version {filed['version']}). The draft has been removed "
                 "and a new assessment has started.")
    box = st.container(horizontal=True, vertical_alignment="center", key="filed-notice")
    box.success(what, icon=":material/inventory_2:")
    box.button("Open the record", key="filed:open", on_click=_open_filed, args=(filed["id"],), icon=":material/folder_open:")
    box.button("Dismiss", key="filed:dismiss", on_click=lambda: ss.pop(FILED_KEY, None), type="tertiary")
    _filed_files(filed["id"])


def _filed_files(record_id: str) -> None:
    """Filing and printing do not fight: the filed record's documents stay here, made from the record as filed
    (and audited as any re-issue), until the next assessment starts."""
    from intake.ui import record_view  # here, not at the top: record_view reaches this module through step_reports

    store = state.store()
    try:
        record = store.records.get(store.principal, record_id, audit_view=False)
    except AccessDenied:
        record = None
    if record is not None:
        record_view.files(record, record.case(), record.assessment())


def link_caption() -> str | None:
    """"Follow-up of P-…, assessed …" or "Amending record P-…", for the draft open now."""
    ss = st.session_state
    links = ss.get("draft_links") or {}
    target = links.get("amends_id") or links.get("follows_id")
    if not target:
        return None
    which = ("amends" if links.get("amends_id") else "follows", target)
    cached = ss.get(_LINK_KEY)
    if not cached or cached[0] != which:
        store = state.store()
        try:
            record = store.records.get(store.principal, target, audit_view=False)
        except AccessDenied:
            record = None
        if record is None:
            text = "This draft belongs to a record that is no longer in your clinic; it cannot be filed against it."
        elif links.get("amends_id"):
            text = (f"Amending record {record.pseudonym} (version {record.version}, assessed "
                    f"{record.assessed_at:%Y-%m-%d} by {md(record.practitioner)}). Saving files version {record.version + 1}.")
        else:
            text = f"Follow-up of {record.pseudonym}, assessed {record.assessed_at:%Y-%m-%d} by {md(record.practitioner)}."
        ss[_LINK_KEY] = cached = (which, text)
    return cached[1]
