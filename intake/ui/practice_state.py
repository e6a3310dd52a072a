"""Practice mode's session store: who is practising, which case, what they asked, what they commit.

As in the wizard, widgets are views: everything lives in ``st.session_state.practice`` (a plain
dict), each widget is seeded from it before it is drawn and writes back into it. The attempt
itself is in the database from the moment the case opens (``intake.store``), so the questions
asked and the clock survive a refresh: the attempt id is the only thing in the address
(``?practice=...``). Scoring is ``intake.practice.score_attempt``; nothing here judges an answer.
Nothing student-derived is cached.
"""

from __future__ import annotations

from typing import Any

import streamlit as st
from pydantic import ValidationError

from intake import assess
from intake.models import RED_FLAG_KEYS, Assessment, Case, Expected
from intake.policy.roles import MODES, ROLE_MODES
from intake.practice import Attempt, Feedback, reveal, score_attempt
from intake.practice.library import CaseEntry, catalogue, load_entry
from intake.storage.store import AttemptRecord, student_key
from intake.ui import guard, state

__all__ = [
    "COMMIT_FIELDS",
    "MODES",
    "PRACTICE_PARAM",
    "ROLE_MODES",
    "WIDGET",
    "allowed_modes",
    "ask",
    "code",
    "commit",
    "current_record",
    "entries",
    "entry_for",
    "init_session",
    "leave_case",
    "md",
    "open_attempt",
    "practice",
    "revealed_answers",
    "scenario",
    "set_mode",
    "start_case",
    "student_account_name",
    "sync_commitment",
]

PRACTICE_PARAM = "practice"
COMMIT_FIELDS: tuple[str, ...] = (
    "ranked_origins", "red_flags_identified", "referral", "muscles_suspected", "therapies_chosen", "withheld_chosen",
)
WIDGET = "p:"


def _empty() -> dict[str, Any]:
    return {
        "student": "",
        "view": "pick",            # pick | case | feedback
        "attempt_id": None,
        "case_key": None,
        "revealed": [],            # question, test and exam keys, in the order asked
        "commitment": _empty_commitment(),
        "difficulty": [],
    }


def _empty_commitment() -> dict[str, Any]:
    return {"ranked_origins": [None, None, None], "red_flags_identified": [], "referral": None,
            "muscles_suspected": [], "therapies_chosen": [], "withheld_chosen": []}


def practice() -> dict[str, Any]:
    return st.session_state.practice


def init_session() -> None:
    """Once per browser session: the mode, and an attempt resumed from ``?practice=...``."""
    ss = st.session_state
    fresh = "practice" not in ss
    if fresh:
        ss.practice = _empty()
    if "mode" not in ss or ss.mode not in allowed_modes():
        ss.mode = allowed_modes()[0] if allowed_modes() else "practice"
    if fresh:
        wanted = st.query_params.get(PRACTICE_PARAM)
        if wanted:
            record = state.store().get_attempt(wanted)
            if record is None or entry_for(record.case_id) is None or not _own_attempt(record):
                ss.flash = ("warning", "The practice attempt in this address was not found.")
            else:
                _adopt(record)
                ss.mode = "practice"
    _sync_address()


def _sync_address() -> None:
    ss = st.session_state
    wanted = ss.practice["attempt_id"] if ss.mode == "practice" else None
    current = st.query_params.get(PRACTICE_PARAM)
    if wanted and current != wanted:
        st.query_params[PRACTICE_PARAM] = wanted
    elif not wanted and current:
        del st.query_params[PRACTICE_PARAM]


def allowed_modes() -> tuple[str, ...]:
    principal = st.session_state.get("principal")
    return ROLE_MODES.get(getattr(principal, "role", ""), ())


def set_mode(mode: str) -> None:
    if mode in allowed_modes():
        st.session_state.mode = mode


def _clear_widgets() -> None:
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(WIDGET)]:
        del st.session_state[key]


# ---------------------------------------------------------------- the case library


def entries() -> list[CaseEntry]:
    """The files (read once per process) and the uploaded vignettes (read from the database each time)."""
    return catalogue(state.store().list_vignettes())


def entry_for(key: str | None) -> CaseEntry | None:
    return next((e for e in entries() if e.key == key), None) if key else None


def scenario(key: str) -> tuple[Case, Expected, Assessment] | None:
    """The case, its answer and the engine's assessment (recomputed: `assess` is pure and fast)."""
    entry = entry_for(key)
    if entry is None:
        return None
    case, expected = load_entry(entry)
    return case, expected, assess(case)


# ---------------------------------------------------------------- one attempt


def _adopt(record: AttemptRecord) -> None:
    p = practice()
    p["student"] = record.student
    p["attempt_id"] = record.id
    p["case_key"] = record.case_id
    answers = record.answers or {}
    p["revealed"] = list(answers.get("revealed") or [*answers.get("questions_asked", []), *answers.get("tests_performed", [])])
    commitment = _empty_commitment()
    for name in COMMIT_FIELDS:
        if name in answers:
            commitment[name] = answers[name]
    commitment["ranked_origins"] = [*commitment["ranked_origins"], None, None, None][:3]
    p["commitment"] = commitment
    p["view"] = "feedback" if record.is_committed else "case"
    _clear_widgets()


@guard.db_safe
def start_case(key: str) -> None:
    """Open a case for the student named on the page; the clock starts now."""
    p = practice()
    name = (st.session_state.get(WIDGET + "student") or p["student"] or "").strip()
    entry = entry_for(key)
    if not name:
        st.session_state.flash = ("warning", "Enter your name or a pseudonym first: your attempts are kept under it.")
        return
    if entry is None:
        st.session_state.flash = ("warning", "That case is no longer in the library.")
        return
    record = state.store().start_attempt(name, entry.key, entry.title, {"revealed": []})
    p["student"] = name
    _adopt(record)


