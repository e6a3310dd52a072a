"""Clinical intake and reasoning for hip-region pain: hip vs lumbar vs sacroiliac vs soft tissue.

A reasoning aid for trained clinicians, not a diagnosis.
"""

import intake._moved  # noqa: F401 -- first: lets the old module paths (intake.records, intake.db, …) import
from intake.engine import assess
from intake.knowledge import KnowledgeBase, KnowledgeError, load_knowledge
from intake.loader import CaseError, Problem, load_case, load_vignette, validate_case
from intake.models import Assessment, Case, Expected

__all__ = [
    "Assessment",
    "Case",
    "CaseError",
    "Expected",
    "KnowledgeBase",
    "KnowledgeError",
    "Problem",
    "assess",
    "load_case",
    "load_knowledge",
    "load_vignette",
    "validate_case",
]
