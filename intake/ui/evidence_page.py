"""The evidence explorer: every finding and test, how to do it, who it was studied in, its figures,
its sources (verified against the original or not) and the rules that read it.

Opened from the sidebar (everything, searchable, by origin) or from a reason or test on the review,
a record or the practice feedback (that finding first). It is a view over ``intake.evidence``;
leaving it returns to where the practitioner was.
"""

from __future__ import annotations

from collections.abc import Iterable

import streamlit as st

from intake.evidence import Entry, entries, entry_for, lr_text, search
from intake.ui.fields import kb

__all__ = ["ACCURACY_COLUMNS", "OPEN_KEY", "accuracy_rows", "close", "is_open", "links", "open_at", "render", "sidebar_button"]

OPEN_KEY = "evidence:open"  # absent or None: closed; "": the whole explorer; a key: that finding first
SHOWN = 25


def open_at(key: str = "") -> None:
    st.session_state[OPEN_KEY] = key
    st.session_state.pop("evidence:query", None)


def close() -> None:
    st.session_state[OPEN_KEY] = None


def is_open() -> bool:
    return st.session_state.get(OPEN_KEY) is not None


def sidebar_button() -> None:
    st.button("Evidence explorer", on_click=open_at, key="side:evidence", icon=":material/menu_book:",
              width="stretch", help="How each test is done, its sensitivity, specificity and likelihood ratios, and sources")


def links(keys: Iterable[str], scope: str) -> None:
    """Small buttons that open the explorer at each finding (those with an entry), in one row."""
    shown = list(dict.fromkeys(k for k in keys if entry_for(k) is not None))
    if not shown:
        return
    row = st.container(horizontal=True, gap="small")
    for n, key in enumerate(shown):
        entry = entry_for(key)
        row.button(entry.label, key=f"ev:{scope}:{n}:{key}", on_click=open_at, args=(entry.key,), type="tertiary",
                   icon=":material/menu_book:", help="Open its evidence")


def _figure(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


ACCURACY_COLUMNS = ("For", "Sn", "Sp", "LR+", "LR−", "Sn/Sp", "Source")


def accuracy_rows(entry: Entry) -> list[tuple[str, ...]]:
    return [(a.origin_label, _figure(a.sensitivity), _figure(a.specificity), lr_text(a.lr_positive), lr_text(a.lr_negative),
             a.basis, "; ".join(a.citations) or "—") for a in entry.accuracy]


def _accuracy_table(entry: Entry) -> str:
    """A markdown table (drawn with the text, so it is there as soon as the entry opens)."""
    cells = [ACCURACY_COLUMNS, *accuracy_rows(entry)]
    lines = ["| " + " | ".join(c.replace("|", "/") for c in row) + " |" for row in cells]
    lines.insert(1, "|" + "---|" * len(ACCURACY_COLUMNS))
    return "\n".join(lines)


def _show(entry: Entry, expanded: bool) -> None:
    flag = "" if entry.verified else " · some figures not verified against the original"
    with st.expander(f"{entry.label} ({entry.kind.replace('_', ' ')}){flag}", expanded=expanded):
        if entry.perform:
            st.markdown(f"**How to perform:** {entry.perform}")
        elif entry.question:
            st.markdown(f"**How to ask:** {entry.question}")
        st.markdown(f"**Studied in:** {entry.population or 'no accuracy study of this finding for this question is known.'}")
        if entry.accuracy:
            st.markdown(_accuracy_table(entry))
            st.caption("LR+ and LR− are the figures the engine uses; Sn and Sp are as published, or worked out from "
                       "that pair (Sn = LR+(1 − LR−)/(LR+ − LR−), Sp = (LR+ − 1)/(LR+ − LR−)).")
        if entry.rules:
            st.markdown("**Rules that read it**")
            st.markdown("\n".join(f"- *{r.where}*: {r.summary} ({r.effect}; {'; '.join(r.citations)})" for r in entry.rules))
        if entry.citations:
            st.caption("Sources: " + "; ".join(entry.citations))


def render() -> None:
    focus = st.session_state.get(OPEN_KEY) or ""
    top = st.container(horizontal=True, horizontal_alignment="distribute", vertical_alignment="center")
    top.header("Evidence explorer")
    top.button("Back", on_click=close, key="evidence:back", icon=":material/arrow_back:")
    st.caption("Every finding and test the reasoning reads. Figures come from small, often selected groups: "
               "weigh them with your own judgement. A reasoning aid, not a diagnosis.")
    base = kb()
    if focus:
        entry = entry_for(focus)
        if entry is not None:
            _show(entry, expanded=True)
        st.button("Show all findings and tests", on_click=open_at, key="evidence:all", icon=":material/list:")
        return
    query_col, origin_col = st.columns([3, 2])
    query = query_col.text_input("Search", key="evidence:query", placeholder="e.g. slump, groin, sacroiliac")
    origin = origin_col.selectbox("Origin", [None, *base.origins], key="evidence:origin",
                                  format_func=lambda o: "All origins" if o is None else base.origins[o].label)
    found = search(query or "", origin)
    st.caption(f"{len(found)} of {len(entries())} findings and tests.")
    for n, entry in enumerate(found[:SHOWN]):
        _show(entry, expanded=len(found) == 1 or (n == 0 and bool(query)))
    if len(found) > SHOWN:
        st.caption(f"{len(found) - SHOWN} more: narrow the search.")
