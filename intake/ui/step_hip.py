"""Step 4: hip examination: range of movement and the hip tests."""

from __future__ import annotations

import streamlit as st

from intake.ui import fields
from intake.ui.evaluation import Evaluation

HIP_TESTS = (
    "faber", "fadir", "scour", "hip_ir_pain", "log_roll", "active_hip_extension_pain",
    "active_hip_flexion_lateral_pain", "trendelenburg", "single_leg_stance_30s",
    "resisted_external_derotation", "greater_trochanter_palpation", "thomas", "ober",
)


def render(ev: Evaluation) -> None:
    a, b = st.columns(2)
    with a:
        fields.number(ev, "exam.hip_internal_rotation_deg", placeholder="Degrees")
    with b:
        fields.number(ev, "exam.hip_flexion_deg", placeholder="Degrees")
    st.markdown("#### Tests")
    cols = st.columns(2)
    for n, test in enumerate(HIP_TESTS):
        with cols[n % 2]:
            fields.test_result(ev, f"exam.tests.{test}")
