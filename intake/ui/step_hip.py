"""Step 4: hip examination: range of movement and the hip tests."""

from __future__ import annotations

from intake.ui import fields
from intake.ui.evaluation import Evaluation


def render(ev: Evaluation) -> None:
    for group in fields.kb().form.section("hip").groups:
        fields.group(ev, group)
