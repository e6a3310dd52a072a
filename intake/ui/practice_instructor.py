"""Instructor: every committed attempt as CSV or Excel, performance by origin and by red flag, and
new vignettes added by upload (validated with ``load_vignette``; kept in the database, never in
the repository's ``intake/cases``)."""

from __future__ import annotations

from collections.abc import Callable

import altair as alt
import pandas as pd
import streamlit as st

from intake.loader import CaseError, load_vignette, parse_text
from intake.practice.library import difficulty_from_id
from intake.practice.progress import attempts_frame, by_origin, by_red_flag, to_csv, to_excel
from intake.ui import guard, state
from intake.ui.fields import kb
from intake.ui.practice_pick import DIFFICULTY_WORDS
from intake.ui.practice_state import code, md

__all__ = ["render"]

UPLOAD_KEY = "i:upload"  # + a counter: a new key empties the uploader after a vignette is added
MAX_UPLOAD_MB = 1


def _export(make: Callable[[pd.DataFrame], bytes], frame: pd.DataFrame) -> Callable[[], bytes]:
    return lambda: make(frame)


def _bars(frame: pd.DataFrame, category: str, value: str, title: str) -> alt.Chart:
    """Horizontal bars on a 0-100 scale, full labels (a red flag's name is long)."""
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X(value, title=title, scale=alt.Scale(domain=[0, 100])),
        y=alt.Y(category, title=None, sort=None, axis=alt.Axis(labelLimit=320)),
        tooltip=list(frame.columns),
    )


@guard.db_safe
def _add(data: dict, title: str, difficulty: str) -> None:
    state.store().add_vignette(data, title=title, difficulty=difficulty)
    st.session_state["i:uploads"] = st.session_state.get("i:uploads", 0) + 1
    st.session_state.flash = ("success", f"Vignette added to the case library: {title}.")


@guard.db_safe
def _remove(vignette_id: str) -> None:
    state.store().delete_vignette(vignette_id)
    st.session_state.flash = ("success", "Vignette removed from the case library (attempts on it are kept).")


def _results() -> None:
    st.markdown("### Results")
    frame = attempts_frame(state.store().list_attempts())
    if frame.empty:
        st.markdown("No attempts have been committed yet.")
        return
    students = frame["student"].nunique()
    st.markdown(f"{len(frame)} committed attempt(s) by {students} student(s); mean score "
                f"{frame['score'].mean():.0f} / 100; {int(frame['unsafe'].sum())} unsafe.")
    row = st.container(horizontal=True)
    row.download_button("All attempts (CSV)", _export(to_csv, frame), file_name="practice-attempts.csv", mime="text/csv",
                        on_click="ignore", icon=":material/download:", key="i:csv", type="primary")
    row.download_button("All attempts (Excel)", _export(lambda f: to_excel(f, kb()), frame), file_name="practice-attempts.xlsx",
                        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", on_click="ignore",
                        icon=":material/table_view:", key="i:xlsx")

    origin = by_origin(frame, kb())
    flags = by_red_flag(frame, kb())
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown("#### By origin")
        if origin.empty:
            st.markdown("No attempts on cases with an origin to find yet.")
        else:
            st.altair_chart(_bars(origin, "origin", "mean_score", "Mean score (out of 100)"))
            st.dataframe(origin, hide_index=True, column_config={
                "origin": "Origin", "attempts": "Attempts", "mean_score": "Mean score",
                "first_origin_right_pct": "First origin right (%)"})
    with right:
        st.markdown("#### By red flag")
        if flags.empty:
            st.markdown("No attempts on cases with a red flag yet.")
        else:
            st.altair_chart(_bars(flags, "red_flag", "identified_pct", "Identified (% of attempts)"))
            st.dataframe(flags, hide_index=True, column_config={
                "red_flag": "Red flag", "attempts": "Attempts", "identified_pct": "Identified (%)",
                "referral_right_pct": "Referral right (%)", "mean_score": "Mean score"})


def _upload() -> None:
    st.markdown("### Add a vignette")
    st.caption("A case file (YAML or JSON, format version 1 or 2) with an `expected` block, as in `intake/cases`. It is checked "
               "before it is kept, and kept in the data folder's database, not in the repository.")
    upload = st.file_uploader("Vignette file (YAML or JSON)", type=["yaml", "yml", "json"], key=f"{UPLOAD_KEY}:{st.session_state.get('i:uploads', 0)}",
                              max_upload_size=MAX_UPLOAD_MB)
    if upload is not None:
        try:
            try:
                text = upload.getvalue().decode("utf-8-sig")
            except UnicodeDecodeError:
                st.error("The file is not UTF-8 text, so it was not added.")
                return
            case, expected = load_vignette(parse_text(text, upload.name))
        except CaseError as exc:
            lines = "\n".join(f"- {code(p.field or 'file')}: {md(p.message)}" for p in exc.problems)
            st.error(f"This file is not a valid vignette, so it was not added:\n\n{lines}")
        else:
            data = {**case.to_data(), "expected": expected.model_dump(mode="json")}  # type: ignore[union-attr]
            title = case.title or case.id or "Uploaded vignette"
            difficulty = difficulty_from_id(case.id)
            st.success(f"A valid vignette: **{md(title)}** ({DIFFICULTY_WORDS[difficulty].lower()}).")
            st.button("Add to the case library", on_click=_add, args=(data, title, difficulty), type="primary",
                      icon=":material/library_add:", key="i:add")

    uploaded = state.store().list_vignettes()
    if uploaded:
        st.markdown("#### Uploaded vignettes")
        for record in uploaded:
            row = st.container(border=True)
            text, button = row.columns([6, 1.3], vertical_alignment="center")
            text.markdown(f"**{md(record.title)}** · {DIFFICULTY_WORDS.get(record.difficulty, record.difficulty)} · "
                          f"added {record.created:%Y-%m-%d}")
            button.button("Remove", key=f"i:remove:{record.id}", on_click=_remove, args=(record.id,),
                          icon=":material/delete:")


def render() -> None:
    st.header("Instructor")
    st.caption("Results of every committed attempt in your clinic, and its case library. Practitioners and "
               "administrators can open this page; students cannot.")
    _results()
    st.divider()
    _upload()
