"""The Reports step's handout chooser: which exercises and self-care go on this patient's handout, at
what dose, with a personal line, the next appointment and the clinic's contact.

The choice starts from the findings (reports.content.handout_choices); a withheld item is shown with
its reason and cannot be ticked. The choice lives in this browser session only, and says so.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from intake.models import Assessment, Case
from intake.policy import visit
from intake.ui.fields import kb

__all__ = ["render"]


def _key(name: str) -> str:
    return f"ho:{st.session_state.get('draft_id') or 'new'}:{name}"


def render(case: Case, assessment: Assessment, clinic_phone: str | None) -> dict[str, Any]:
    """Draw the chooser; returns what the handout should hold (render_handout's keyword arguments)."""
    from reports.content import handout_choices

    choices = handout_choices(case, assessment, kb())
    st.markdown("#### The handout for this patient")
    chosen: list[str] = []
    doses: dict[str, str] = {}
    if visit.decided_by_referral(assessment):
        st.caption("The handout leads with the referral: exercises and self-care wait until the patient has been "
                   "checked, so none is printed today.")
    elif not choices:
        st.caption("No exercise or self-care item was suggested from these answers.")
    for c in choices:
        if visit.decided_by_referral(assessment):
            break
        box, dose = st.columns([3, 2], vertical_alignment="top")
        if c.withheld_reason:
            box.checkbox(c.title, value=False, disabled=True, key=_key(f"pick:{c.id}"))
            box.caption(f":red[Withheld:] {c.withheld_reason}")
            continue
        if box.checkbox(c.title, value=c.chosen, key=_key(f"pick:{c.id}")):
            chosen.append(c.id)
        if c.not_chosen_reason:
            box.caption(f"Not ticked to start with: {c.not_chosen_reason}")
        typed = dose.text_input(f"Dose: {c.title}", value=c.dose, key=_key(f"dose:{c.id}"), max_chars=200,
                                label_visibility="collapsed")
        if typed.strip() and typed.strip() != c.dose:
            doses[c.id] = typed.strip()
    note = st.text_area("A personal line for the patient (optional)", key=_key("note"), max_chars=500, height=70)
    left, right = st.columns(2)
    next_visit = left.text_input("Next appointment (optional)", key=_key("next"), max_chars=120,
                                 placeholder="e.g. Tuesday 8 December, 10:30")
    contact = right.text_input("Contact line", value=f"Call us on {clinic_phone}" if clinic_phone else "",
                               key=_key("contact"), max_chars=200)
    st.caption("These choices shape the handout only; they are not saved with the assessment.")
    return {"self_care": chosen, "doses": doses, "personal_note": note, "next_appointment": next_visit, "contact": contact}
