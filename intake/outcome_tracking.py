"""Outcome scores across a patient's visits: the previous scores for a follow-up, and one series
per measure for the record page's charts and the exports. Pure functions over filed assessments.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

__all__ = ["latest_scores", "previous_scores", "series"]


def latest_scores(assessment_data: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """measure -> scores for each measure scored in one assessment (the last entry of a measure wins)."""
    out: dict[str, dict[str, Any]] = {}
    for entry in assessment_data.get("outcomes") or []:
        if entry.get("valid") and entry.get("scores"):
            out[entry["measure"]] = dict(entry["scores"])
    return out


def previous_scores(visits: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """For each measure, its most recent scores among earlier visits (oldest first in `visits`)."""
    out: dict[str, dict[str, Any]] = {}
    for assessment_data in visits:
        out.update(latest_scores(assessment_data))
    return out


def series(visits: Iterable[tuple[date, Mapping[str, Any]]]) -> dict[str, list[tuple[date, dict[str, Any]]]]:
    """measure -> [(visit date, scores), ...] oldest first, for every visit that scored it."""
    out: dict[str, list[tuple[date, dict[str, Any]]]] = {}
    for when, assessment_data in sorted(visits, key=lambda v: v[0]):
        for measure, scores in latest_scores(assessment_data).items():
            out.setdefault(measure, []).append((when, scores))
    return out
