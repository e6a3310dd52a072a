"""The session's answers and its draft: the single source of truth behind every widget.

Streamlit forgets a widget's value when the widget is not drawn, so the answers live in
``st.session_state["answers"]`` (a nested dict shaped like a case) and widgets are only views
of it: each widget's key is ``w:<dotted path>``, and it is seeded from the answers before it is
drawn.

**One write path.** Widget callbacks are not used to record answers. Streamlit makes every
``st.session_state`` access a yield point: when the next click arrives while a callback runs
(fast reruns, several sessions sharing the CPU), the access raises ``RerunException`` inside the
callback, Streamlit swallows it as if the callback had asked to rerun, and the callback's work is
lost; on the next run the widget's value counts as unchanged, so the callback never fires again.
Instead ``collect()``, the first thing of every run, compares each live widget's value with the
value last taken from it (``_applied``) and records the difference in the answers; it is
idempotent (taking the same value twice changes nothing) and ordered (the widget states are the
browser's latest), and an interruption at any point is repaired by the next run, because a
widget's value stays in the session until a run completes, and every completed run has
completed ``collect()``. Buttons (Back, Next, New) call callbacks that touch no session state:
they only drop the request into a plain ``Inbox`` object, which ``collect()`` empties.

**The draft carries a revision.** Each write names the revision it started from; the store
refuses it if another window wrote in between. ``save_state()`` is what the screen says about
saving: "Saved" only once the database has confirmed the answers now on screen.

Only the draft id goes in the page address (``?draft=...``); no clinical field ever does.
Nothing here caches anything derived from a patient: the one shared object is the
``Store`` (a database connection pool), keyed by the database address. ``store()`` is that store
seen through the signed-in practitioner's clinic (``intake.ui.auth``).
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import json
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

from intake.storage.patient_links import PATIENT_WRITER, merge_patient_answers
from intake.storage.store import ClinicStore, Draft, DraftConflict, Store, StoreUnavailable, database_url
from intake.ui import guard
from intake.ui.outcome_answers import answers_from_outcomes

__all__ = [
    "STEPS",
    "STEP_TITLES",
    "WIDGET_PREFIX",
    "Inbox",
    "SaveState",
    "clear_widgets",
    "collect",
    "get_answer",
    "go_to",
    "inbox",
    "init_session",
    "later",
    "load_answers",
    "post",
    "put",
    "register",
    "root_store",
    "save_state",
    "seed",
    "settle",
    "start_new",
    "store",
    "widget_key",
]

_SPECS = "_widget_specs"  # widget key -> (kind, path, options): how its value becomes an answer
_APPLIED = "_widget_applied"  # widget key -> the value collect() last took from it
_INBOX = "_inbox"
_SAVE = "_save_state"
_RETRY_RESUME = "_retry_resume"
_RESEED = "_reseed"  # widget keys to seed again from the answers (the patient's answers merged in)
RETRY_SECONDS = (1, 2, 4, 8, 15)  # a failed save is retried after these pauses (then every 15 s)
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


_TURNS: weakref.WeakValueDictionary[str | None, Any] = weakref.WeakValueDictionary()  # gone once no run holds it
_TURNS_LOCK = threading.Lock()


def _turn() -> Any:
    """This browser session's turn to change its answers and write its draft.

    Streamlit's fast reruns do not wait for the run in progress to end: a click asks it to stop and
    starts the next run at once on a new thread, while the old one carries on until its next yield
    point, and a database write is none. So two or three runs of one session wrote its draft at
    once, each from the revision it had read: a run refused by its own session's newer write tried
    again from that revision, and when yet another run of the session wrote in between, the second
    refusal was shown as "changed in another window"; two runs could also each create a draft, and
    an older run could write its answers over a newer run's. Taking a turn makes them one at a
    time: a run asked to stop waits for the write in progress, then stops at its first yield point
    (every access to the session's state), before it writes anything.
    """
    session = _writer()
    with _TURNS_LOCK:
        lock = _TURNS.get(session)
        if lock is None:
            lock = _TURNS[session] = threading.RLock()
        return lock


def widget_key(path: str) -> str:
    return WIDGET_PREFIX + path


def _empty_answers() -> dict[str, Any]:
    return {"patient": {}, "history": {}, "red_flags": {}, "exam": {"tests": {}}}


def init_session() -> None:
    """Set up this browser session once: resume the draft named in the address, or start empty."""
    ss = st.session_state
    fresh = "answers" not in ss or (ss.get(_RETRY_RESUME) and not ss.get("draft_id") and not ss.get("consent"))
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
            try:
                draft = store().get(wanted)
            except StoreUnavailable as down:
                ss.flash = ("warning", f"The draft in this address cannot be opened now: {down.reason}. Reload this "
                            "page in a moment to resume it.")
                ss[_RETRY_RESUME] = True  # the next run tries again (unless work has started meanwhile)
                return
            ss.pop(_RETRY_RESUME, None)
            if draft is None:
                ss.flash = ("warning", "The draft in this address was not found (it may have been deleted). A new assessment has started.")
                del st.query_params[DRAFT_PARAM]
            else:
                _adopt(draft)
                with contextlib.suppress(StoreUnavailable):  # read, but its audit entry cannot be written now
                    store().log_view(draft.id)
    _sync_address()


def _sync_address() -> None:
    """Keep the address in step with the draft (after a resume, a new draft, a delete)."""
    ss = st.session_state
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
    ss.draft_links = {k: v for k, v in (("follows_id", draft.follows_id), ("amends_id", draft.amends_id),
                                        ("amends_version", draft.amends_version)) if v}
    ss[_SAVE] = SaveState(revision=draft.revision, fingerprint=_fingerprint(), draft_id=draft.id,
                          stored_consent=draft.consent)


def clear_widgets() -> None:
    """Forget every widget's own copy so each is seeded again from the answers."""
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(WIDGET_PREFIX)]:
        del st.session_state[key]
    st.session_state[_APPLIED] = {}


