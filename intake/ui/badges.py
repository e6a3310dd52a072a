"""How loudly an urgency is shown in the records list: one coloured badge per red flag and referral."""

from __future__ import annotations

__all__ = ["flag_badge", "referral_badge"]

_COLOURS = {"emergency": "red", "urgent": "orange", "routine": "yellow", "monitor": "blue", "none": "gray"}
_ICONS = {"emergency": ":material/emergency:", "urgent": ":material/warning:", "routine": ":material/flag:",
          "monitor": ":material/visibility:", "none": ":material/check:"}


def _text(text: str) -> str:
    return text.replace("[", "(").replace("]", ")")


def flag_badge(label: str, urgency: str) -> str:
    """Markdown for one red flag: a short badge for the urgency (never cut short) and then the
    condition, wrapping as it needs to; an emergency or urgent one in bold red or orange."""
    colour = _COLOURS.get(urgency, "gray")
    word = urgency.upper() if urgency in ("emergency", "urgent") else urgency
    text = f":{colour}[**{_text(label)}**]" if urgency in ("emergency", "urgent") else _text(label)
    return f":{colour}-badge[{_ICONS.get(urgency, '')} {word}] {text}"


def referral_badge(referral: str) -> str:
    """The overall referral, in words unlike a single flag's ("Emergency referral", "No referral")."""
    colour = _COLOURS.get(referral, "gray")
    word = "No referral" if referral == "none" else f"{referral.capitalize()} referral"
    return f":{colour}-badge[{_ICONS.get(referral, '')} **{word}**]"
