"""Clinic administration: the patient's pre-visit form, how long a new patient link lasts and which
outcome measures it asks. Saved through ``PatientFormSettings`` (administrators only, checked, audited);
the link panel on step 1 offers exactly these."""

from __future__ import annotations

import streamlit as st

from intake.measures import load_measures
from intake.ui import state
from intake.ui.refusals import caught

__all__ = ["render"]

K = "adm:pform:"


def _save() -> None:
    store = state.store()
    ss = st.session_state
    saved = store.patient_form.save(store.principal, link_days=int(ss.get(K + "days") or 0),
                                    measures=list(ss.get(K + "measures") or []))
    asked = ", ".join(load_measures().measures[m].short for m in saved.measures) or "no outcome measures"
    ss.flash = ("success", f"Patient form saved: new links last {saved.link_days} days and ask {asked}.")


def render() -> None:
    store = state.store()
    current = store.patient_form.get(store.clinic_id)
    ms = load_measures().measures
    st.markdown("### Patient's pre-visit form")
    st.caption("How long a new patient link lasts, and the outcome measures the form asks (in this order). "
               "Links already given keep what they were made with.")
    with st.form(K + "form", border=True):
        left, right = st.columns([1, 3])
        left.number_input("Link lasts (days)", min_value=1, max_value=90, value=current.link_days, step=1, key=K + "days")
        right.multiselect("Measures the form asks", list(ms), default=list(current.measures), key=K + "measures",
                          format_func=lambda i: f"{ms[i].short}: {ms[i].name}")
        st.form_submit_button("Save patient form", on_click=caught(_save, "Not saved"), type="primary", icon=":material/save:")
