"""Step 6: palpation: which muscles reproduce the familiar pain, with their referral zones."""

from __future__ import annotations

import streamlit as st

from intake.form import Slot
from intake.ui import bodychart, fields, state
from intake.ui.evaluation import Evaluation


def muscle_label(muscle: str) -> str:
    return fields.kb().muscles[muscle].label


def render(ev: Evaluation) -> None:
    form, chart = st.columns([3, 2], gap="large")
    muscles = fields.kb().muscles
    chosen: list[str] = []

    def draw(answer: Slot) -> None:
        fields.slot(ev, answer, format_func=muscle_label if answer.path == "exam.tender_muscles" else None)

    with form:
        for group in fields.kb().form.section("palpation").groups:
            fields.group(ev, group, draw=draw)
        chosen = state.get_answer("exam.tender_muscles") or []
        if chosen:  # last in its column: nothing after it moves
            st.markdown("**Referral patterns of the chosen muscles**")
            st.markdown("\n".join(f"- **{muscles[m].label}**: {muscles[m].referral_description}" for m in chosen if m in muscles))
    with chart:
        zones = sorted({z for m in chosen if m in muscles for z in muscles[m].referral_zones})
        bodychart.show(state.get_answer("history.pain_sites") or [], zones,
                       caption="Pain sites (shaded) and referral zones of the chosen muscles")
