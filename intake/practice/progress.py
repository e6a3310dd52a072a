"""Students' progress as tables: every committed attempt, and performance by origin and by red flag.

Pure functions from stored attempts (``intake.store.AttemptRecord``) to pandas DataFrames, and
from those to the CSV and Excel files the instructor page offers. No Streamlit, no database.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from intake import spreadsheet
from intake.knowledge import KnowledgeBase, load_knowledge
from intake.practice import load_rubric
from intake.spreadsheet import safe_cell, to_csv

__all__ = ["ATTEMPT_COLUMNS", "attempts_frame", "by_origin", "by_red_flag", "to_csv", "to_excel"]

ATTEMPT_COLUMNS: tuple[str, ...] = (
    "attempt_id", "student", "case_id", "case_title", "created_utc", "seconds", "score", "unsafe",
    "expected_origin", "expected_red_flags", "expected_referral", "first_origin", "first_origin_acceptable",
    "ranked_origins", "red_flags_identified", "referral_chosen", "questions_asked", "tests_performed",
)
_cell = safe_cell


def _joined(values: Iterable[str]) -> str:
    return "; ".join(values)


def attempts_frame(attempts: Iterable[Any]) -> pd.DataFrame:
    """One row per committed attempt, with the marks for each rubric part as ``marks_<part>`` columns."""
    parts = list(load_rubric().parts)
    rows: list[dict[str, Any]] = []
    for a in attempts:
        if a.committed is None:
            continue
        answers, expected = a.answers or {}, a.expected or {}
        ranked = list(answers.get("ranked_origins") or [])
        origin = expected.get("origin")
        row: dict[str, Any] = {
            "attempt_id": a.id,
            "student": _cell(a.student),
            "case_id": a.case_id,
            "case_title": _cell(a.case_title),
            "created_utc": a.created.replace(tzinfo=None),
            "seconds": round(a.seconds or 0.0, 1),
            "score": a.score,
            "unsafe": bool(a.unsafe),
            "expected_origin": origin,
            "expected_red_flags": _joined(expected.get("red_flags") or []),
            "expected_referral": expected.get("referral"),
            "first_origin": ranked[0] if ranked else None,
            "first_origin_acceptable": (bool(ranked) and ranked[0] in (expected.get("acceptable") or [origin])) if origin else None,
            "ranked_origins": _joined(ranked),
            "red_flags_identified": _joined(answers.get("red_flags_identified") or []),
            "referral_chosen": answers.get("referral"),
            "questions_asked": len(answers.get("questions_asked") or []),
            "tests_performed": len(answers.get("tests_performed") or []),
        }
        for part in parts:
            row[f"marks_{part}"] = (a.marks.get(part) or {}).get("marks")
        rows.append(row)
    columns = [*ATTEMPT_COLUMNS, *(f"marks_{p}" for p in parts)]
    frame = pd.DataFrame(rows, columns=columns)
    if not frame.empty:
        frame["first_origin_acceptable"] = frame["first_origin_acceptable"].astype("boolean")
    return frame


def by_origin(frame: pd.DataFrame, kb: KnowledgeBase | None = None) -> pd.DataFrame:
    """Per expected origin (cases a red flag decides are left out): attempts, mean score, first origin right."""
    kb = kb or load_knowledge()
    judged = frame[frame["expected_origin"].notna()]
    if judged.empty:
        return pd.DataFrame(columns=["origin", "attempts", "mean_score", "first_origin_right_pct"])
    grouped = judged.groupby("expected_origin").agg(
        attempts=("attempt_id", "count"),
        mean_score=("score", "mean"),
        first_origin_right_pct=("first_origin_acceptable", lambda s: 100.0 * s.fillna(False).astype(bool).mean()),
    ).reset_index()
    grouped.insert(0, "origin", grouped.pop("expected_origin").map(lambda o: kb.origins[o].label if o in kb.origins else o))
    return grouped.round(1).sort_values("origin", ignore_index=True)


def by_red_flag(frame: pd.DataFrame, kb: KnowledgeBase | None = None) -> pd.DataFrame:
    """Per red-flag condition a case expects: attempts, how often it was identified, mean red-flag and referral marks."""
    kb = kb or load_knowledge()
    rows = []
    for _, attempt in frame.iterrows():
        expected = [c for c in str(attempt["expected_red_flags"] or "").split("; ") if c]
        found = set(str(attempt["red_flags_identified"] or "").split("; "))
        for condition in expected:
            rows.append({
                "condition": condition, "identified": condition in found, "referral_right": attempt["referral_chosen"] == attempt["expected_referral"],
                "red_flag_marks": attempt.get("marks_red_flags"), "score": attempt["score"],
            })
    if not rows:
        return pd.DataFrame(columns=["red_flag", "attempts", "identified_pct", "referral_right_pct", "mean_score"])
    table = pd.DataFrame(rows).groupby("condition").agg(
        attempts=("identified", "count"),
        identified_pct=("identified", lambda s: 100.0 * s.mean()),
        referral_right_pct=("referral_right", lambda s: 100.0 * s.mean()),
        mean_score=("score", "mean"),
    ).reset_index()
    labels = {k: v.label for k, v in kb.red_flag_conditions.items()}
    table.insert(0, "red_flag", table.pop("condition").map(lambda c: labels.get(c, c)))
    return table.round(1).sort_values("red_flag", ignore_index=True)


def to_excel(frame: pd.DataFrame, kb: KnowledgeBase | None = None) -> bytes:
    """A workbook: every attempt, then the by-origin and by-red-flag summaries."""
    return spreadsheet.to_excel({"attempts": frame, "by origin": by_origin(frame, kb), "by red flag": by_red_flag(frame, kb)})
