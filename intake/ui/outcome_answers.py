"""The outcome measures as the draft keeps them, and as a case file writes them.

The measures step (intake.ui.step_measures) keeps ``outcomes.<measure>.answers.<item>`` in the draft;
a case file has a list of `outcomes` entries. The two conversions live here, apart from the step's
widgets, so that building the case (intake.ui.evaluation) and loading a draft (intake.ui.state) can
use them without importing the step, which itself reads both.
"""

from __future__ import annotations

from typing import Any

from intake.measures import load_measures

__all__ = ["PSFS_SLOTS", "answers_from_outcomes", "outcome_entries"]

PSFS_SLOTS = 5


def answers_from_outcomes(outcomes: list[dict[str, Any]]) -> dict[str, Any]:
    """Case-format `outcomes` (a list) as the step keeps them: measure -> answers (and named activities)."""
    out: dict[str, Any] = {}
    for entry in outcomes:
        kept: dict[str, Any] = {"answers": dict(entry.get("answers") or {})}
        if entry.get("activities") is not None:
            kept["named"] = {str(n): name for n, name in enumerate(entry["activities"], start=1)}
        for key in ("reported_by", "date"):
            if entry.get(key):
                kept[key] = str(entry[key])
        out[entry["measure"]] = kept
    return out


def outcome_entries(answers: dict[str, Any]) -> list[dict[str, Any]]:
    """The draft's measures as case-format `outcomes` entries, in the knowledge base's order."""
    out: list[dict[str, Any]] = []
    stored = answers.get("outcomes") or {}
    for measure_id in load_measures().measures:
        given = stored.get(measure_id)
        if not isinstance(given, dict):
            continue
        entry: dict[str, Any] = {"measure": measure_id}
        codes = dict(given.get("answers") or {})
        if given.get("named") is not None:
            names = given["named"]
            activities = []
            for slot in range(1, PSFS_SLOTS + 1):
                if not names.get(str(slot)):
                    break
                activities.append(names[str(slot)])
            entry["activities"] = activities
            codes = {k: v for k, v in codes.items() if k.isdigit() and int(k) <= len(activities)}
            if not activities:
                continue
        if not codes and "activities" not in entry:
            continue
        entry["answers"] = codes
        for key in ("date", "reported_by"):
            if given.get(key):
                entry[key] = given[key]
        out.append(entry)
    return out