# ---------------------------------------------------------------- the one write path


class Inbox:
    """Requests from buttons, dropped here by callbacks that touch no session state (so a new
    click arriving meanwhile cannot cut them short) and carried out by ``collect()``."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, tuple[Any, ...]]] = []
        #: draft id -> what filing it gave, recorded with no yield point after the write, so a run
        #: cut short between filing and starting anew finishes the job instead of filing twice
        self.filed: dict[str, Any] = {}

    def put(self, action: str, *args: Any) -> None:
        self.requests.append((action, args))

    def done(self, request: tuple[str, tuple[Any, ...]]) -> None:
        if request in self.requests:
            self.requests.remove(request)


def inbox() -> Inbox:
    """This session's inbox, to pass as the first argument of a button's ``on_click``."""
    box = st.session_state.get(_INBOX)
    if not isinstance(box, Inbox):
        box = st.session_state[_INBOX] = Inbox()
    return box


def post(box: Inbox, action: str, *args: Any) -> None:
    """A button callback: no session-state access, so it always runs to the end.

    ``action`` is "go" (a step), "new", "keep_mine", "load_theirs", or "call" followed by a
    module-level function and its arguments, which ``collect()`` runs at the start of the next
    run (where it may read and change the answers with ``put``; it must be safe to run twice,
    since a run cut short before the request is marked done runs it again)."""
    box.put(action, *args)


def later(fn: Callable[..., Any], *args: Any) -> dict[str, Any]:
    """A button's ``on_click`` and ``args`` that run ``fn(*args)`` through the inbox: at the start
    of the next run, inside ``collect()``, never as a callback a new click could cut short.
    Use it for anything that changes the answers (resume, load, file, amend)."""
    return {"on_click": post, "args": (inbox(), "call", fn, *args)}


def put(path: str, value: Any) -> None:
    """Record one answer from a button's request (run by ``collect()``); the widget that shows
    it is seeded again from the answer when it is next drawn."""
    _write(path, value)
    applied = st.session_state.setdefault(_APPLIED, {})
    for key in (widget_key(path), widget_key(path) + ":none"):  # a list's "none of these" box too
        st.session_state.pop(key, None)
        applied.pop(key, None)


def register(key: str, kind: str, path: str, options: Sequence[str] = ()) -> None:
    """Say how a widget's value becomes an answer (before the widget is drawn)."""
    specs = st.session_state.setdefault(_SPECS, {})
    spec = (kind, path, tuple(options))
    if specs.get(key) != spec:
        specs[key] = spec