def student_account_name() -> str | None:
    """A student account practises under its own username: it cannot type another student's name
    to see their attempts (practitioners and instructors may practise under any name)."""
    principal = st.session_state.get("principal")
    return principal.username if getattr(principal, "role", None) == "student" else None


def _own_attempt(record: AttemptRecord) -> bool:
    own = student_account_name()
    return own is None or student_key(record.student) == student_key(own)


def open_attempt(attempt_id: str) -> None:
    record = state.store().get_attempt(attempt_id)
    if record is None or entry_for(record.case_id) is None or not _own_attempt(record):
        st.session_state.flash = ("warning", "That attempt's case is no longer in the library.")
        return
    _adopt(record)


def leave_case() -> None:
    """Back to the case list; an uncommitted attempt stays unscored (and out of the results)."""
    p = practice()
    st.session_state.practice = {**_empty(), "student": p["student"], "difficulty": p["difficulty"]}
    _clear_widgets()


def current_record() -> AttemptRecord | None:
    attempt_id = practice()["attempt_id"]
    return state.store().get_attempt(attempt_id) if attempt_id else None


def _split(revealed: list[str]) -> tuple[list[str], list[str]]:
    return [k for k in revealed if k in RED_FLAG_KEYS], [k for k in revealed if k not in RED_FLAG_KEYS]


def ask(widget_key: str) -> None:
    """Reveal the one question or test chosen in `widget_key`; the order is kept."""
    p = practice()
    key = st.session_state.get(widget_key)
    if not key or p["view"] != "case" or key in p["revealed"]:
        return
    p["revealed"].append(key)
    st.session_state[widget_key] = None
    questions, tests = _split(p["revealed"])
    state.store().save_attempt_answers(p["attempt_id"], {"revealed": p["revealed"], "questions_asked": questions,
                                                          "tests_performed": tests})


def revealed_answers(case: Case) -> list[tuple[str, Any]]:
    """Each asked key with the case's answer (or "not recorded"), in the order asked."""
    return [(key, reveal(case, key)) for key in practice()["revealed"]]


def sync_commitment() -> None:
    """Copy what the commitment widgets show into the store (also called before committing)."""
    c = practice()["commitment"]
    ss = st.session_state
    ranked = list(c["ranked_origins"])
    for i in range(3):
        if WIDGET + f"origin{i}" in ss:
            ranked[i] = ss[WIDGET + f"origin{i}"]
    c["ranked_origins"] = ranked
    for name in COMMIT_FIELDS[1:]:
        if WIDGET + name in ss:
            value = ss[WIDGET + name]
            c[name] = value if name == "referral" else list(value or [])


def attempt_from_store(seconds: float) -> Attempt:
    """The typed Attempt; raises ValidationError naming what is missing or wrong."""
    p = practice()
    c = p["commitment"]
    questions, tests = _split(p["revealed"])
    ranked = [o for o in c["ranked_origins"] if o]
    return Attempt(questions_asked=questions, tests_performed=tests, ranked_origins=ranked,
                   red_flags_identified=c["red_flags_identified"], referral=c["referral"] or "",
                   muscles_suspected=c["muscles_suspected"], therapies_chosen=c["therapies_chosen"],
                   withheld_chosen=c["withheld_chosen"], seconds_taken=round(seconds, 1))


_FIELD_WORDS = {
    "ranked_origins": "Rank at least one origin, each once (most likely first).",
    "referral": "Choose the referral urgency (none, routine, urgent or emergency).",
}


def commit() -> None:
    """Score the attempt through intake.practice and store it; the feedback is then shown."""
    sync_commitment()
    p = practice()
    store = state.store()
    found = scenario(p["case_key"])
    seconds = store.elapsed_seconds(p["attempt_id"]) if p["attempt_id"] else None
    if found is None or seconds is None:
        st.session_state.flash = ("warning", "This attempt could not be found any more. Pick the case again.")
        leave_case()
        return
    try:
        attempt = attempt_from_store(seconds)
    except ValidationError as exc:
        fields = dict.fromkeys(str(e["loc"][0]) for e in exc.errors(include_url=False) if e["loc"])
        words = [_FIELD_WORDS.get(f, f"Check {f.replace('_', ' ')}.") for f in fields]
        st.session_state.flash = ("error", "Not committed yet. " + " ".join(words))
        return
    case, expected, assessment = found
    feedback: Feedback = score_attempt(case, expected, assessment, attempt)
    answers = {**attempt.model_dump(mode="json"), "revealed": list(p["revealed"])}
    marks = {part.part: {"label": part.label, "marks": part.marks, "max": part.max} for part in feedback.parts}
    store.commit_attempt(p["attempt_id"], answers=answers, expected=expected.model_dump(mode="json"), score=feedback.total,
                         marks=marks, feedback=feedback.model_dump(mode="json"), seconds=attempt.seconds_taken,
                         unsafe=feedback.unsafe)
    p["view"] = "feedback"


_MARKDOWN_SPECIALS = set("\\`*_{}[]()<>#+-.!|~$:")


def code(text: str | None) -> str:
    """Text from a file (a field's name) as a Markdown code span: shown literally, never a link."""
    return "`" + (text or "").replace("`", "'").replace("\n", " ") + "`"


def md(text: str | None) -> str:
    """Typed text (a name, an uploaded title) shown literally inside Streamlit markdown."""
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIALS else ch for ch in (text or "")).replace("\n", " ")
