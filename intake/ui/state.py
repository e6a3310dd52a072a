"""The session's answers and its draft: the single source of truth behind every widget.

Streamlit forgets a widget's value when the widget is not drawn, so the answers live in
``st.session_state["answers"]`` (a nested dict shaped like a case) and widgets are only views
of it: each widget's key is ``w:<dotted path>``, it is seeded from the answers before it is
drawn, and its ``on_change`` callback writes back into the answers and into the draft store.

Only the draft id goes in the page address (``?draft=...``); no clinical field ever does.
Nothing here caches anything derived from a patient: the one shared object is the
``Store`` (a database connection pool), keyed by the database address. ``store()`` is that store
seen through the signed-in practitioner's clinic (``intake.ui.auth``).
"""

from __future__ import annotations

import copy
import json
from typing import Any

import streamlit as st

from intake.storage.store import ClinicStore, Draft, Store, database_url
from intake.ui.outcome_answers import answers_from_outcomes

__all__ = [
    "STEPS",
    "STEP_TITLES",
    "WIDGET_PREFIX",
    "clear_widgets",
    "get_answer",
    "go_to",
    "init_session",
    "load_answers",
    "root_store",
    "set_answer",
    "set_consent",
    "settle",
    "start_new",
    "store",
    "widget_key",
]

_SAVED_KEY = "_saved_fingerprint"  # what the draft last received, to spot unsaved answers cheaply
STEPS: tuple[str, ...] = ("patient", "red_flags", "history", "hip", "spine", "palpation", "measures", "review", "reports")
STEP_TITLES: dict[str, str] = {
    "patient": "Patient and consent",
    "red_flags": "Red-flag screen",
    "history": "Pain history",
    "hip": "Hip examination",
    "spine": "Lumbar, neural and sacroiliac",
    "palpation": "Muscle palpation",
    "measures": "Outcome measures",
    "review": "Review",
    "reports": "Reports",
}
WIDGET_PREFIX = "w:"
DRAFT_PARAM = "draft"


@st.cache_resource(show_spinner=False)
def _store_for(url: str) -> Store:
    """One connection pool per database, shared by every session (it holds no patient data)."""
    return Store(url)


def root_store() -> Store:
    """The whole database: only for signing in and for what the principal's clinic scopes."""
    return _store_for(database_url())


def store() -> ClinicStore:
    """The signed-in practitioner's clinic: every draft, attempt and record goes through this."""
    principal = st.session_state.get("principal")
    if principal is None:
        raise RuntimeError("no one is signed in")  # the app stops at the sign-in page before any of this
    return root_store().scoped(principal)


def widget_key(path: str) -> str:
    return WIDGET_PREFIX + path


def _empty_answers() -> dict[str, Any]:
    return {"patient": {}, "history": {}, "red_flags": {}, "exam": {"tests": {}}}


def init_session() -> None:
    """Set up this browser session once: resume the draft named in the address, or start empty."""
    ss = st.session_state
    fresh = "answers" not in ss
    for key, value in (("answers", None), ("step", STEPS[0]), ("view", "wizard"), ("draft_id", None),
                       ("consent", False), ("flash", None), ("draft_links", {})):
        if key not in ss:
            ss[key] = _empty_answers() if key == "answers" else value
    if fresh:
        wanted = st.query_params.get(DRAFT_PARAM)
        if wanted and not getattr(ss.get("principal"), "sees_patients", False):
            wanted = None  # a student account opens no patient's draft, whatever the address says
            del st.query_params[DRAFT_PARAM]
        if wanted:
            draft = store().get(wanted)
            if draft is None:
                ss.flash = ("warning", "The draft in this address was not found (it may have been deleted). A new assessment has started.")
                del st.query_params[DRAFT_PARAM]
            else:
                _adopt(draft)
                store().log_view(draft.id)
    # Keep the address in step with the draft (after a resume, a new draft, a delete).
    current = st.query_params.get(DRAFT_PARAM)
    if ss.draft_id and current != ss.draft_id:
        st.query_params[DRAFT_PARAM] = ss.draft_id
    elif not ss.draft_id and current:
        del st.query_params[DRAFT_PARAM]


def _adopt(draft: Draft) -> None:
    ss = st.session_state
    answers = _empty_answers()
    for part, value in draft.answers.items():
        answers[part] = value
    answers.setdefault("exam", {}).setdefault("tests", {})
    if draft.notes:
        answers["notes"] = draft.notes
    ss.answers = answers
    ss.draft_id = draft.id
    ss.consent = draft.consent
    ss.step = draft.step if draft.step in STEPS else STEPS[0]
    ss.view = "wizard"
    ss.draft_links = {k: v for k, v in (("follows_id", draft.follows_id), ("amends_id", draft.amends_id)) if v}


