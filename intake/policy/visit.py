"""When a red flag decides the visit, and the one sentence that says so.

An urgent or emergency referral decides the visit: the tool says so first and does not push more
examination; a musculoskeletal origin beside it is provisional, never reassurance.
"""

from __future__ import annotations

from intake.models import Assessment, Gap

__all__ = ["DECIDES_THE_VISIT", "NEXT_IS_REFERRAL", "decided_by_referral", "deciding_sentence", "gaps_to_propose",
           "red_flag_decides"]

_DECIDING = frozenset({"urgent", "emergency"})
DECIDES_THE_VISIT = "a red flag decides this visit"
NEXT_IS_REFERRAL = f"{DECIDES_THE_VISIT[0].upper()}{DECIDES_THE_VISIT[1:]}, so the next step is the referral, not more tests."


def red_flag_decides(referral: str | None) -> bool:
    """True when the visit's referral is urgent or an emergency."""
    return referral in _DECIDING


#: What the screen and the PDF say first when a referral decides the visit.
_SENTENCE = {
    "emergency": f"{DECIDES_THE_VISIT.capitalize()}: refer now. Examination can wait; only the red-flag questions "
                 "still unasked are shown.",
    "urgent": f"{DECIDES_THE_VISIT.capitalize()}: arrange the urgent referral first. Examination can wait; only the "
              "red-flag questions still unasked are shown.",
}


def decided_by_referral(assessment: Assessment | None) -> bool:
    return assessment is not None and red_flag_decides(assessment.referral)


def deciding_sentence(assessment: Assessment) -> str | None:
    """The sentence that goes first when a referral decides the visit (None when none does)."""
    return _SENTENCE.get(assessment.referral)


def gaps_to_propose(assessment: Assessment) -> list[Gap]:
    """The unasked questions worth proposing now: all of them, or only the red-flag ones when a
    referral decides the visit (an unasked red-flag question is never hidden)."""
    if decided_by_referral(assessment):
        return [g for g in assessment.gaps if g.kind == "red_flag"]
    return list(assessment.gaps)
