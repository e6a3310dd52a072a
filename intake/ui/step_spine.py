"""Step 5: lumbar, neural and sacroiliac examination (and the deep gluteal tests)."""

from __future__ import annotations

import streamlit as st

from intake.ui import fields
from intake.ui.evaluation import Evaluation

GROUPS = (
    ("Lumbar spine", ("lumbar_movement_reproduces_pain", "centralisation")),
    ("Neural tension", ("slr", "crossed_slr", "slump", "prone_knee_bend")),
    ("Sacroiliac joint", ("sij_distraction", "sij_thigh_thrust", "sij_compression", "sij_sacral_thrust", "gaenslen")),
    ("Deep gluteal (sciatic nerve at the hip)", ("fair", "seated_piriformis_stretch")),
)


def render(ev: Evaluation) -> None:
    fields.flag(ev, "exam.neuro_deficit")
    for title, tests in GROUPS:
        st.markdown(f"#### {title}")
        cols = st.columns(2)
        for n, test in enumerate(tests):
            with cols[n % 2]:
                fields.test_result(ev, f"exam.tests.{test}")
