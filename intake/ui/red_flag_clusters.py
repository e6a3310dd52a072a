""""None of these (asked)" for each red-flag cluster on the screen: one click records No for every
question of that cluster still unasked, each as its own answer (saved like any other), so a quick
screen is still a recorded one. Clusters come from the knowledge base (what each question screens for).
"""

from __future__ import annotations

import streamlit as st

from intake.ui import fields, state

__all__ = ["render"]


def _none_of(keys: tuple[str, ...]) -> None:
    """Run by ``state.collect()`` for the button (a request in the inbox, never a callback that
    could be cut short); running it twice changes nothing."""
    for key in keys:
        path = f"red_flags.{key}"
        if state.get_answer(path) is None:  # never overwrite an answer given (a Yes stays a Yes)
            state.put(path, False)


def render(applies: dict[str, bool], given: dict) -> None:
    """One button per cluster with questions still unasked (that apply to this patient)."""
    kb = fields.kb()
    clusters: dict[str, list[str]] = {}
    for key, condition in kb.screens_for.items():
        clusters.setdefault(condition, []).append(key)
    row = st.container(horizontal=True, key="rf-none-of")
    for condition, keys in clusters.items():
        unasked = tuple(k for k in keys if applies.get(k, True) and given.get(k) is None)
        if not unasked:
            continue
        label = kb.red_flag_conditions[condition].label if condition in kb.red_flag_conditions else condition
        row.button(f"{label}: none of these ({len(unasked)})", key=f"rf:none:{condition}", **state.later(_none_of, unasked),
                   icon=":material/done_all:",
                   help="Records No for each of these questions still not asked: only after asking the patient each one.")
