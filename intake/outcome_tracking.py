"""Outcome scores across a patient's visits: the previous scores for a follow-up, and one series
per measure for the record page's charts and the exports. Pure functions over filed assessments.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

__all__ = ["latest_scores", "outcome_text", "outcome_tokens", "parse_tokens", "previous_scores", "series", "service_audit"]


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


def outcome_tokens(assessment_data: Mapping[str, Any]) -> str:
    """Each valid numeric or category score as ``measure.score=value`` tokens, ``;``-joined, for exports."""
    return ";".join(f"{m}.{k}={v}" for m, scores in latest_scores(assessment_data).items() for k, v in scores.items())


def parse_tokens(text: str) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for token in (text or "").split(";"):
        if "=" not in token or "." not in token.split("=", 1)[0]:
            continue
        name, value = token.split("=", 1)
        measure, score = name.split(".", 1)
        number: Any = value
        with contextlib.suppress(ValueError):
            number = int(value) if value.lstrip("-").isdigit() else float(value)
        out.setdefault(measure, {})[score] = number
    return out


def outcome_text(tokens: str) -> str:
    """The tokens as the export shows them: ``ODI 2.1a percent 30; PSFS average 4.3``."""
    from intake.measures import load_measures

    ms = load_measures().measures
    return "; ".join(f"{ms[m].short if m in ms else m} {k} {v}" for m, scores in parse_tokens(tokens).items() for k, v in scores.items())


def service_audit(rows: Iterable[tuple[str, Any, str]]) -> list[dict[str, Any]]:
    """Per measure and score, over the clinic's patients with two or more scored visits: how many,
    the mean first and latest score, the mean change, and how many improved or worsened by at least
    the MCID. `rows` are (pseudonym, assessed at, tokens), oldest first. No patient is named."""
    from intake.measures import change, load_measures

    ms = load_measures()
    by_patient: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for pseudonym, _when, tokens in rows:
        for measure, scores in parse_tokens(tokens).items():
            by_patient.setdefault(pseudonym, {}).setdefault(measure, []).append(scores)
    table: dict[tuple[str, str], dict[str, Any]] = {}
    for visits in by_patient.values():
        for measure, seen in visits.items():
            if len(seen) < 2 or measure not in ms.measures:
                continue
            for c in change(measure, seen[0], seen[-1]):
                row = table.setdefault((measure, c.score), {"first": [], "latest": [], "improved": 0, "worse": 0, "mcid": c.mcid})
                row["first"].append(c.previous)
                row["latest"].append(c.current)
                row["improved"] += c.verdict == "improved"
                row["worse"] += c.verdict == "worse"
    out = []
    for (measure, score), row in sorted(table.items()):
        n = len(row["first"])
        m = ms.measures[measure]
        out.append({
            "measure": m.short, "score": m.score_rule(score).label, "patients": n,
            "mean_first": round(sum(row["first"]) / n, 1), "mean_latest": round(sum(row["latest"]) / n, 1),
            "mean_change": round((sum(row["latest"]) - sum(row["first"])) / n, 1),
            "mcid": row["mcid"] if row["mcid"] is not None else "none recorded",
            "improved_by_mcid": row["improved"] if row["mcid"] is not None else "",
            "worse_by_mcid": row["worse"] if row["mcid"] is not None else "",
            "higher_is_better": m.higher_is_better,
        })
    return out
