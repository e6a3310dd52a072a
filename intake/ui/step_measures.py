"""Step 7: outcome measures: choose which, enter the published answer codes, see the scores live.

The instruments come from intake/knowledge/measures.yaml and the scores from intake.measures;
nothing here scores anything. Each answer is saved as it is given (``outcomes.<measure>.answers.<item>``
in the draft); an item left blank is "not answered", never a zero. Answers the patient gave on
the pre-visit page are marked patient-reported until the practitioner confirms them.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from intake.measures import Measure, MeasureError, change, load_measures, score
from intake.ui import state
from intake.ui.evaluation import Evaluation
from intake.ui.outcome_answers import PSFS_SLOTS, outcome_entries
from intake.ui.refusals import refusal, show

__all__ = ["CHOICE_PATH", "PENDING_PATH", "charts", "outcome_entries", "render", "show_outcomes"]

CHOICE_PATH = "outcome_choice"
PENDING_PATH = "patient_reported"  # measure id -> True while the practitioner has not confirmed


# No widget here has an on_change callback: ``state.collect()`` takes their values at the start of
# each run (see intake/ui/state.py), and the confirm button only leaves a request in the inbox.


def _confirm(measure_id: str) -> None:
    """Run by ``state.collect()`` for the confirm button; confirming twice changes nothing."""
    pending = dict(state.get_answer(PENDING_PATH) or {})
    pending.pop(measure_id, None)
    state.put(PENDING_PATH, pending or None)
    state.put(f"outcomes.{measure_id}.confirmed", True)


def _code_widget(m: Measure, item_id: str, label: str) -> None:
    ms = load_measures()
    path = f"outcomes.{m.id}.answers.{item_id}"
    key = state.widget_key(path)
    state.register(key, "choice", path)
    state.seed(key, state.get_answer(path))
    lo, hi = m.item_range(item_id)
    words = ms.answer_labels(m, item_id)
    st.segmented_control(
        label, list(range(lo, hi + 1)), key=key,
        format_func=lambda c: f"{c} {words[c]}" if c in words and hi - lo <= 5 else str(c),
        help=" · ".join(f"{c} = {t}" for c, t in words.items()),
    )


def _psfs(m: Measure) -> None:
    st.caption("Up to five activities the patient finds hard because of this problem, each rated 0 (unable) to 10 (as before).")
    for slot in range(1, PSFS_SLOTS + 1):
        path = f"outcomes.{m.id}.named.{slot}"
        key = state.widget_key(path)
        state.register(key, "line", path)
        state.seed(key, state.get_answer(path) or "")
        name, rating = st.columns([2, 3])
        with name:
            st.text_input(f"Activity {slot}", key=key, max_chars=200)
        with rating:
            if state.get_answer(path):
                _code_widget(m, str(slot), f"Rating for activity {slot}")
        if not state.get_answer(path):
            break


def _live(m: Measure, entry: dict[str, Any] | None) -> None:
    if entry is None:
        st.info(f"{m.short}: no answers yet.")
        return
    try:
        result = score(m.id, entry["answers"], activities=entry.get("activities"))
    except MeasureError as exc:  # beside its measure: the rest of the step is still drawn
        show(refusal(exc, "Not scored"))
        return
    box = st.success if result["valid"] and not result["not_scored"] else st.warning
    box(f"**{result['interpretation']}** ({result['answered']} of {result['items']} answered)")
    if result.get("plan"):
        st.markdown(f"**Plan:** {result['plan']['text']}  \nSource: {'; '.join(result['plan']['citations'])}")


def render(ev: Evaluation) -> None:
    ms = load_measures()
    st.markdown("Choose the measures the patient completed and enter each published answer code. "
                "A blank item is *not answered*; an instrument that lacks too many answers is shown as not scored.")
    key = state.widget_key(CHOICE_PATH)
    chosen = list(state.get_answer(CHOICE_PATH) or [])
    stored = state.get_answer("outcomes") or {}
    chosen += [m for m in stored if m not in chosen and m in ms.measures]
    state.register(key, "list", CHOICE_PATH)
    state.seed(key, chosen)
    st.pills("Measures", list(ms.measures), selection_mode="multi", key=key, format_func=lambda i: ms.measures[i].short)
    entries = {e["measure"]: e for e in outcome_entries(st.session_state.answers)}
    pending = state.get_answer(PENDING_PATH) or {}
    for measure_id in st.session_state.get(key) or []:
        m = ms.measures[measure_id]
        with st.expander(f"{m.short} — {m.name}", expanded=True):
            if pending.get(measure_id):
                st.warning("**Patient-reported**: answered by the patient before the visit. Check the answers with "
                           "the patient, change any that are wrong, then confirm.", icon=":material/person:")
                st.button("Confirm these answers", key=f"confirm:{measure_id}", **state.later(_confirm, measure_id))
            st.caption(m.about)
            if not m.licence.reproduce_items:
                st.caption("Item wording is not reproduced here (licence): use the clinic's licensed form and enter "
                           "the answer code for each item.")
            if m.items_from_activities is not None:
                _psfs(m)
            else:
                for item in m.items:
                    _code_widget(m, item.id, f"{item.id}. {item.label}")
            _live(m, entries.get(measure_id))
            st.caption(f"{m.licence.attribution} Missing answers: {m.missing_rule}")
    for path, messages in ev.problems.items():
        if path.startswith("outcomes"):
            st.error("; ".join(messages))


def show_outcomes(outcomes: list, previous: dict[str, dict[str, Any]] | None = None) -> None:
    """The scored measures (review, record): each with its interpretation, any change since the
    previous visit against the MCID, the plan it points to, and its attribution and sources."""
    if not outcomes:
        return
    st.markdown("### Outcome measures")
    for o in outcomes:
        data = o if isinstance(o, dict) else o.model_dump()
        who = " · *patient-reported*" if data.get("reported_by") == "patient" else ""
        st.markdown(f"- **{data['interpretation']}**{who}  \n  Source: {'; '.join(data['citations'])}. "
                    f"*{data['attribution']}*")
        before = (previous or {}).get(data["measure"])
        if before:
            for c in change(data["measure"], before, data["scores"]):
                mark = {"improved": ":green", "worse": ":red"}.get(c.verdict, "")
                st.markdown(f"  - {mark}[{c.text}]" if mark else f"  - {c.text}")
        if data.get("plan"):
            st.markdown(f"  - **Plan:** {data['plan']['text']} ({'; '.join(data['plan']['citations'])})")


def charts(by_measure: dict[str, list]) -> None:
    """One line chart per measure over the patient's visits (only with two or more visits)."""
    import pandas as pd

    ms = load_measures()
    for measure_id, points in by_measure.items():
        if len(points) < 2 or measure_id not in ms.measures:
            continue
        m = ms.measures[measure_id]
        numeric = [s.id for s in m.scores if all(isinstance(p[1].get(s.id), (int, float)) for p in points)]
        if not numeric:
            continue
        frame = pd.DataFrame([{**{m.score_rule(k).label: p[1][k] for k in numeric}, "visit": str(p[0])} for p in points])
        st.markdown(f"**{m.short} over the visits** ({'higher is better' if m.higher_is_better else 'lower is better'})")
        st.line_chart(frame.set_index("visit"), height=220)
