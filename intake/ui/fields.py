"""Form widgets as views of the answers: labels from the knowledge base, tri-state by default.

Every helper takes the answer's dotted path in the case (``history.limp``,
``exam.tests.faber``), seeds its widget from the answers, tells ``state.collect`` how its value
becomes an answer, and shows the case format's refusal, if any, right under the widget.
"Not asked" is always an answer of its own and is never the same as "no".
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from intake.form import Group, Slot
from intake.knowledge import KnowledgeBase, load_knowledge
from intake.ui import state
from intake.ui.evaluation import Evaluation

__all__ = [
    "choice",
    "date",
    "flag",
    "group",
    "humanise",
    "kb",
    "label_of",
    "multi",
    "number",
    "problems_for",
    "slot",
    "test_result",
    "text",
]

FLAG_OPTIONS = ("unasked", "no", "yes")
FLAG_WORDS = {"unasked": "Not asked", "no": "No", "yes": "Yes"}
TEST_OPTIONS = ("untested", "negative", "positive")
TEST_WORDS = {"untested": "Not tested", "negative": "Negative", "positive": "Positive"}


def kb() -> KnowledgeBase:
    """The knowledge base: read-only and loaded once per process (lru_cache in load_knowledge)."""
    return load_knowledge()


def humanise(value: str) -> str:
    return value.replace("_", " ").capitalize()


def label_of(key: str) -> str:
    """The knowledge base's label for a case key, e.g. ``faber`` or ``pain_sites.groin``."""
    return kb().label(key)


def _question(key: str) -> tuple[str, str | None]:
    finding = kb().findings.get(key)
    if finding is None:
        return humanise(key), None
    return finding.question or finding.label, finding.help


def _case_key(path: str) -> str:
    return path.rsplit(".", 1)[-1]


def problems_for(ev: Evaluation, path: str, label: str | None = None) -> None:
    """The case format's reasons for refusing this field, shown under its widget."""
    for message in ev.problems.get(path, []):
        if path == "patient.age" and "missing" in message:
            st.info("Age is required: the reasoning starts once it is entered.", icon=":material/info:")
        else:
            st.error(f"{label or label_of(_case_key(path))}: {message}", icon=":material/error:")


# ---------------------------------------------------------------- widget value -> answer
#
# No widget here has an on_change callback: ``state.collect()``, at the start of every run, takes
# each widget's value into the answers (see intake/ui/state.py for why callbacks lose answers).
# Each helper only says how its value becomes an answer (``state.register``) and seeds it.


# ---------------------------------------------------------------- widgets


def _stable(draw: Callable[..., None]) -> Callable[..., None]:
    """Draw the widget and its messages in a block of their own: a message that comes or goes
    then never shifts the widgets after it, so the browser keeps them (and keyboard focus)."""

    @functools.wraps(draw)
    def drawn(*args: Any, **kwargs: Any) -> None:
        with st.container():
            draw(*args, **kwargs)

    return drawn



@_stable
def flag(ev: Evaluation, path: str, *, label: str | None = None, help: str | None = None) -> None:
    """A yes/no question with 'Not asked' as its own, default answer."""
    question, kb_help = _question(_case_key(path))
    key = state.widget_key(path)
    value = state.get_answer(path)
    state.register(key, "flag", path)
    state.seed(key, "unasked" if value is None else ("yes" if value else "no"))
    st.segmented_control(label or question, FLAG_OPTIONS, format_func=FLAG_WORDS.__getitem__, key=key,
                         help=help or kb_help)
    problems_for(ev, path)


@_stable
def test_result(ev: Evaluation, path: str) -> None:
    """A physical test: Not tested / Negative / Positive."""
    name = _case_key(path)
    finding = kb().findings.get(name)
    label = finding.label if finding else humanise(name)
    hint = (finding.help or finding.question) if finding else None
    key = state.widget_key(path)
    value = state.get_answer(path)
    state.register(key, "test", path)
    state.seed(key, "untested" if value is None else value)
    st.segmented_control(label, TEST_OPTIONS, format_func=TEST_WORDS.__getitem__, key=key, help=hint)
    problems_for(ev, path, label)


@_stable
def choice(ev: Evaluation, path: str, options: Sequence[str], *, format_func: Callable[[str], str] = humanise) -> None:
    """One of a list (sex, side, onset); nothing selected means not asked."""
    question, kb_help = _question(_case_key(path))
    key = state.widget_key(path)
    state.register(key, "choice", path)
    state.seed(key, state.get_answer(path))
    st.segmented_control(question, list(options), format_func=format_func, key=key, help=kb_help)
    problems_for(ev, path)


