"""How urgencies rank and how each is shown, on screen and on paper.

A red flag's urgency is emergency, urgent, routine or monitor; the visit's referral is the
highest of those that refer (emergency, urgent, routine) or none. Everything that sorts flags
(most urgent first, everywhere) or colours them reads this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal, TypeVar

__all__ = [
    "PRESENTATION",
    "REFERRAL_ORDER",
    "URGENCIES",
    "URGENCY_ORDER",
    "Presentation",
    "most_urgent_first",
    "presentation",
]

T = TypeVar("T")

URGENCIES: tuple[str, ...] = ("emergency", "urgent", "routine", "monitor")  # most urgent first
URGENCY_ORDER: dict[str, int] = {"monitor": 0, "routine": 1, "urgent": 2, "emergency": 3}
REFERRAL_ORDER: dict[str, int] = {"none": 0, "routine": 1, "urgent": 2, "emergency": 3}


@dataclass(frozen=True)
class Presentation:
    """How loudly one urgency (or referral) is shown."""

    box: Literal["error", "warning", "info", "success"]  # the screen's message box
    icon: str  # a Material icon, as Streamlit names it
    colour: str  # Streamlit's colour name, for badges and coloured text
    ink: str  # the printed colour (hex), for the PDFs


PRESENTATION: dict[str, Presentation] = {
    "emergency": Presentation("error", ":material/emergency:", "red", "#b3261e"),
    "urgent": Presentation("warning", ":material/warning:", "orange", "#c25e00"),
    "routine": Presentation("warning", ":material/flag:", "yellow", "#8a6d00"),
    "monitor": Presentation("info", ":material/visibility:", "blue", "#4a5a6a"),
    "none": Presentation("success", ":material/check:", "gray", "#4a5a6a"),
}


def presentation(urgency: str) -> Presentation:
    return PRESENTATION.get(urgency, PRESENTATION["none"])


def most_urgent_first(items: Iterable[T], urgency: Callable[[T], str] = lambda item: item.urgency) -> list[T]:  # type: ignore[attr-defined]
    """Most urgent first; items of the same urgency keep their order."""
    return sorted(items, key=lambda item: -URGENCY_ORDER.get(urgency(item), -1))