def clear_widgets() -> None:
    """Forget every widget's own copy so each is seeded again from the answers."""
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(WIDGET_PREFIX)]:
        del st.session_state[key]


def get_answer(path: str, default: Any = None) -> Any:
    node: Any = st.session_state.answers
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


def set_answer(path: str, value: Any) -> None:
    """Record one answer (None means 'not asked': the key is removed) and save the draft."""
    parts = path.split(".")
    node = st.session_state.answers
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    if value is None or value == "":
        node.pop(parts[-1], None)
    else:
        node[parts[-1]] = value
    _save(answers=True)


def set_consent(value: bool) -> None:
    st.session_state.consent = bool(value)
    if value and not st.session_state.draft_id:
        _create_draft()
    else:
        _save(answers=True, consent=True)


def go_to(step: str) -> None:
    if step in STEPS:
        st.session_state.step = step
        st.session_state.view = "wizard"
        _save(step=True)


def _split_notes(answers: dict[str, Any]) -> tuple[dict[str, Any], str]:
    data = copy.deepcopy(answers)
    notes = data.pop("notes", "") or ""
    return data, notes


def _fingerprint() -> str:
    ss = st.session_state
    return json.dumps([ss.answers, ss.step, ss.consent], sort_keys=True, default=str)


def _create_draft() -> None:
    ss = st.session_state
    data, notes = _split_notes(ss.answers)
    draft = store().create(data, step=ss.step, consent=True, notes=notes, **ss.get("draft_links", {}))
    ss.draft_id = draft.id
    ss[_SAVED_KEY] = _fingerprint()
    # Put the id in the address now, not on the next run: a refresh in between must resume it.
    st.query_params[DRAFT_PARAM] = draft.id


def _save(answers: bool = False, step: bool = False, consent: bool = False) -> None:
    """Write the whole draft through, but only once the patient has agreed to the record.

    The flags say what changed; the draft is always written whole (one small row), so what is
    stored never lags behind the session, whichever callback ran last.
    """
    del answers, step  # kept for call sites that say what changed
    ss = st.session_state
    if not ss.draft_id or not (ss.consent or consent):
        return
    data, notes = _split_notes(ss.answers)
    if store().save(ss.draft_id, answers=data, notes=notes, step=ss.step, consent=ss.consent):
        ss[_SAVED_KEY] = _fingerprint()
    else:
        # Deleted from the drafts list in another tab: keep working, start a fresh draft.
        ss.draft_id = None
        if ss.consent:
            _create_draft()


def settle() -> None:
    """End of every run: make the draft match the answers, whatever callback was cut short.

    Streamlit can interrupt a callback half-way when the next input arrives quickly (consent
    recorded but the draft not yet created, say). Every answer is in the session store, so the
    last step of each run writes whatever has not reached the draft and puts its id in the address.
    """
    ss = st.session_state
    if not ss.consent:
        return
    if not ss.draft_id:
        _create_draft()
    elif ss.get(_SAVED_KEY) != _fingerprint():
        _save()
    if st.query_params.get(DRAFT_PARAM) != ss.draft_id:
        st.query_params[DRAFT_PARAM] = ss.draft_id


def start_new() -> None:
    """A blank assessment in this session; the previous draft stays in the drafts list."""
    ss = st.session_state
    ss.answers = _empty_answers()
    ss.draft_id = None
    ss.consent = False
    ss.step = STEPS[0]
    ss.view = "wizard"
    ss.draft_links = {}
    clear_widgets()


def load_answers(answers: dict[str, Any], *, consent: bool, step: str = STEPS[0], follows_id: str | None = None,
                 amends_id: str | None = None) -> None:
    """Start from a whole set of answers (an uploaded case, a filed record to follow up or amend):
    a new draft when consent is recorded, linked to the record it follows or amends."""
    ss = st.session_state
    fresh = _empty_answers()
    for part, value in answers.items():
        if part != "case_format":
            fresh[part] = copy.deepcopy(value)
    if isinstance(fresh.get("outcomes"), list):  # a case file's outcomes, as the measures step keeps them
        fresh["outcomes"] = answers_from_outcomes(fresh["outcomes"])
    fresh.setdefault("exam", {}).setdefault("tests", {})
    ss.answers = fresh
    ss.draft_id = None
    ss.consent = consent
    ss.step = step
    ss.view = "wizard"
    ss.draft_links = {k: v for k, v in (("follows_id", follows_id), ("amends_id", amends_id)) if v}
    clear_widgets()
    if consent:
        _create_draft()


def resume(draft_id: str) -> bool:
    draft = store().get(draft_id)
    if draft is None:
        return False
    _adopt(draft)
    store().log_view(draft.id)
    clear_widgets()
    return True