@_stable
def number(ev: Evaluation, path: str, *, integer: bool = True, step: float = 1, placeholder: str = "Not asked") -> None:
    """A number; left empty means not asked. The case format, not the widget, sets the range,
    so a value it refuses stays on screen with the reason next to it. The short label is shown
    (numbers sit side by side); the full question is the help text."""
    name = _case_key(path)
    finding = kb().findings.get(name)
    question = finding.label if finding else humanise(name)
    kb_help = (finding.question or finding.help) if finding else None
    key = state.widget_key(path)
    state.register(key, "integer" if integer else "decimal", path)
    state.seed(key, state.get_answer(path))
    st.number_input(question, value=None, step=int(step) if integer else float(step), format="%d" if integer else "%.1f",
                    key=key, help=kb_help, placeholder=placeholder)
    problems_for(ev, path)


@_stable
def date(ev: Evaluation, path: str, label: str, *, help: str | None = None) -> None:
    """A calendar date, empty until given (empty means not recorded); never after today."""
    key = state.widget_key(path)
    stored = state.get_answer(path)
    try:
        seeded = dt.date.fromisoformat(stored) if isinstance(stored, str) else None
    except ValueError:
        seeded = None  # a refused value stays in the answers (the widget shows it empty) and its reason is shown below
    state.register(key, "date", path)
    state.seed(key, seeded)
    st.date_input(label, value=None, max_value=dt.date.today() + dt.timedelta(days=1), key=key, help=help,
                  format="YYYY-MM-DD")
    problems_for(ev, path, label)


@_stable
def text(ev: Evaluation, path: str, label: str, *, area: bool = False, help: str | None = None,
         max_chars: int | None = None, placeholder: str | None = None) -> None:
    key = state.widget_key(path)
    state.register(key, "text", path)
    state.seed(key, state.get_answer(path) or "")
    widget = st.text_area if area else st.text_input
    widget(label, key=key, help=help, max_chars=max_chars, placeholder=placeholder)
    problems_for(ev, path, label)


@_stable
def multi(ev: Evaluation, path: str, options: Sequence[str], *, label: str, format_func: Callable[[str], str],
          none_label: str, help: str | None = None) -> None:
    """Several of a list. Nothing chosen means not asked; 'none of these' is an answer of its own."""
    key = state.widget_key(path)
    value = state.get_answer(path)
    state.register(key, "multi", path, options)
    state.seed(key, list(value or []))
    state.seed(key + ":none", value == [])
    st.pills(label, list(options), selection_mode="multi", format_func=format_func, key=key, help=help, wrap=True)
    st.checkbox(none_label, key=key + ":none")
    problems_for(ev, path, label)


# ---------------------------------------------------------------- the form's groups


def slot(ev: Evaluation, answer: Slot, *, format_func: Callable[[str], str] | None = None) -> None:
    """The widget the answer's kind calls for, with the form's hints (intake/knowledge/form.yaml)."""
    path = answer.path
    if answer.kind == "flag":
        flag(ev, path)
    elif answer.kind == "test":
        test_result(ev, path)
    elif answer.kind == "choice":
        choice(ev, path, answer.choices, format_func=format_func or humanise)
    elif answer.kind in ("integer", "decimal"):
        number(ev, path, integer=answer.kind == "integer", step=answer.step, placeholder=answer.placeholder or "Not asked")
    elif answer.kind == "multi":
        multi(ev, path, answer.choices, label=answer.prompt or kb().field_labels.get(answer.key, humanise(answer.key)),
              format_func=format_func or (lambda v: label_of(f"{answer.key}.{v}")),
              none_label=answer.none_label or "Asked: none of these")
    else:
        text(ev, path, answer.label or humanise(answer.key), help=answer.help,
             max_chars=int(answer.high) if answer.high is not None else None)


def group(ev: Evaluation, fields_group: Group, *, draw: Callable[[Slot], None] | None = None) -> None:
    """A group of the form in its columns (across: row by row; down: first half on the left).

    `draw` replaces the standard widget for a step that shows some answers its own way."""
    if fields_group.title:
        st.markdown(f"### {fields_group.title}")
    show = draw or (lambda s: slot(ev, s))
    answers = fields_group.slots
    if fields_group.columns <= 1:
        for answer in answers:
            show(answer)
        return
    cols = st.columns(fields_group.columns)
    per_column = -(-len(answers) // fields_group.columns)
    for n, answer in enumerate(answers):
        with cols[n // per_column if fields_group.flow == "down" else n % fields_group.columns]:
            show(answer)