def seed(key: str, value: Any) -> None:
    """Give a widget the answer's value, unless it already holds the practitioner's own."""
    ss = st.session_state
    if key not in ss:
        ss[key] = value
        ss.setdefault(_APPLIED, {})[key] = value


def seed_applied(key: str, value: Any) -> None:
    """A widget the page sets on every run (the step bar): what it was set to is not a change."""
    st.session_state.setdefault(_APPLIED, {})[key] = value


FLAG_VALUES: dict[str, bool | None] = {"unasked": None, "no": False, "yes": True}
TEST_VALUES: dict[str, str | None] = {"untested": None, "negative": "negative", "positive": "positive"}


def _number(value: Any, integer: bool) -> Any:
    if value is not None and (integer or float(value).is_integer()):
        return int(value)
    return value


def _multi(chosen: Any, none_ticked: bool, options: Sequence[str]) -> list[str] | None:
    picked = set(chosen or [])
    ordered = [o for o in options if o in picked]
    if ordered:
        return ordered
    return [] if none_ticked else None


#: kind -> (value the widget shows when cleared, widget value -> answer)
_CONVERTERS: dict[str, tuple[Any, Callable[[Any], Any]]] = {
    "flag": ("unasked", lambda v: FLAG_VALUES[v or "unasked"]),
    "test": ("untested", lambda v: TEST_VALUES[v or "untested"]),
    "choice": (None, lambda v: v),
    "integer": (None, lambda v: _number(v, True)),
    "decimal": (None, lambda v: _number(v, False)),
    "text": (None, lambda v: v.replace("\x00", "") or None if v else None),  # a pasted NUL cannot be stored
    "date": (None, lambda v: v.isoformat() if isinstance(v, dt.date) else None),
    "line": (None, lambda v: v.replace("\x00", "").strip() or None if v else None),  # one line, trimmed
    "list": (None, lambda v: list(v) or None if v else None),  # several chosen; none chosen is not asked
}
_MISSING = object()


def _take(key: str, kind: str, path: str, options: tuple[str, ...], applied: dict[str, Any]) -> bool:
    """Record what one widget shows if it changed since it was last taken; True if it did."""
    ss = st.session_state
    value = ss.get(key)
    if kind == "multi":
        none_key = key + ":none"
        none_ticked = bool(ss.get(none_key, False))
        before, none_before = applied.get(key, _MISSING), applied.get(none_key, _MISSING)
        if before == value and none_before == none_ticked:
            return False
        if none_ticked and none_before != none_ticked:
            value = []  # "none of these" just ticked: it clears the list
            ss[key] = value
        elif value and before != value and none_ticked:
            none_ticked = False  # a site just chosen: "none of these" no longer holds
            ss[none_key] = False
        _write(path, _multi(value, none_ticked, options))
        applied[key], applied[none_key] = list(value or []), none_ticked
        return True
    if kind == "consent":
        value = bool(value)
        if applied.get(key, _MISSING) == value:
            return False
        _consent(value)
        applied[key] = value
        return True
    if kind == "nav":
        if options and options[0] != ss.step:
            return False  # the bar of a step already left: whatever the browser says of it is stale
        if key not in applied:  # the widgets were reset (a new or loaded assessment): not a click
            applied[key] = value
            return False
        if value is None or applied[key] == value:
            return False
        applied[key] = value
        if value != ss.step:
            _go(value)
        return True
    cleared, convert = _CONVERTERS[kind]
    if value is None and cleared is not None:
        value = ss[key] = cleared  # a segmented control clicked off: back to "Not asked"
    if applied.get(key, _MISSING) == value:
        return False
    _write(path, convert(value))
    applied[key] = list(value) if isinstance(value, list) else value
    return True


