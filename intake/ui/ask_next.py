"""The sidebar's "Ask next": the five questions expected to inform most, each a way to the question.

The ranking is the engine's (`assessment.next_questions`); this module only words it and, on a
click, takes the practitioner to the step that asks it with the keyboard focus on its widget.
"""

from __future__ import annotations

import json

import streamlit as st

from intake.answers import case_path
from intake.form import default_form
from intake.models import Assessment, NextQuestion
from intake.ui import state

__all__ = ["FOCUS_KEY", "SHOWN", "focus_pending", "render", "step_of"]

SHOWN = 5
FOCUS_KEY = "nav:focus"


def step_of(path: str) -> str:
    """The wizard step that asks the answer at this case path (its form section)."""
    return default_form().slot(path).section


def _go(path: str) -> None:
    """Run by ``state.collect()`` for the button (a request in the inbox, so no click is lost)."""
    st.session_state[FOCUS_KEY] = path
    st.session_state["evidence:open"] = None  # leave the evidence explorer if it is open
    state.go_to(step_of(path))


def _figure(question: NextQuestion) -> str:
    if question.kind == "red_flag":
        return f"Red-flag screen: {question.phrase}"
    return f"{question.phrase[:1].upper()}{question.phrase[1:]} ({question.expected_information:.2f} bits)"


def render(assessment: Assessment) -> None:
    """Top five with the figure in words; a click goes to the question."""
    questions = assessment.next_questions[:SHOWN]
    if not questions:
        return
    st.markdown("**Ask next**")
    if assessment.referral == "emergency":
        st.caption("Emergency: refer now. Only the unasked screening questions are listed; no examination.")
    for n, question in enumerate(questions):
        path = case_path(question.key)
        st.button(question.label, key=f"asknext:{n}:{question.key}", **state.later(_go, path), type="tertiary",
                  icon=":material/arrow_forward:", help=f"Go to this question ({state.STEP_TITLES[step_of(path)]})")
        st.caption(_figure(question))


# Fixed script; the only value put in it is a widget key (a case path, never an answer).
_FOCUS = """<script>
(function () {
  const cls = %s;
  let tries = 0;
  function go() {
    const box = document.querySelector('[data-testid="stMain"] .' + cls);
    if (!box) { if (++tries < 40) { setTimeout(go, 100); } return; }
    box.scrollIntoView({block: "center"});
    const target = box.querySelector('[role="radiogroup"] [aria-checked="true"], [role="radiogroup"] button, input, textarea, label ~ div button');
    if (target) { target.focus({preventScroll: true}); }
  }
  setTimeout(go, 250);
})();
</script><span hidden data-focus="%s"></span>"""


def focus_pending() -> None:
    """After the step is drawn: move the focus to the question a click in "Ask next" asked for."""
    path = st.session_state.pop(FOCUS_KEY, None)
    if not path:
        return
    key = state.widget_key(path)
    cls = "st-key-" + "".join(c if c.isalnum() or c in "_-" else "-" for c in key)
    moves = st.session_state.get("nav:moves", 0) + 1
    st.session_state["nav:moves"] = moves
    st.html(_FOCUS % (json.dumps(cls), f"{cls}-{moves}"), unsafe_allow_javascript=True)
