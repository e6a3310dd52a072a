"""What if: the recorded case with some answers changed, assessed again, and what that changes.

Pure: nothing is saved. The screen shows the two assessments side by side and applies the
changes to the answers only when the practitioner asks it to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from intake.answers import answer_in, with_answer
from intake.engine import assess
from intake.knowledge import KnowledgeBase, load_knowledge
from intake.loader import validate_case
from intake.models import Assessment, Case

__all__ = ["Comparison", "compare", "current_answer", "what_if_case"]


@dataclass(frozen=True)
class Comparison:
    """The recorded assessment beside the what-if one, and the differences a clinician acts on."""

    recorded: Assessment
    changed: Assessment
    case: Case
    origins_moved: list[tuple[str, float, float]] = field(default_factory=list)  # id, before, after
    red_flags_raised: list[str] = field(default_factory=list)
    red_flags_cleared: list[str] = field(default_factory=list)
    referral: tuple[str, str] = ("none", "none")
    therapies_offered: list[str] = field(default_factory=list)
    therapies_withheld: list[str] = field(default_factory=list)

    @property
    def any_change(self) -> bool:
        return bool(self.origins_moved or self.red_flags_raised or self.red_flags_cleared
                    or self.referral[0] != self.referral[1] or self.therapies_offered or self.therapies_withheld)


def what_if_case(case: Case, changes: dict[str, Any]) -> Case:
    """The case with each change (fact key -> answer; None = not asked) made; refused like any case."""
    data = case.to_data()
    for key, answer in changes.items():
        data = with_answer(data, key, answer)
    return validate_case(data)


def compare(case: Case, changes: dict[str, Any], kb: KnowledgeBase | None = None,
            recorded: Assessment | None = None) -> Comparison:
    kb = kb or load_knowledge()
    recorded = recorded or assess(case, kb)
    changed_case = what_if_case(case, changes)
    changed = assess(changed_case, kb)
    before = {o.id: o.probability for o in recorded.origins}
    moved: list[tuple[str, float, float]] = [(o.id, before[o.id], o.probability) for o in changed.origins if abs(o.probability - before[o.id]) >= 0.005]
    flags_before = {f.id: f.urgency for f in recorded.red_flags}
    flags_after = {f.id: f.urgency for f in changed.red_flags}
    offered_before = {t.id for t in recorded.therapies if not t.withheld}
    offered_after = {t.id for t in changed.therapies if not t.withheld}
    withheld_before = {t.id for t in recorded.therapies if t.withheld}
    withheld_after = {t.id for t in changed.therapies if t.withheld}
    return Comparison(
        recorded=recorded,
        changed=changed,
        case=changed_case,
        origins_moved=moved,
        red_flags_raised=[f for f in flags_after if flags_after[f] != flags_before.get(f)],
        red_flags_cleared=[f for f in flags_before if f not in flags_after],
        referral=(recorded.referral, changed.referral),
        therapies_offered=sorted(offered_after - offered_before),
        therapies_withheld=sorted(withheld_after - withheld_before),
    )


def current_answer(case: Case, key: str) -> Any:
    """The answer a fact key has in the case now (None when not asked)."""
    return answer_in(case.to_data(), key)
