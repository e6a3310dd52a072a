"""Step 5: lumbar, neural and sacroiliac examination (and the deep gluteal tests)."""

from __future__ import annotations

from intake.ui import fields
from intake.ui.evaluation import Evaluation


def render(ev: Evaluation) -> None:
    for group in fields.kb().form.section("spine").groups:
        fields.group(ev, group)
