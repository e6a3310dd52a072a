"""Step 2: the red-flag screen, early, because an emergency changes everything after it."""

from __future__ import annotations

import streamlit as st

from intake.engine import screening_applies
from intake.models import RED_FLAG_KEYS
from intake.ui import fields
from intake.ui.evaluation import Evaluation


def render(ev: Evaluation) -> None:
    screening = fields.kb().screening
    red = [k for k in RED_FLAG_KEYS if screening[k].kind == "red_flag"]
    precautions = [k for k in RED_FLAG_KEYS if screening[k].kind == "precaution"]
    answered, applicable = ev.screening_progress()
    st.caption(f"{answered} of {applicable} asked. An answer you have not asked stays 'Not asked': it is a gap, not a no.")
    applies = screening_applies(ev.case, fields.kb())
    given = ev.data.get("red_flags", {})
    st.markdown("#### Screening questions")
    # A question that does not apply to this patient (by age) is not offered, unless it was answered.
    shown = [k for k in red if applies[k] or given.get(k) is not None]
    left, right = st.columns(2)
    for n, key in enumerate(shown):
        with left if n < (len(shown) + 1) // 2 else right:
            fields.flag(ev, f"red_flags.{key}")
    for key in red:
        if key not in shown:
            st.caption(f"{fields.label_of(key)}: not applicable for this patient (not asked).")
    st.markdown("#### Precautions for hands-on treatment")
    cols = st.columns(2)
    for n, key in enumerate(precautions):
        with cols[n % 2]:
            if applies[key] or given.get(key) is not None:
                fields.flag(ev, f"red_flags.{key}")
            else:
                st.caption(f"{fields.label_of(key)}: not applicable for this patient (not asked).")
