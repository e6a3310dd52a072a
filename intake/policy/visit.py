"""When a red flag decides the visit, and the one sentence that says so.

An urgent or emergency referral decides the visit: the tool says so first and does not push more
examination; a musculoskeletal origin beside it is provisional, never reassurance.
"""

from __future__ import annotations

__all__ = ["DECIDES_THE_VISIT", "NEXT_IS_REFERRAL", "red_flag_decides"]

_DECIDING = frozenset({"urgent", "emergency"})
DECIDES_THE_VISIT = "a red flag decides this visit"
NEXT_IS_REFERRAL = f"{DECIDES_THE_VISIT[0].upper()}{DECIDES_THE_VISIT[1:]}, so the next step is the referral, not more tests."


def red_flag_decides(referral: str | None) -> bool:
    """True when the visit's referral is urgent or an emergency."""
    return referral in _DECIDING
