"""Clinic administration: the clinic's details as every document prints them, and each practitioner's
registration. Saved through ``ClinicDetails`` (administrators only, checked, audited)."""

from __future__ import annotations

from functools import lru_cache

import streamlit as st

from intake.ui import state
from intake.ui.practice_state import md
from intake.ui.refusals import caught

__all__ = ["render"]

K = "adm:set:"
_TEXT = (("phone", "Phone (printed on every letter, for call-backs)"), ("email", "E-mail"), ("website", "Website"),
         ("registration", "Clinic registration"), ("emergency_number", "Emergency number on the handout (e.g. 999)"),
         ("urgent_advice", "Same-day advice service on the handout (e.g. NHS 111)"))
_LOGO_WORDS = {"keep": "Keep the current logo", "new": "Upload a new logo", "none": "No logo", "default": "The default logo"}


@lru_cache(maxsize=1)
def _zones() -> list[str]:
    from zoneinfo import available_timezones

    return sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/", "posix/", "right/")))


def _flash(kind: str, text: str) -> None:
    st.session_state.flash = (kind, text)

def _save() -> None:
    ss = st.session_state
    store = state.store()
    settings: dict = {key: (ss.get(K + key) or "").strip() for key, _ in _TEXT}
    settings["address"] = [line.strip() for line in (ss.get(K + "address") or "").splitlines() if line.strip()]
    settings["accent"] = ss.get(K + "accent") or ""
    settings["paper"] = ss.get(K + "paper") or ""
    settings["timezone"] = ss.get(K + "timezone") or ""
    choice = ss.get(K + "logo_choice") or "keep"
    logo: bytes | bool | None = True
    if choice == "new":
        upload = ss.get(K + "logo")
        if upload is None:
            _flash("error", "Not saved: choose the logo image to upload (PNG or JPEG, at most 2 MB).")
            return
        logo = upload.getvalue()
    elif choice == "none":
        logo = None
    elif choice == "default":
        logo = False
    store.clinic_details.save(store.principal, settings, logo=logo)
    st.session_state.pop("clinic:zone", None)  # the screens' times follow a new time zone at once
    _flash("success", "Clinic details saved: every summary, referral letter and handout now prints them.")


def _save_registration(practitioner_id: str, name: str) -> None:
    store = state.store()
    store.clinic_details.set_registration(store.principal, practitioner_id, st.session_state.get(K + f"reg:{practitioner_id}"))
    _flash("success", f"Registration saved for {name}.")


def _details() -> None:
    import reports

    store = state.store()
    details = store.clinic_details.get(store.clinic_id)
    if details is None:
        st.error("Your clinic no longer exists.")
        return
    current = details.branding(reports.load_branding())
    st.markdown("### Clinic details on documents")
    st.caption(f"Printed on every clinician summary, referral letter and handout of **{md(details.clinic_name)}**. "
               "Fields left empty use the defaults in clinic.toml.")
    with st.form(K + "form", border=True):
        left, right = st.columns(2)
        left.text_area("Address (one line each)", value="\n".join(current.address), key=K + "address", height=110,
                       max_chars=600)
        for n, (key, label) in enumerate(_TEXT):
            (right if n % 2 == 0 else left).text_input(label, value=getattr(current, key) or "", key=K + key, max_chars=200)
        zones = _zones()
        zone = current.timezone if current.timezone in zones else None
        right.selectbox("Time zone for printed times", zones, index=zones.index(zone) if zone else None, key=K + "timezone",
                        placeholder="The server's own time zone")
        left.selectbox("Paper", ("a4", "letter"), index=("a4", "letter").index(current.paper),
                       format_func={"a4": "A4", "letter": "US Letter"}.__getitem__, key=K + "paper")
        right.color_picker("Accent colour (headings and rules)", value=current.accent, key=K + "accent")
        st.radio("Logo", list(_LOGO_WORDS), format_func=_LOGO_WORDS.__getitem__, horizontal=True, key=K + "logo_choice")
        st.file_uploader("Logo image (PNG or JPEG, at most 2 MB)", type=["png", "jpg", "jpeg"], key=K + "logo")
        st.form_submit_button("Save clinic details", on_click=caught(_save, "Not saved"), type="primary", icon=":material/save:")


def _registrations() -> None:
    store = state.store()
    st.markdown("### Practitioners' registrations")
    st.caption("Printed under the practitioner's name on every document they sign, from the wizard or from Records.")
    for person in store.accounts.practitioners(store.clinic_id):
        if person.role == "student":
            continue
        name, field, button = st.columns([3, 3, 1.4], vertical_alignment="bottom")
        name.markdown(f"**{md(person.display_name)}**")
        field.text_input(f"Registration of {person.display_name}", value=store.clinic_details.registration(person.id) or "",
                         key=K + f"reg:{person.id}", max_chars=100, placeholder="e.g. HCPC PH123456",
                         label_visibility="collapsed")
        button.button("Save", key=K + f"reg:save:{person.id}", on_click=caught(_save_registration, "Not saved"),
                      args=(person.id, person.display_name), icon=":material/badge:")


def render() -> None:
    _details()
    _registrations()
