"""The Reports step's handout chooser: which exercises and self-care go on this patient's handout, at
what dose, with a personal line, the next appointment and a contact line.

The choice starts from the findings (reports.content.handout_choices); a withheld item is shown with
its reason and cannot be ticked. What the practitioner changes from that start is kept in the
answers as the case's ``handout`` (a ``HandoutPlan``): saved with the draft, filed with the record,
and read again when Records re-issues the handout. Only what differs from the default is kept, so an
untouched choice keeps following the findings.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from intake.models import Assessment, Case
from intake.policy import visit
from intake.ui import state
from intake.ui.fields import kb

__all__ = ["render", "sync"]

_TEXTS = (("note", "personal_note"), ("next", "next_appointment"), ("contact", "contact"))


def _key(name: str) -> str:
    """Under the wizard's widget prefix, so a new, loaded or resumed assessment starts from its own choice."""
    return state.widget_key(f"handout:{st.session_state.get('draft_id') or 'new'}:{name}")


def _kept() -> dict[str, Any]:
    plan = state.get_answer("handout")
    return plan if isinstance(plan, dict) else {}


def _plan(case: Case, assessment: Assessment) -> dict[str, Any]:
    """What the chooser's widgets (or, where a widget is not drawn, the kept choice) say now, as the
    parts of the plan that differ from the default."""
    ss, kept = st.session_state, _kept()
    plan: dict[str, Any] = {}
    if visit.decided_by_referral(assessment):  # no exercise is offered today: keep what was chosen before
        plan.update({k: v for k, v in kept.items() if k in ("exercises", "doses")})
    else:
        offered = [c for c in _choices(case, assessment) if c.withheld_reason is None]
        kept_ticks = kept.get("exercises")
        chosen = [c.id for c in offered
                  if ss.get(_key(f"pick:{c.id}"), c.id in kept_ticks if kept_ticks is not None else c.chosen)]
        if set(chosen) != {c.id for c in offered if c.chosen}:
            plan["exercises"] = chosen
        doses = {}
        for c in offered:
            typed = str(ss.get(_key(f"dose:{c.id}"), (kept.get("doses") or {}).get(c.id, c.dose))).strip()
            if typed and typed != c.dose:
                doses[c.id] = typed
        if doses:
            plan["doses"] = doses
    for name, part in _TEXTS:
        typed = str(ss.get(_key(name), kept.get(part) or "")).strip()
        if typed:
            plan[part] = typed
    return plan


def _choices(case: Case, assessment: Assessment):
    from reports.content import handout_choices

    return handout_choices(case, assessment, kb())


def sync(case: Case, assessment: Assessment) -> bool:
    """Keep the chooser's current choice in the answers; True if it changed. Only the answers: the
    draft is written once per run by the app's one write path (``state.settle`` at the end of the
    run, ``state.collect`` at the start of the next). Filing (a request ``collect()`` carries out)
    calls this too, so a line typed just before the click is filed with the record."""
    plan = _plan(case, assessment)
    if plan == _kept():
        return False
    state.put("handout", plan or None)
    return True


def render(case: Case, assessment: Assessment, clinic_phone: str | None) -> dict[str, Any]:
    """Draw the chooser; returns what the handout should hold (render_handout's keyword arguments)."""
    choices = _choices(case, assessment)
    kept = _kept()
    kept_ticks, kept_doses = kept.get("exercises"), kept.get("doses") or {}
    st.markdown("#### The handout for this patient")
    decided = visit.decided_by_referral(assessment)
    if decided:
        st.caption("The handout leads with the referral: exercises and self-care wait until the patient has been "
                   "checked, so none is printed today.")
    elif not choices:
        st.caption("No exercise or self-care item was suggested from these answers.")
    for c in () if decided else choices:
        box, dose = st.columns([3, 2], vertical_alignment="top")
        if c.withheld_reason:
            box.checkbox(c.title, value=False, disabled=True, key=_key(f"pick:{c.id}"))
            box.caption(f":red[Withheld:] {c.withheld_reason}")
            continue
        box.checkbox(c.title, value=c.id in kept_ticks if kept_ticks is not None else c.chosen, key=_key(f"pick:{c.id}"))
        if c.not_chosen_reason:
            box.caption(f"Not ticked to start with: {c.not_chosen_reason}")
        dose.text_input(f"Dose: {c.title}", value=kept_doses.get(c.id, c.dose), key=_key(f"dose:{c.id}"), max_chars=200,
                        label_visibility="collapsed")
    st.text_area("A personal line for the patient (optional)", value=kept.get("personal_note", ""), key=_key("note"),
                 max_chars=500, height=70)
    left, right = st.columns(2)
    left.text_input("Next appointment (optional)", value=kept.get("next_appointment", ""), key=_key("next"),
                    max_chars=120, placeholder="e.g. Tuesday 8 December, 10:30")
    right.text_input("Contact line (optional)", value=kept.get("contact", ""), key=_key("contact"), max_chars=200,
                     placeholder=f"e.g. Call us on {clinic_phone}" if clinic_phone else "e.g. Call us to rebook")
    sync(case, assessment)
    plan = _kept()
    st.caption("These choices are saved with the assessment and filed with the record; a handout re-issued from "
               "Records holds the same." if st.session_state.get("consent") else
               "These choices are kept with the assessment once consent to record is given on step 1.")
    chosen = plan.get("exercises")
    return {"self_care": chosen if chosen is not None else [c.id for c in choices if c.chosen],
            "doses": plan.get("doses") or {}, "personal_note": plan.get("personal_note", ""),
            "next_appointment": plan.get("next_appointment", ""), "contact": plan.get("contact", "")}