def collect() -> None:
    """First thing in every run: take every change the widgets show, and the buttons' requests,
    into the answers, then write the draft (once) if anything changed (in this session's turn)."""
    with _turn():
        _collect()


def _collect() -> None:
    ss = st.session_state
    save_state()  # made here, in the session's turn, so two runs never make two
    specs = ss.setdefault(_SPECS, {})
    applied = ss.setdefault(_APPLIED, {})
    for key, (kind, path, options) in list(specs.items()):
        if key in ss:  # on screen (or was, until a run completes without it)
            _take(key, kind, path, options, applied)
    box = inbox()
    for request in list(box.requests):
        action, args = request
        if action == "go":
            _go(*args)
        elif action == "new":
            start_new()
        elif action == "keep_mine":
            flush(force=True)
        elif action == "load_theirs" and ss.get("draft_id"):
            resume(ss.draft_id)
        elif action == "call":
            try:
                guard.db_safe(args[0])(*args[1:])  # a database that cannot take it: the "not done" note
            except Exception:
                box.done(request)  # a refusal is shown once, not asked again on every run
                raise
        box.done(request)  # only once carried out: a run cut short in between does it again
    flush()
    _reseed()
    _sync_address()


def get_answer(path: str, default: Any = None) -> Any:
    node: Any = st.session_state.answers
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


def _write(path: str, value: Any) -> None:
    """Put one answer in the session's answers (None means 'not asked': the key is removed)."""
    parts = path.split(".")
    node = st.session_state.answers
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    if value is None or value == "":
        node.pop(parts[-1], None)
    else:
        node[parts[-1]] = value


def _consent(value: bool) -> None:
    st.session_state.consent = bool(value)


def _go(step: str) -> None:
    if step in STEPS:
        st.session_state.step = step
        st.session_state.view = "wizard"


def go_to(step: str) -> None:
    _go(step)
    flush()


def _split_notes(answers: dict[str, Any]) -> tuple[dict[str, Any], str]:
    data = copy.deepcopy(answers)
    notes = data.pop("notes", "") or ""
    return data, notes


def _fingerprint() -> str:
    ss = st.session_state
    return json.dumps([ss.answers, ss.step, ss.consent], sort_keys=True, default=str)


@dataclass
class SaveState:
    """What the screen says about saving: the revision the database confirmed and the answers it
    holds (their fingerprint), and whether the session's answers are still waiting ("Not saved").

    One object per session, changed in place: after a database write the outcome is recorded by
    setting attributes (no ``st.session_state`` access, so no yield point where the next click
    could cut the run short between the write and the record of it)."""

    revision: int = 0
    fingerprint: str = ""
    draft_id: str | None = None  # the draft the database confirmed (adopted if the run was cut short)
    pending: bool = False
    failures: int = 0
    next_try: float = 0.0
    problem: str = ""  # "unavailable" | "conflict" | ""
    reason: str = ""  # why the database could not take it, in words for the screen
    stored_consent: bool = True  # what the stored draft says about consent
    conflict_by: str = ""
    conflict_at: str = ""

    def confirmed(self, revision: int, fingerprint: str, *, draft_id: str | None = None,
                  consent: bool = True) -> None:
        self.revision, self.fingerprint, self.stored_consent = revision, fingerprint, consent
        if draft_id is not None:
            self.draft_id = draft_id
        self.pending, self.failures, self.next_try, self.problem, self.reason = False, 0, 0.0, "", ""
        self.conflict_by = self.conflict_at = ""

    def failed(self, reason: str) -> None:
        self.failures += 1
        self.pending, self.problem, self.reason = True, "unavailable", reason
        self.next_try = time.monotonic() + RETRY_SECONDS[min(self.failures, len(RETRY_SECONDS)) - 1]

    def conflicted(self, by: str, at: str) -> None:
        self.pending, self.problem, self.conflict_by, self.conflict_at = True, "conflict", by, at


