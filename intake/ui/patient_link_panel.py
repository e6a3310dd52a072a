"""The practitioner's side of the patient link, on step 1: make one (link and QR code, shown once),
see each link's state, revoke one. The patient's answers come back into this draft marked
patient-reported (intake.storage.patient_links)."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import streamlit as st

from intake.i18n import languages, resolve
from intake.measures import load_measures
from intake.ui import state

__all__ = ["link_url", "qr_svg", "render"]

_NEW = "plink:new"  # (draft id, url) of the link just made: its secret is shown in this session only


def link_url(base: str, token: str) -> str:
    parts = urlsplit(base or "http://localhost:8501/")
    return f"{parts.scheme}://{parts.netloc}{parts.path or '/'}?patient={token}"


def qr_svg(url: str) -> str:
    import segno

    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=4, border=2, title="Link to the pre-visit form")
    return out.getvalue().decode("utf-8")


def _create(draft_id: str) -> None:
    store = state.store()
    language = st.session_state.get("plink:language") or "en"
    allowed = store.patient_form.get(store.clinic_id).measures
    measures = [m for m in st.session_state.get("plink:measures") or [] if m in allowed]  # only what the clinic asks
    info, token = store.root.patient_links.create(store.principal, draft_id, language=language, measures=measures)
    days = max(1, round((info.expires - info.created).total_seconds() / 86400))
    st.session_state[_NEW] = (draft_id, link_url(st.context.url, token), days)


def _revoke(link_id: str) -> None:
    store = state.store()
    store.root.patient_links.revoke(store.principal, link_id)


def render() -> None:
    draft_id = st.session_state.get("draft_id")
    with st.expander("Patient's pre-visit form (link and QR code)", icon=":material/qr_code_2:"):
        if not draft_id:
            st.info("Record the patient's consent first: the link fills this draft.")
            return
        ms = load_measures()
        langs = languages()
        store = state.store()
        form = store.patient_form.get(store.clinic_id)  # the clinic's choice (Clinic administration)
        st.session_state.setdefault("plink:language", resolve(state.get_answer("patient.language")))
        if [m for m in st.session_state.get("plink:measures") or [] if m not in form.measures]:
            del st.session_state["plink:measures"]  # the clinic's choice changed since: offer it afresh
        st.session_state.setdefault("plink:measures", list(form.measures))
        st.selectbox("Patient's language", list(langs), key="plink:language",
                     format_func=lambda c: f"{langs[c].native} ({langs[c].name})"
                     + ("" if langs[c].reviewed else " — translation not yet reviewed by a clinician"))
        if form.measures:
            st.multiselect("Measures to ask (your clinic's choice)", list(form.measures), key="plink:measures",
                           format_func=lambda i: ms.measures[i].short)
        else:
            st.caption("Your clinic's patient form asks no outcome measures (Clinic administration).")
        st.caption(f"A new link lasts {form.link_days} days (Clinic administration).")
        st.button("Make a patient link", key="plink:make", on_click=_create, args=(draft_id,), icon=":material/link:")
        new = st.session_state.get(_NEW)
        if new and new[0] == draft_id:
            st.success(f"Give this link to the patient (valid for {new[2]} days, for this patient only). "
                       "It is shown only now.")
            st.code(new[1], language=None)
            st.image(qr_svg(new[1]), width=200, alt="QR code of the patient link")
        for info in store.root.patient_links.for_draft(store.principal, draft_id):
            status = info.state()
            line = (f"Link made {info.created:%Y-%m-%d %H:%M} UTC · {langs.get(info.language).name if info.language in langs else info.language}"
                    f" · {status} · expires {info.expires:%Y-%m-%d}")
            left, right = st.columns([4, 1], vertical_alignment="center")
            left.markdown(line)
            if status == "open":
                right.button("Revoke", key=f"plink:revoke:{info.id}", on_click=_revoke, args=(info.id,))
