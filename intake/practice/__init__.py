"""Student practice mode: the case library (``library``), scoring with feedback (``scoring``), the
words shared by screen and PDF (``text``) and the instructor's progress tables (``progress``).

The scoring API is re-exported here so ``from intake.practice import score_attempt`` keeps working.
"""

from intake.practice import scoring
from intake.practice.scoring import *  # noqa: F403 - the scoring API, named once in scoring.__all__

__all__: list[str] = []
__all__ += scoring.__all__