def save_state() -> SaveState:
    state = st.session_state.get(_SAVE)
    if not isinstance(state, SaveState):
        state = st.session_state[_SAVE] = SaveState()
    return state


def _create_draft(saved: SaveState) -> None:
    ss = st.session_state
    data, notes = _split_notes(ss.answers)
    fingerprint = _fingerprint()
    links = dict(ss.get("draft_links", {}))
    clinic = store()
    draft = clinic.create(data, step=ss.step, consent=True, notes=notes, writer=_writer(), **links)
    saved.confirmed(draft.revision, fingerprint, draft_id=draft.id)  # no yield point since the write
    ss.draft_id = draft.id
    # Put the id in the address now, not on the next run: a refresh in between must resume it.
    st.query_params[DRAFT_PARAM] = draft.id


def _save(saved: SaveState, *, force: bool = False) -> None:
    """Write the whole draft (one small row), naming the revision this session last saw."""
    ss = st.session_state
    data, notes = _split_notes(ss.answers)
    fingerprint = _fingerprint()
    draft_id, step, consent = ss.draft_id, ss.step, ss.consent
    clinic = store()
    writer = _writer()
    try:
        try:
            revision = clinic.save(draft_id, answers=data, notes=notes, step=step, consent=consent,
                                   expected_revision=None if force else saved.revision, writer=writer)
        except DraftConflict as conflict:
            if not writer or conflict.writer != writer:
                raise
            # This session's own earlier write (its record of the revision was cut short): not a
            # conflict; write over it from the revision the database has.
            revision = clinic.save(draft_id, answers=data, notes=notes, step=step, consent=consent,
                                   expected_revision=conflict.revision, writer=writer)
    except DraftConflict as conflict:
        if conflict.writer == PATIENT_WRITER and not force:
            _merge_patient(saved, clinic)
            return
        saved.conflicted(conflict.by, conflict.at)
        return
    if revision is None:
        # Deleted from the drafts list in another tab: keep working, start a fresh draft.
        saved.draft_id = None
        ss.draft_id = None
        _create_draft(saved)
        return
    saved.confirmed(revision, fingerprint, draft_id=draft_id)


def _leaves(node: Any, prefix: str = "") -> dict[str, Any]:
    if not isinstance(node, dict) or not node:
        return {prefix: node} if prefix else {}
    out: dict[str, Any] = {}
    for key, value in node.items():
        out.update(_leaves(value, f"{prefix}.{key}" if prefix else str(key)))
    return out


def _merge_patient(saved: SaveState, clinic: ClinicStore, depth: int = 0) -> None:
    """The patient answered through their link while this window had the draft open: take the
    patient's answers into this window's (the same merge the link makes: a patient's yes to a red
    flag always stands, other answers fill only what the practitioner left unanswered), then save
    from the draft's new revision. Nothing from either side is written over."""
    ss = st.session_state
    draft = clinic.get(ss.draft_id)
    if draft is None:
        return
    form = draft.answers.get("patient_form") or {}
    merged = merge_patient_answers(ss.answers, form)
    merged["patient_form"] = form
    before, after = _leaves(ss.answers), _leaves(merged)
    changed = {path for path in set(before) | set(after) if before.get(path) != after.get(path)}
    ss.answers = merged
    ss.setdefault(_RESEED, set()).update(widget_key(p) for p in changed)
    saved.revision = draft.revision
    if depth < 3:
        try:
            _save(saved)
        except DraftConflict:
            _merge_patient(saved, clinic, depth + 1)


