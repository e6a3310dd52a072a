"""Step 3: the pain history, with a body chart shaded as pain sites are chosen."""

from __future__ import annotations

import streamlit as st

from intake.models import ACTIVITIES, REGIONS
from intake.ui import bodychart, fields, state
from intake.ui.evaluation import Evaluation

ONSETS = ("gradual", "sudden", "after_trauma")
HISTORY_FLAGS = ("limp", "paraesthesia", "back_pain", "clicking_or_locking", "night_pain", "relieved_by_rest")


def region_label(region: str) -> str:
    words = fields.label_of(f"pain_sites.{region}").split(": ", 1)[-1]
    return words[:1].upper() + words[1:]


def activity_label(activity: str) -> str:
    return fields.label_of(f"aggravated_by.{activity}")


def render(ev: Evaluation) -> None:
    form, chart = st.columns([3, 2], gap="large")
    with form:
        fields.multi(ev, "history.pain_sites", REGIONS, label="Where is the pain? (choose every site)",
                     format_func=region_label, none_label="Asked: no pain site applies")
        fields.choice(ev, "history.onset", ONSETS)
        a, b, c = st.columns(3)
        with a:
            fields.number(ev, "history.pain_now", placeholder="0-10")
        with b:
            fields.number(ev, "history.pain_worst", placeholder="0-10")
        with c:
            fields.number(ev, "history.duration_weeks", integer=False, step=1, placeholder="Weeks")
        fields.multi(ev, "history.aggravated_by", ACTIVITIES, label="What brings the pain on or makes it worse?",
                     format_func=activity_label, none_label="Asked: none of these")
        fields.number(ev, "history.morning_stiffness_minutes", placeholder="Minutes")
        cols = st.columns(2)
        for n, key in enumerate(HISTORY_FLAGS):
            with cols[n % 2]:
                fields.flag(ev, f"history.{key}")
    with chart:
        bodychart.show(state.get_answer("history.pain_sites") or [], [], caption="Pain sites")
