"""The password policy: long enough, and not common, guessable or made from the account's own names.

Strength is scored with ``zxcvbn`` (its shipped lists of common passwords, words and names, plus
the patterns people use: repeats, sequences, dates, keyboard runs), given the username, the
person's name and the clinic's as words an attacker would try first.
"""

from __future__ import annotations

from zxcvbn import zxcvbn

__all__ = ["MIN_LENGTH", "MIN_SCORE", "problem_with"]

MIN_LENGTH = 10
MAX_LENGTH = 256  # zxcvbn's time grows with length; nobody types more
MIN_SCORE = 3  # zxcvbn's 0-4: 3 is "safely unguessable" against online guessing with throttling


def problem_with(password: str, *, username: str = "", names: tuple[str, ...] = ()) -> str | None:
    """Why this password is refused, in words for the person choosing it; None when it is accepted."""
    if len(password) < MIN_LENGTH:
        return f"The password must be at least {MIN_LENGTH} characters long."
    if len(password) > MAX_LENGTH:
        return f"The password must be at most {MAX_LENGTH} characters long."
    if not password.strip():
        return "The password cannot be only spaces."
    folded = password.casefold()
    user = username.strip().casefold()
    if user and (user in folded or folded in user):
        return "The password must not contain the username."
    words = [w for w in (username, *names) if w and w.strip()]
    result = zxcvbn(password, user_inputs=words)
    if result["score"] < MIN_SCORE:
        hint = (result.get("feedback") or {}).get("warning") or "It is too easy to guess."
        return f"That password is too easy to guess ({hint.rstrip('.')}). Try a few unrelated words together."
    return None