def _reseed() -> None:
    """Widgets whose answers the patient's merge changed show the answer again, unless the
    practitioner changed the widget meanwhile (then collect() has just taken theirs)."""
    ss = st.session_state
    keys = ss.get(_RESEED)
    if not keys:
        return
    applied = ss.setdefault(_APPLIED, {})
    for key in list(keys):
        for k in (key, key + ":none"):
            if k not in ss or ss.get(k) == applied.get(k, ss.get(k)):
                ss.pop(k, None)
                applied.pop(k, None)
    ss[_RESEED] = set()


def _writer() -> str | None:
    """This browser session's id (random; not patient data), stored with each write of the draft."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    return ctx.session_id[:64] if ctx is not None else None


def flush(*, force: bool = False) -> None:
    """Make the draft match the answers, once the patient has agreed to the record.

    A database that is down, locked or full never reaches the screen as an error page: the
    answers stay in the session, the screen says they are not saved, and the write is tried
    again (with a growing pause) on the next run or by the sidebar's retry timer.
    """
    with _turn():
        _flush(force=force)


def _flush(*, force: bool = False) -> None:
    ss = st.session_state
    saved = save_state()
    if saved.draft_id and not ss.get("draft_id"):
        ss.draft_id = saved.draft_id  # created, but the run was cut short before it said so
    if not ss.get("consent"):
        if ss.get("draft_id") and saved.stored_consent:
            _withdraw(saved)
        return
    if saved.problem == "conflict" and not force:
        return  # the practitioner chooses: keep this window's answers or load the other's
    if ss.get("draft_id") and saved.fingerprint == _fingerprint() and saved.stored_consent:
        if saved.problem == "unavailable":
            saved.confirmed(saved.revision, saved.fingerprint)
        return
    if saved.problem == "unavailable" and not force and time.monotonic() < saved.next_try:
        return  # waiting before the next try (the sidebar's timer, or the next click, tries again)
    try:
        if not ss.get("draft_id"):
            _create_draft(saved)
        else:
            _save(saved, force=force)
    except StoreUnavailable as down:
        saved.failed(down.reason)
    if ss.get("draft_id") and st.query_params.get(DRAFT_PARAM) != ss.draft_id:
        st.query_params[DRAFT_PARAM] = ss.draft_id


def _withdraw(saved: SaveState) -> None:
    """Consent withdrawn: the stored draft says so at once (whatever another window wrote); the
    answers given from now on stay in this session."""
    ss = st.session_state
    draft_id, fingerprint = ss.draft_id, _fingerprint()
    clinic = store()
    try:
        revision = clinic.save(draft_id, consent=False, writer=_writer())
    except StoreUnavailable as down:
        saved.failed(down.reason)
        return
    saved.confirmed(revision or saved.revision, fingerprint, consent=False)


def settle() -> None:
    """End of every run: whatever the run itself changed (a loaded case, a new draft) reaches the draft."""
    flush()
    if st.session_state.get(_RESEED):
        st.rerun()  # the patient's answers were merged in: the next run shows them in the widgets


def start_new() -> None:
    """A blank assessment in this session; the previous draft stays in the drafts list."""
    ss = st.session_state
    ss.answers = _empty_answers()
    ss.draft_id = None
    ss.consent = False
    ss.step = STEPS[0]
    ss.view = "wizard"
    ss.draft_links = {}
    ss[_SAVE] = SaveState()
    clear_widgets()


def load_answers(answers: dict[str, Any], *, consent: bool, step: str = STEPS[0], follows_id: str | None = None,
                 amends_id: str | None = None, amends_version: int | None = None) -> None:
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
    ss.draft_links = {k: v for k, v in (("follows_id", follows_id), ("amends_id", amends_id),
                                        ("amends_version", amends_version)) if v}
    ss[_SAVE] = SaveState()
    clear_widgets()
    if consent:
        flush()


def resume(draft_id: str) -> bool:
    draft = store().get(draft_id)
    if draft is None:
        return False
    _adopt(draft)
    store().log_view(draft.id)
    clear_widgets()
    return True
