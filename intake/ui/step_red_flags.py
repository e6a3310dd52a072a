"""Step 2: the red-flag screen, early, because an emergency changes everything after it."""

from __future__ import annotations

import streamlit as st

from intake.engine import screening_applies
from intake.form import Slot
from intake.ui import fields, red_flag_clusters
from intake.ui.evaluation import Evaluation


def render(ev: Evaluation) -> None:
    answered, applicable = ev.screening_progress()
    st.caption(f"{answered} of {applicable} asked. An answer you have not asked stays 'Not asked': it is a gap, not a no.")
    applies = screening_applies(ev.case, fields.kb())
    given = ev.data.get("red_flags", {})

    def asked_if_it_applies(answer: Slot) -> None:
        """A question that does not apply to this patient (pregnancy, say) is not offered, unless answered."""
        if applies[answer.key] or given.get(answer.key) is not None:
            fields.slot(ev, answer)
        else:
            st.caption(f"{fields.label_of(answer.key)}: not applicable for this patient (not asked).")

    red_flag_clusters.render(applies, given)  # "none of these (asked)", per cluster
    for group in fields.kb().form.section("red_flags").groups:
        fields.group(ev, group, draw=asked_if_it_applies)
