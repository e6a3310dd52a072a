"""The outcome-measures section of the clinician summary: its model (plain data; reports.summary draws it).

Each measure the patient completed: its interpretation, who reported it, the change since the
previous visit against the instrument's MCID, the plan it points to (STarT Back), and the
attribution and sources its licence and the knowledge base require.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from intake.measures import change
from intake.models import Assessment

__all__ = ["OutcomeLine", "outcome_lines"]


@dataclass(frozen=True)
class OutcomeLine:
    title: str  # the date the measure was completed, when recorded
    interpretation: str
    reported: str
    changes: tuple[str, ...]
    plan: str | None
    attribution: str
    citations: tuple[str, ...]


def outcome_lines(assessment: Assessment, previous: Mapping[str, Mapping[str, Any]] | None = None) -> tuple[OutcomeLine, ...]:
    out = []
    for o in assessment.outcomes:
        before = (previous or {}).get(o.measure)
        changes = tuple(c.text for c in change(o.measure, before, o.scores)) if before and o.valid else ()
        plan = f"{o.plan['text']} ({'; '.join(o.plan['citations'])})" if o.plan else None
        out.append(OutcomeLine(
            title=o.date or "",
            interpretation=o.interpretation,
            reported="patient-reported" if o.reported_by == "patient" else "",
            changes=changes, plan=plan, attribution=o.attribution, citations=tuple(o.citations),
        ))
    return tuple(out)
