"""Clinic administration (administrators only): how long records are kept and purging them, the
clinic's accounts, and the clinic's audit log.

Every change goes through ``Accounts`` / ``Records`` with the administrator as the actor, which
check the role and the clinic again and write the audit entry in the same transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import streamlit as st

from intake import record_tables
from intake.policy.roles import ROLE_WORDS, ROLES
from intake.ui import clinic_settings, patient_form_admin, state
from intake.ui.practice_state import md
from intake.ui.refusals import caught

__all__ = ["render"]

A = "adm:"
AUDIT_SHOWN = 500
AUDIT_EXPORTED = 10_000
_ROLE_WORDS = ROLE_WORDS
_KEEP_WORDS = {"forever": "Until deleted by hand", "days": "For a number of days"}


def _flash(kind: str, text: str) -> None:
    st.session_state.flash = (kind, text)


# ---------------------------------------------------------------- retention and purge


def _save_retention() -> None:
    ss = st.session_state
    days = None if ss.get(A + "keep") == "forever" else int(ss.get(A + "days") or 0)
    state.store().accounts.set_retention(state.store().principal, days)
    ss.pop(A + "confirm_purge", None)
    _flash("success", "Records are now kept until deleted by hand." if days is None
           else f"Records are now kept for {days} days after the assessment; older ones can be purged below.")


def _purge() -> None:
    store = state.store()
    st.session_state.pop(A + "confirm_purge", None)
    count = store.records.purge(store.clinic_id, actor=store.principal)
    _flash("success", f"Purged {count} record{'s' if count != 1 else ''} older than the retention period.")


def _retention() -> None:
    st.markdown("### Record retention")
    form, purge = st.columns(2, gap="large")
    store = state.store()
    clinic = store.accounts.clinic(store.clinic_id)
    days = clinic.retention_days if clinic else None
    with form:
        st.markdown("Records are kept **until deleted by hand**." if days is None
                    else f"Records are kept for **{days} days** after the assessment.")
        with st.form(A + "retention", border=True):
            st.radio("Keep records", list(_KEEP_WORDS), format_func=_KEEP_WORDS.__getitem__, horizontal=True,
                     index=0 if days is None else 1, key=A + "keep")
            st.number_input("Days after the assessment", min_value=1, max_value=36_500, value=days or 3_650, step=1,
                            key=A + "days", help="Used when 'For a number of days' is chosen. 3,650 days is about 10 years.")
            st.form_submit_button("Save retention", on_click=caught(_save_retention, "Not saved"), icon=":material/save:")
    with purge:
        _purge_section(days)


def _save_identified() -> None:
    on = st.session_state.get(A + "identified") == "identified"
    state.store().accounts.set_identified_referrals(state.store().principal, on)
    _flash("success", "FHIR referrals now name the patient (a Patient with name and identifier)." if on
           else "FHIR referrals now carry the pseudonym only, never the name.")


def _referrals() -> None:
    st.markdown("### FHIR referrals")
    store = state.store()
    clinic = store.accounts.clinic(store.clinic_id)
    on = bool(clinic and clinic.identified_referrals)
    st.markdown("FHIR referrals **name the patient**." if on else "FHIR referrals carry the **pseudonym only** (the default).")
    with st.form(A + "referrals", border=True):
        st.radio("The patient in FHIR referrals", ["pseudonym", "identified"], index=int(on), horizontal=True, key=A + "identified",
                 format_func={"pseudonym": "Pseudonym only", "identified": "Identified (name, for a record system)"}.__getitem__,
                 help="Identified referrals add a Patient with the name and the record's pseudonym as identifier, and the "
                      "letter in the bundle shows the name. Every change is in the audit log.")
        st.form_submit_button("Save referral setting", on_click=caught(_save_identified, "Not saved"), icon=":material/save:")


def _purge_section(days: int | None) -> None:
    store = state.store()
    st.markdown("**Purge**")
    if days is None:
        st.caption("Nothing is purged while records are kept until deleted by hand.")
        return
    expired = store.records.expired(store.clinic_id)
    cutoff = datetime.now(UTC) - timedelta(days=days)
    st.markdown(f"**{expired}** record{'s' if expired != 1 else ''} assessed before {cutoff:%Y-%m-%d} would be purged now.")
    if st.session_state.get(A + "confirm_purge"):
        box = st.container(border=True)
        box.warning(f"Delete {expired} record{'s' if expired != 1 else ''} and all their versions? This cannot be undone; "
                    "the audit log keeps a note of each one.", icon=":material/delete_forever:")
        row = box.container(horizontal=True)
        row.button("Yes, purge them", key=A + "purge:yes", on_click=caught(_purge, "Not purged"), type="primary", icon=":material/delete_forever:")
        row.button("Cancel", key=A + "purge:no", on_click=lambda: st.session_state.pop(A + "confirm_purge", None))
    else:
        st.button("Purge now…", key=A + "purge", disabled=not expired, icon=":material/auto_delete:",
                  on_click=lambda: st.session_state.update({A + "confirm_purge": True}))


# ---------------------------------------------------------------- accounts


_NEW = ("new_username", "new_name", "new_email", "new_password", "new_password2")


def _add() -> None:
    ss = st.session_state
    store = state.store()
    username, name = (ss.get(A + "new_username") or "").strip(), (ss.get(A + "new_name") or "").strip()
    email = (ss.get(A + "new_email") or "").strip() or None
    password, again = ss.get(A + "new_password") or "", ss.get(A + "new_password2") or ""
    if password != again:
        _flash("error", "Not added: the two passwords differ.")
        return
    added = store.accounts.add_practitioner(store.clinic_id, username, name, password=password or None, email=email,
                                            role=ss.get(A + "new_role") or "practitioner", actor=store.principal)
    for key in _NEW:
        ss[A + key] = ""
    _flash("success", f"Account {added.username} added ({_ROLE_WORDS[added.role].lower()}).")


def _set_active(practitioner_id: str, active: bool, username: str) -> None:
    store = state.store()
    store.accounts.set_active(store.principal, practitioner_id, active)
    _flash("success", f"{username} can sign in again." if active
           else f"{username} is deactivated and is signed out at their next click.")


def _unlock(practitioner_id: str, username: str) -> None:
    store = state.store()
    store.accounts.unlock(store.principal, practitioner_id)
    _flash("success", f"{username} can sign in again now (the sign-in lock is lifted).")


def _accounts() -> None:
    store = state.store()
    st.markdown("### Accounts")
    locked = store.accounts.locked_usernames(store.clinic_id)
    for person in store.accounts.practitioners(store.clinic_id):
        row = st.container(border=True, key=f"adm-person-{person.id}")
        text, button = row.columns([6, 1.4], vertical_alignment="center")
        seen = f"last signed in {person.last_sign_in:%Y-%m-%d %H:%M} UTC" if person.last_sign_in else "never signed in"
        status = "" if person.active else " · :red-badge[deactivated]"
        if person.username in locked:
            status += " · :orange-badge[locked after failed sign-ins]"
        email = f" · {md(person.email)} (single sign-on)" if person.email else ""
        text.markdown(f"**{md(person.display_name)}** · `{person.username}` · {_ROLE_WORDS.get(person.role, person.role)}"
                      f"{email}{status}  \n:gray[{seen}]")
        if person.username in locked and person.id != store.principal.user_id:
            button.button("Unlock", key=f"{A}unlock:{person.id}", on_click=caught(_unlock, "Not unlocked"), args=(person.id, person.username),
                          icon=":material/lock_open:")
        if person.id == store.principal.user_id:
            button.caption("You")
        elif person.active:
            button.button("Deactivate", key=f"{A}off:{person.id}", on_click=caught(_set_active, "Not deactivated"),
                          args=(person.id, False, person.username), icon=":material/person_off:")
        else:
            button.button("Reactivate", key=f"{A}on:{person.id}", on_click=caught(_set_active, "Not reactivated"),
                          args=(person.id, True, person.username), icon=":material/person_check:")
    with st.expander("Add an account", icon=":material/person_add:"), st.form(A + "add", border=False):
        left, right = st.columns(2)
        left.text_input("Username", key=A + "new_username", max_chars=100, autocomplete="off")
        right.text_input("Name", key=A + "new_name", max_chars=200, autocomplete="off")
        left.selectbox("Role", ROLES, index=ROLES.index("practitioner"), format_func=_ROLE_WORDS.__getitem__,
                       key=A + "new_role")
        right.text_input("E-mail for single sign-on (optional)", key=A + "new_email", max_chars=200, autocomplete="off")
        left.text_input("Password (at least 10 characters)", type="password", key=A + "new_password",
                        autocomplete="new-password", help="Leave empty for an account that only uses single sign-on.")
        right.text_input("Password again", type="password", key=A + "new_password2", autocomplete="new-password")
        st.form_submit_button("Add account", on_click=caught(_add, "Not added"), type="primary", icon=":material/person_add:")


# ---------------------------------------------------------------- audit log


def _audit() -> None:
    store = state.store()
    st.markdown("### Audit log")
    st.caption("Who signed in, opened, filed, changed, exported or deleted what, and when. Records are named by id; "
               "the log holds no patient's name or answers.")
    frame = record_tables.audit_frame(store.audit.entries(store.clinic_id, limit=AUDIT_SHOWN))
    audit_log, principal = store.audit, store.principal
    st.download_button("Audit log (CSV)", lambda: record_tables.to_csv(record_tables.audit_frame(
                           audit_log.export(principal, limit=AUDIT_EXPORTED))),
                       file_name="audit-log.csv", mime="text/csv", on_click="ignore", icon=":material/download:",
                       key=A + "audit:csv", help=f"The latest {AUDIT_EXPORTED:,} entries.")
    st.dataframe(frame, hide_index=True, width="stretch", height=420, column_config={
        "when_utc": st.column_config.DatetimeColumn("When (UTC)", format="YYYY-MM-DD HH:mm:ss"),
        "who": "Who", "action": "Action", "kind": "Kind", "record_id": "Record id", "detail": "Detail"})
    st.caption(f"The latest {min(len(frame), AUDIT_SHOWN)} entries are shown.")


def render() -> None:
    principal = state.store().principal
    st.header("Clinic administration")
    if not principal.is_admin:
        st.error("Only a clinic administrator can open this section.")
        return
    st.caption(f"{md(principal.clinic_name)}: details on documents, retention, accounts and the audit log.")
    clinic_settings.render()
    st.divider()
    patient_form_admin.render()
    st.divider()
    _retention()
    st.divider()
    _referrals()
    st.divider()
    _accounts()
    st.divider()
    _audit()
