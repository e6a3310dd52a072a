"""How loudly an urgency is shown in the records list: one coloured badge per red flag and referral."""

from __future__ import annotations

from intake.policy.urgency import presentation
from intake.policy.visit import red_flag_decides

__all__ = ["flag_badge", "referral_badge"]


def _text(text: str) -> str:
    return text.replace("[", "(").replace("]", ")")


def flag_badge(label: str, urgency: str) -> str:
    """Markdown for one red flag: a short badge for the urgency (never cut short) and then the
    condition, wrapping as it needs to; an emergency or urgent one in bold red or orange."""
    look = presentation(urgency)
    colour = look.colour
    word = urgency.upper() if red_flag_decides(urgency) else urgency
    text = f":{colour}[**{_text(label)}**]" if red_flag_decides(urgency) else _text(label)
    return f":{colour}-badge[{look.icon} {word}] {text}"


def referral_badge(referral: str) -> str:
    """The overall referral, in words unlike a single flag's ("Emergency referral", "No referral")."""
    look = presentation(referral)
    word = "No referral" if referral == "none" else f"{referral.capitalize()} referral"
    return f":{look.colour}-badge[{look.icon} **{word}**]"
