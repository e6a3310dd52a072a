"""What if, on the review: change any finding and see the differential, red flags and plan move,
beside the recorded case. Nothing is saved unless the practitioner applies the changes.

The changes live in this browser session only (``whatif``), never in the answers or the draft.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from intake.answers import answer_values, case_path
from intake.facts import CASE_KEY_KINDS
from intake.form import default_form
from intake.loader import CaseError
from intake.models import Assessment, Case
from intake.next_question import kind_of
from intake.ui import fields, state
from intake.ui.evaluation import Evaluation
from intake.ui.refusals import refusal, show
from intake.what_if import Comparison, compare, current_answer

__all__ = ["CHANGES_KEY", "render"]

CHANGES_KEY = "whatif"
_KIND_ORDER = {"red_flag": 0, "history": 1, "exam": 2, "test": 3}
_SKIP = {"age"}  # required: the reasoning needs it, so it is never "not asked"


def _changes() -> dict[str, Any]:
    return st.session_state.setdefault(CHANGES_KEY, {})


def _keys() -> list[str]:
    keys = [k for k in CASE_KEY_KINDS if k not in _SKIP]
    return sorted(keys, key=lambda k: (_KIND_ORDER[kind_of(k)], fields.label_of(k).lower()))


def _words(key: str, answer: Any) -> str:
    if answer is None:
        return "not tested" if kind_of(key) == "test" else "not asked"
    if isinstance(answer, bool):
        if kind_of(key) == "test":
            return "positive" if answer else "negative"
        return "yes" if answer else "no"
    return str(answer).replace("_", " ")


def _add(key: str) -> None:
    picked = st.session_state.get(f"whatif:answer:{key}")
    if CASE_KEY_KINDS[key] == "bool":
        picked = {"Not asked": None, "No": False, "Yes": True, "Not tested": None, "Negative": False, "Positive": True}.get(picked)
    elif picked is not None and _slot(key).kind == "integer":
        picked = int(picked)
    _changes()[key] = picked


def _slot(key: str):
    return default_form().slot(case_path(key))


def _remove(key: str) -> None:
    _changes().pop(key, None)


def _discard() -> None:
    st.session_state[CHANGES_KEY] = {}


def _apply(changed_case: dict) -> None:
    """Write the changed answers into the assessment (and its draft), then forget the what-if.
    Run by ``state.collect()`` for the button (the one write path for answers); twice is the same."""
    for key in list(_changes()):
        path = case_path(key)
        node: Any = changed_case
        for part in path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        state.put(path, node)
    st.session_state[CHANGES_KEY] = {}
    st.session_state.flash = ("success", "The what-if changes were applied to the assessment.")


def _answer_widget(key: str, case: Case) -> None:
    kind = CASE_KEY_KINDS[key]
    now = current_answer(case, key)
    widget = f"whatif:answer:{key}"
    if kind == "bool":
        options = ["Not tested", "Negative", "Positive"] if kind_of(key) == "test" else ["Not asked", "No", "Yes"]
        default = options[0] if now is None else options[2] if now else options[1]
        st.segmented_control("Answer", options, default=default, key=widget)
    elif kind == "number":
        slot = _slot(key)
        whole = slot.kind == "integer"
        st.number_input("Answer (empty: not asked)", value=None if now is None else (int(now) if whole else float(now)),
                        step=1 if whole else float(slot.step), min_value=None if slot.low is None else (int(slot.low) if whole else slot.low),
                        max_value=None if slot.high is None else (int(slot.high) if whole else slot.high), key=widget)
    else:
        values = _values(key)
        st.selectbox("Answer", values, index=values.index(now) if now in values else None, key=widget,
                     placeholder="Not asked", format_func=lambda v: v.replace("_", " "))


def _values(key: str) -> list[str]:
    return list(answer_values(key))


def _side(a: Assessment, title: str, other: Assessment) -> None:
    st.markdown(f"#### {title}")
    st.markdown(f"**Referral:** {a.referral}" + ("" if a.referral == other.referral else " (changed)"))
    if a.red_flags:
        for rf in a.red_flags:
            new = "" if any(o.id == rf.id and o.urgency == rf.urgency for o in other.red_flags) else " — **changed**"
            st.markdown(f"- :red[**{rf.label}**] ({rf.urgency}){new}")
    else:
        st.markdown("- No red flag raised")
    before = {o.id: o for o in other.origins}
    st.markdown("**Differential**")
    lines = []
    for o in a.origins[:5]:  # bands and the direction of a move, never a probability
        then = before.get(o.id, o)
        delta = o.probability - then.probability
        if then.likelihood != o.likelihood:
            moved = f" (was {then.likelihood})"
        elif abs(delta) >= 0.005:
            moved = " (more likely)" if delta > 0 else " (less likely)"
        else:
            moved = ""
        lines.append(f"- {o.label} — {o.likelihood}{moved}")
    st.markdown("\n".join(lines))
    offered = [t for t in a.therapies if not t.withheld]
    offered_there = {t.id for t in other.therapies if not t.withheld}
    withheld = [t for t in a.therapies if t.withheld]
    st.markdown("**Plan**")
    st.markdown("\n".join([f"- {t.label}" + ("" if t.id in offered_there else " — **changed**") for t in offered]
                          or ["- No therapy suggested"]))
    if withheld:
        st.markdown("\n".join(f"- ~~{t.label}~~ withheld: {t.withheld_reason or t.withheld}" for t in withheld))


def render(ev: Evaluation) -> None:
    """The what-if panel; drawn on the review under the recorded assessment."""
    if ev.case is None or ev.assessment is None:
        return
    st.markdown("### What if…")
    st.caption("Change any finding, asked or not, to see what it would do. Nothing is saved unless you apply it.")
    keys = _keys()
    pick, answer, add = st.columns([3, 3, 1], vertical_alignment="bottom")
    with pick:
        key = st.selectbox("Finding", keys, index=None, key="whatif:key", placeholder="Choose a finding",
                           format_func=lambda k: f"{fields.label_of(k)} (now: {_words(k, current_answer(ev.case, k))})")
    if key is not None:
        with answer:
            _answer_widget(key, ev.case)
        add.button("Add", key="whatif:add", on_click=_add, args=(key,), icon=":material/add:")
    changes = _changes()
    if not changes:
        return
    st.markdown("**Changes tried** (not saved)")
    for n, (changed_key, value) in enumerate(changes.items()):
        line, remove = st.columns([6, 1], vertical_alignment="center")
        line.markdown(f"- {fields.label_of(changed_key)}: {_words(changed_key, current_answer(ev.case, changed_key))} → "
                      f"**{_words(changed_key, value)}**")
        remove.button("", key=f"whatif:remove:{n}", on_click=_remove, args=(changed_key,), icon=":material/close:",
                      help="Take this change out")
    try:
        comparison: Comparison = compare(ev.case, changes, fields.kb(), recorded=ev.assessment)
    except CaseError as exc:  # shown here, so the rest of the review (its red flags first) is still drawn
        show(refusal(exc, "This combination is not a valid case"))
        return
    recorded, changed = st.columns(2, gap="large", border=True)
    with recorded:
        _side(comparison.recorded, "As recorded", comparison.changed)
    with changed, st.container(key="whatif-changed"):
        _side(comparison.changed, "What if (not saved)", comparison.recorded)
    if not comparison.any_change:
        st.info("These changes would not change the differential, the red flags or the plan.")
    apply, discard = st.columns(2)
    apply.button("Apply these changes to the assessment", key="whatif:apply", type="primary",
                 **state.later(_apply, comparison.case.to_data()), icon=":material/check:")
    discard.button("Discard the what-if", key="whatif:discard", on_click=_discard, icon=":material/undo:")
