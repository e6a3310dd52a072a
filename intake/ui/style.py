"""A few lines of CSS: the red-flag banner stays in view (compact on a phone or a short screen), a little
less empty space on a tablet, the records list's rows closer together, and one step bar during a step change."""

from __future__ import annotations

import streamlit as st

__all__ = ["BANNER_KEY", "apply", "tri_state_keys"]

BANNER_KEY = "red-flag-banner"
STEP_BAR_CLASS = "nav-step-"  # the class Streamlit gives the keys navigation.bar_key() makes ("nav:step:<step>")


def tri_state_keys() -> list[str]:
    """The widget classes of every yes/no/not-asked and positive/negative/not-tested answer, from the case model
    (so a question added to the model is coloured like the others)."""
    from intake.models import TESTS, Exam, History, RedFlags

    def flags(model, prefix: str) -> list[str]:
        return [f"st-key-w-{prefix}-{name}" for name, f in model.model_fields.items() if "bool" in str(f.annotation)]

    return (flags(RedFlags, "red_flags") + flags(History, "history") + flags(Exam, "exam")
            + [f"st-key-w-exam-tests-{t}" for t in TESTS])


def _answer_states() -> str:
    """Yes / Positive, No / Negative and Not asked / Not tested each look different at a glance; the third
    looks unselected. Option order is fixed in fields.py: not asked, no, yes."""
    keys = tri_state_keys()

    def each(suffix: str) -> str:
        return ", ".join(f".{k} {suffix}" for k in keys)

    selected = 'button[role="radio"][aria-checked="true"]'
    return (
        f"{each(selected + ':nth-child(1)')} {{ background: #fff; border-color: #c9d1d9; color: #4a5360; }}\n"
        f"{each(selected + ':nth-child(2)')} {{ background: #e3f1ea; border-color: #1e6b35; color: #14502a; "
        "font-weight: 600; }\n"
        f"{each(selected + ':nth-child(3)')} {{ background: #fbe3e0; border-color: #a3201a; color: #8a1c12; "
        "font-weight: 600; }\n"
    )

_CSS = f"""<style>
.stMainBlockContainer {{ padding-top: 3.75rem; }}
div:has(> .st-key-{BANNER_KEY}) {{ position: sticky; top: 3rem; z-index: 999; }}
.st-key-{BANNER_KEY} {{ background: #fff; }}
[class*="st-key-rrow-"] {{ padding-top: 0.6rem; padding-bottom: 0.6rem; }}
[class*="st-key-rrow-"] button[kind="tertiary"] {{ min-height: 0; padding: 0; color: #a61c30; }}
[class*="st-key-rrow-"] button[kind="tertiary"] p {{ font-size: 1rem; font-weight: 600; }}
[class*="st-key-rrow-"] button[kind="tertiary"]:hover p {{ text-decoration: underline; }}
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p, [data-testid="InputInstructions"],
[data-testid="InputInstructions"] p {{ color: #4f5863 !important; opacity: 1 !important; }}
:focus-visible {{ outline: 3px solid #1f5f8b !important; outline-offset: 2px; }}
[data-testid="stSidebar"] h2 {{ font-size: 1.5rem; }}
/* One step bar per step (navigation.py): on a step change Streamlit draws the new step's bar beside the
   old one, which stays (stale) until the run ends; the old one is hidden at once, so one bar shows. */
[class*="st-key-{STEP_BAR_CLASS}"]:not([data-stale="true"]) ~ [class*="st-key-{STEP_BAR_CLASS}"][data-stale="true"],
[class*="st-key-{STEP_BAR_CLASS}"][data-stale="true"]:has(~ [class*="st-key-{STEP_BAR_CLASS}"]:not([data-stale="true"])) {{
  display: none; }}
@media (max-width: 640px), (max-height: 820px) {{
  /* a compact sticky banner on a phone or a short screen: it scrolls within itself, its action stays in view */
  .st-key-{BANNER_KEY} {{ max-height: 28vh; overflow-y: auto; }}
  .st-key-{BANNER_KEY} .st-key-banner-letter {{ position: sticky; bottom: 0; background: #fff; padding-top: 0.25rem;
    width: 100% !important; }}
}}
@media (pointer: coarse), (max-width: 640px) {{
  button, [role="radio"], [role="checkbox"], input, select, textarea {{ min-height: 44px; }}
  [data-testid="stCheckbox"] label {{ min-height: 44px; align-items: center; }}
  .st-key-{BANNER_KEY} [data-testid="stAlertContentError"] p,
  .st-key-{BANNER_KEY} [data-testid="stAlertContentWarning"] p {{ font-size: 0.9rem; }}
}}
</style>"""


def apply() -> None:
    st.html(_CSS.replace("</style>", _answer_states() + "</style>"))
