"""What decides this visit: when an emergency or urgent referral does, the tool says so first and
stops pushing examination (the rest of the assessment stays reachable, only not proposed).

One home for this policy, read by the sidebar, the review, the reports step and the PDFs.
"""

from __future__ import annotations

from intake.models import Assessment, Gap

__all__ = ["DECIDING_REFERRALS", "decided_by_referral", "deciding_sentence", "gaps_to_propose"]

#: Referrals that decide the visit on their own.
DECIDING_REFERRALS = ("emergency", "urgent")

_SENTENCE = {
    "emergency": "A red flag decides this visit: refer now. Examination can wait; only the red-flag questions "
                 "still unasked are shown.",
    "urgent": "A red flag decides this visit: arrange the urgent referral first. Examination can wait; only the "
              "red-flag questions still unasked are shown.",
}


def decided_by_referral(assessment: Assessment | None) -> bool:
    return assessment is not None and assessment.referral in DECIDING_REFERRALS


def deciding_sentence(assessment: Assessment) -> str | None:
    """The sentence that goes first when a referral decides the visit (None when none does)."""
    return _SENTENCE.get(assessment.referral)


def gaps_to_propose(assessment: Assessment) -> list[Gap]:
    """The unasked questions worth proposing now: all of them, or only the red-flag ones when a
    referral decides the visit (an unasked red-flag question is never hidden)."""
    if decided_by_referral(assessment):
        return [g for g in assessment.gaps if g.kind == "red_flag"]
    return list(assessment.gaps)
