"""Hip-region pain intake: the Streamlit wizard, the clinic's records, practice mode and the instructor
page. Thin: page set-up and navigation only.

Run with ``streamlit run streamlit_app.py`` (see the README). The steps and pages live in
``intake/ui``; the reasoning comes from ``intake.assess``, the scoring from ``intake.practice``
and the PDFs from ``reports``.
"""

from pathlib import Path

import streamlit as st

st.set_page_config(
    page_title="Hip pain intake",
    # A file of our own: a ":material/…" icon makes the browser fetch Google's font server (and the
    # Content-Security-Policy, rightly, blocks it); nothing is loaded from outside the machine.
    page_icon=str(Path(__file__).parent / "intake" / "ui" / "assets" / "icon.png"),
    layout="wide",
    initial_sidebar_state="expanded",
    menu_items={"Get help": None, "Report a bug": None, "About": "Hip-region pain intake: a reasoning aid, not a diagnosis."},
)

from intake import assess  # noqa: E402
from intake.storage.database import StoreUnavailable  # noqa: E402
from intake.ui import (  # noqa: E402
    account,
    ask_next,
    auth,
    drafts,
    evidence_page,
    filing,
    guard,
    modes,
    navigation,
    practice_state,
    reasoning,
    records_page,
    refusals,
    state,
    step_hip,
    step_history,
    step_measures,
    step_palpation,
    step_patient,
    step_red_flags,
    step_reports,
    step_review,
    step_spine,
    style,
)
from intake.ui.evaluation import evaluate  # noqa: E402

STEP_PAGES = {
    "patient": step_patient, "red_flags": step_red_flags, "history": step_history, "hip": step_hip,
    "spine": step_spine, "palpation": step_palpation, "measures": step_measures, "review": step_review, "reports": step_reports,
}

style.apply()
if st.query_params.get("patient"):  # the patient's own page: no sign-in, nothing else reachable
    from intake.ui import patient_page  # only this page needs it: the clinicians' first screen does not wait for it

    patient_page.render(st.query_params["patient"])
    st.stop()
try:
    principal = auth.require()  # the sign-in page stops the run here until someone signs in
except StoreUnavailable as down:  # the sign-in page itself needs the database
    st.warning(guard.unavailable_note(down, attempted=False), icon=":material/cloud_off:")
    st.stop()
state.init_session()
practice_state.init_session()
records_page.init_session()
state.collect()  # every answer the widgets show, and the buttons' requests, before anything is drawn
intake_mode = st.session_state.mode == "intake"
ev = evaluate(st.session_state.answers, assess) if intake_mode else None

with st.sidebar:
    st.markdown("## Hip pain intake")
    who, key, leave = st.columns([4, 1, 1], vertical_alignment="center", gap="small")
    who.caption(f"**{practice_state.md(principal.display_name)}** · {practice_state.md(principal.clinic_name)}")
    with key:
        account.password_popover()
    leave.button("", on_click=auth.sign_out, icon=":material/logout:", key="side:signout", help="Sign out")
    if intake_mode:  # the live reasoning first, so it is in view without scrolling (1280 x 800)
        reasoning.save_status()
        reasoning.sidebar_panel(ev)
        st.divider()
    modes.switch()
    evidence_page.sidebar_button()
    if intake_mode:
        left, right = st.columns(2)
        left.button("New", on_click=state.post, args=(state.inbox(), "new"), icon=":material/add:", key="side:new",
                    width="stretch",
                    help="Start a new assessment; this one stays in Drafts.")
        right.button("Drafts", on_click=lambda: st.session_state.update(view="drafts"), icon=":material/folder_open:",
                     key="side:drafts", width="stretch", help="Resume or delete a draft, or start from a case file.")

if intake_mode:
    reasoning.red_flag_banner(ev)
with st.container():  # always drawn, so nothing below moves when a message comes and goes
    guard.show_note()  # a click the database could not take (it was down, locked or full)
    if st.session_state.flash:
        kind, message = st.session_state.flash
        getattr(st, kind)(message)
        st.session_state.flash = None
    if intake_mode:
        filing.notice()  # what was just filed, with a way to open it

# a page that reads the database while it is away: a note, never the error page (guard.section)
with guard.section("the page"), refusals.shown():  # a refusal (intake.errors) while the page is drawn is a message, never a traceback; callbacks: refusals.caught
    if evidence_page.is_open():
        evidence_page.render()  # over any mode; Back returns to where the practitioner was
    elif not intake_mode:
        modes.render()  # practice (case list, case, feedback) or the instructor page
    elif st.session_state.view == "drafts":
        drafts.render()
    else:
        navigation.progress()
        st.header(state.STEP_TITLES[st.session_state.step])
        STEP_PAGES[st.session_state.step].render(ev)
        ask_next.focus_pending()
        navigation.back_next()
        reasoning.disclaimer()
        navigation.scroll_to_top_on_step_change()

navigation.close_sidebar_on_phone_after_page_change()
if intake_mode:
    state.settle()  # whatever this run itself changed (a loaded case, a resumed draft) reaches the draft
