"""Step 3: the pain history, with a body chart shaded as pain sites are chosen."""

from __future__ import annotations

import streamlit as st

from intake.form import Slot
from intake.ui import bodychart, fields, state
from intake.ui.evaluation import Evaluation


def region_label(region: str) -> str:
    words = fields.label_of(f"pain_sites.{region}").split(": ", 1)[-1]
    return words[:1].upper() + words[1:]


def activity_label(activity: str) -> str:
    return fields.label_of(f"aggravated_by.{activity}")


def render(ev: Evaluation) -> None:
    form, chart = st.columns([3, 2], gap="large")
    formats = {"history.pain_sites": region_label, "history.aggravated_by": activity_label}

    def draw(answer: Slot) -> None:
        fields.slot(ev, answer, format_func=formats.get(answer.path))

    with form:
        for group in fields.kb().form.section("history").groups:
            fields.group(ev, group, draw=draw)
    with chart:
        bodychart.show(state.get_answer("history.pain_sites") or [], [], caption="Pain sites")
