"""Student practice mode: the case library (``library``), scoring with feedback (``scoring``), the
words shared by screen and PDF (``text``) and the instructor's progress tables (``progress``).

The scoring API is re-exported here so ``from intake.practice import score_attempt`` keeps working.
"""

from intake.practice.scoring import (
    EXAM_KEYS,
    NOT_RECORDED,
    RUBRIC_PATH,
    Attempt,
    Feedback,
    MissedQuestion,
    PartMark,
    Rubric,
    RubricError,
    SuggestedTest,
    load_rubric,
    model_answer,
    presenting_history,
    reveal,
    score_attempt,
)

__all__ = [
    "EXAM_KEYS",
    "NOT_RECORDED",
    "RUBRIC_PATH",
    "Attempt",
    "Feedback",
    "MissedQuestion",
    "PartMark",
    "Rubric",
    "RubricError",
    "SuggestedTest",
    "load_rubric",
    "model_answer",
    "presenting_history",
    "reveal",
    "score_attempt",
]
