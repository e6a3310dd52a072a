"""Where the practitioner is: progress, the step bar, and Back / Next."""

from __future__ import annotations

import streamlit as st

from intake.ui import state

NAV_KEY = "nav:step"
SHORT_TITLES = {
    "patient": "1 Patient", "red_flags": "2 Red flags", "history": "3 History", "hip": "4 Hip",
    "spine": "5 Spine & SIJ", "palpation": "6 Palpation", "measures": "7 Measures", "review": "8 Review",
    "reports": "9 Reports",
}


def progress() -> None:
    step = st.session_state.step
    index = state.STEPS.index(step)
    st.progress((index + 1) / len(state.STEPS), text=f"Step {index + 1} of {len(state.STEPS)}: {state.STEP_TITLES[step]}")
    # One step bar per step (its key names the step it is drawn on): a value the browser still
    # holds for the bar of a step the app has already left is never taken as a click on this one.
    key = bar_key(step)
    state.register(key, "nav", "step", (step,))
    if st.session_state.get(key) != step:
        st.session_state[key] = step
    state.seed_applied(key, step)
    st.segmented_control("Go to step", state.STEPS, format_func=SHORT_TITLES.__getitem__, key=key,
                         width="stretch")


def bar_key(step: str) -> str:
    """The key of the step bar drawn on `step`."""
    return f"{NAV_KEY}:{step}"


def back_next() -> None:
    index = state.STEPS.index(st.session_state.step)
    st.divider()
    row = st.container(horizontal=True, horizontal_alignment="distribute" if index > 0 else "right", key="nav-row")
    if index > 0:
        previous = state.STEPS[index - 1]
        row.button(f"Back: {state.STEP_TITLES[previous]}", on_click=state.post, args=(state.inbox(), "go", previous),
                   icon=":material/arrow_back:", key="nav:back")
    if index < len(state.STEPS) - 1:
        following = state.STEPS[index + 1]
        row.button(f"Next: {state.STEP_TITLES[following]}", on_click=state.post, args=(state.inbox(), "go", following),
                   icon=":material/arrow_forward:", icon_position="right", type="primary", key="nav:next")


# Streamlit keeps the scroll position between reruns; a new step should start at its top,
# with keyboard focus on its heading. A fixed script (no user data), emitted only on a step change.
_TO_TOP = """<script>
setTimeout(() => {
  const main = document.querySelector('[data-testid="stMain"]');
  if (main) { main.scrollTo({top: 0}); }
  window.scrollTo(0, 0);
  const heading = document.querySelector('[data-testid="stMain"] %s');
  if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus({preventScroll: true}); }
}, 60);
</script><span hidden data-step="%s"></span>"""


def scroll_to_top(marker: str, focus: str = "h2") -> None:
    """Start the page that is now shown at its top (a new step, a record just opened), with keyboard
    focus on its first `focus` heading."""
    ss = st.session_state
    ss["nav:moves"] = ss.get("nav:moves", 0) + 1
    st.html(_TO_TOP % (focus, f"{marker}-{ss['nav:moves']}"), unsafe_allow_javascript=True)


def scroll_to_top_on_step_change() -> None:
    ss = st.session_state
    shown = ss.get("nav:shown")
    if shown != ss.step:
        ss["nav:shown"] = ss.step
        if shown is not None:
            scroll_to_top(ss.step)


# On a phone the open sidebar covers the page: close it once the practitioner has signed in or chosen a
# page (a mode, Drafts, New), as a phone app would. A fixed script (no user data); desktop is untouched.
_CLOSE_SIDEBAR = """<script>
setTimeout(() => {
  if (window.innerWidth >= 768) { return; }
  const bar = document.querySelector('[data-testid="stSidebar"]');
  const close = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
  if (bar && bar.getAttribute('data-collapsed') === 'false' && close) { close.click(); }
}, 80);
</script><span hidden data-page="%s"></span>"""


def close_sidebar_on_phone_after_page_change() -> None:
    """After sign-in and after each change of page, close the sidebar on a narrow screen."""
    ss = st.session_state
    page = f"{ss.get('mode')}/{ss.get('view')}/{ss.get('draft_id')}"
    if ss.get("nav:page_shown") != page:
        ss["nav:page_shown"] = page
        ss["nav:page_moves"] = ss.get("nav:page_moves", 0) + 1
        st.html(_CLOSE_SIDEBAR % ss["nav:page_moves"], unsafe_allow_javascript=True)
