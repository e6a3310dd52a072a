"""Sign-in: who is using the app, which clinic's records they may see, and for how long.

The signed-in ``Principal`` lives in the server-side session (never in the address or a cookie
the app writes). It is checked on every run (``Accounts.still_valid``: the database is read again
after any account change in this process, else every few seconds), so a deactivated account loses
access at its next click (within ``STILL_VALID_SECONDS`` when changed from the command line); a session idle for ``INTAKE_SESSION_MINUTES`` (default 30) is signed
out, and a timer blanks the screen when that time passes even if nobody clicks. A refresh starts a
new session: sign in again and the draft in the address is resumed, nothing lost.

On a database with no accounts yet, the first screen sets up the clinic and its administrator.
When Streamlit's OpenID Connect sign-in is configured (an ``[auth]`` section in
``.streamlit/secrets.toml``), a single sign-on button is offered too; the identity provider's
e-mail address must belong to a practitioner here, which gives the clinic.
"""

from __future__ import annotations

import contextlib
import os
import time
from datetime import timedelta

import streamlit as st

from intake.policy.roles import may
from intake.storage.accounts import Principal, SignInThrottled
from intake.storage.database import StoreUnavailable
from intake.ui import guard, state
from intake.ui.refusals import caught

__all__ = ["PRINCIPAL_KEY", "current", "require", "session_minutes", "sign_out"]

PRINCIPAL_KEY = "principal"
LAST_ACTIVE_KEY = "last_active"
DEFAULT_SESSION_MINUTES = 30
_FORM = "auth:"


def session_minutes() -> float:
    try:
        minutes = float(os.environ.get("INTAKE_SESSION_MINUTES", "") or DEFAULT_SESSION_MINUTES)
    except ValueError:
        minutes = DEFAULT_SESSION_MINUTES
    return minutes if minutes > 0 else DEFAULT_SESSION_MINUTES


def current() -> Principal | None:
    return st.session_state.get(PRINCIPAL_KEY)


def _forget_session(message: tuple[str, str] | None = None) -> None:
    """Drop everything this session held (answers included; the draft itself stays in the database)."""
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    if message:
        st.session_state["auth_message"] = message


def sign_out(*, timed_out: bool = False) -> None:
    principal = current()
    if principal is not None:
        with contextlib.suppress(StoreUnavailable):  # signing out does not wait for the database
            state.root_store().accounts.sign_out(principal, timed_out=timed_out)
    message = (("warning", f"You were signed out after {session_minutes():g} minutes without activity. "
                "Sign in again to carry on: the assessment in the address is kept.") if timed_out
               else ("success", "Signed out."))
    _forget_session(message)
    if _oidc_configured() and getattr(st.user, "is_logged_in", False):
        st.logout()


def require() -> Principal:
    """The signed-in principal, or draw the sign-in (or first set-up) screen and stop the run."""
    principal = current()
    if principal is not None:
        idle = time.monotonic() - st.session_state.get(LAST_ACTIVE_KEY, time.monotonic())
        if idle > session_minutes() * 60:
            sign_out(timed_out=True)
        elif not _still_valid(principal):
            _forget_session(("warning", "Your account is no longer active here. Ask your clinic administrator."))
        else:
            st.session_state[LAST_ACTIVE_KEY] = time.monotonic()
            _watch_timeout()
            return principal
    _single_sign_on_return()
    if current() is not None:
        st.rerun()
    _sign_in_page()
    st.stop()
    raise AssertionError("st.stop() returned")  # pragma: no cover


def _still_valid(principal: Principal) -> bool:
    """Checked on every run; while the database is away the session carries on as it was (its
    answers are kept and saved later), and the check is made again at the next run."""
    try:
        return state.root_store().accounts.still_valid(principal)
    except StoreUnavailable:
        return True


def client_address() -> str | None:
    """The browser's address as the server sees it (for throttling; never logged)."""
    try:
        address = st.context.ip_address
    except Exception:  # no browser (AppTest) or an older Streamlit
        return None
    return address if isinstance(address, str) else None


@st.fragment(run_every=timedelta(seconds=60))
def _watch_timeout() -> None:
    """Runs on its own every minute: once the session has been idle too long, redraw the whole app
    (which signs out), so an unattended screen does not keep showing a patient."""
    last = st.session_state.get(LAST_ACTIVE_KEY)
    if last is not None and time.monotonic() - last > session_minutes() * 60:
        st.rerun(scope="app")


def _signed_in(principal: Principal) -> None:
    st.session_state[PRINCIPAL_KEY] = principal
    st.session_state[LAST_ACTIVE_KEY] = time.monotonic()
    st.session_state.pop("auth_message", None)
    if not may(principal.role, "see_patients"):
        st.session_state["mode"] = "practice"


def _sign_in() -> None:
    username = st.session_state.get(_FORM + "username", "")
    password = st.session_state.get(_FORM + "password", "")
    st.session_state[_FORM + "password"] = ""
    if not (username and password):
        st.session_state["auth_message"] = ("error", "Give your username and password.")
        return
    try:
        principal = state.root_store().accounts.authenticate(username, password, client_address())
    except SignInThrottled as exc:
        st.session_state["auth_message"] = ("error", str(exc))
        return
    except StoreUnavailable as exc:
        st.session_state["auth_message"] = ("warning", f"Cannot sign in now: {exc.reason}. Try again in a moment.")
        return
    if principal is None:
        st.session_state["auth_message"] = ("error", "That username and password do not match an active account.")
        return
    _signed_in(principal)


def _set_up() -> None:
    ss = st.session_state
    values = {k: (ss.get(_FORM + k) or "").strip() for k in ("clinic", "name", "username")}
    password, again = ss.get(_FORM + "new_password", ""), ss.get(_FORM + "new_password2", "")
    missing = [label for key, label in (("clinic", "the clinic's name"), ("name", "your name"), ("username", "a username"))
               if not values[key]]
    if missing:
        ss["auth_message"] = ("error", "Please give " + ", ".join(missing) + ".")
        return
    if password != again:
        ss["auth_message"] = ("error", "The two passwords differ.")
        return
    principal = state.root_store().accounts.set_up(values["clinic"], values["username"], values["name"], password)
    _signed_in(principal)


def _message() -> None:
    message = st.session_state.get("auth_message")
    if message:
        kind, text = message
        getattr(st, kind)(text)


def _sign_in_page() -> None:
    st.title("Hip pain intake")
    st.caption("A reasoning aid for trained clinicians, not a diagnosis. Patient records stay on this clinic's server.")
    _message()
    guard.show_note()
    accounts = state.root_store().accounts
    left, _ = st.columns([1, 1])
    with left:
        if not accounts.has_practitioners():
            st.header("Set up this installation")
            st.markdown("No accounts exist yet. Create your clinic and your administrator account; you can add "
                        "colleagues afterwards (see the README).")
            with st.form(_FORM + "setup"):
                st.text_input("Clinic name", key=_FORM + "clinic", max_chars=200)
                st.text_input("Your name", key=_FORM + "name", max_chars=200)
                st.text_input("Username", key=_FORM + "username", max_chars=100, autocomplete="username")
                st.text_input("Password (at least 10 characters)", type="password", key=_FORM + "new_password",
                              autocomplete="new-password")
                st.text_input("Password again", type="password", key=_FORM + "new_password2", autocomplete="new-password")
                st.form_submit_button("Create clinic and sign in", on_click=caught(_set_up, slot="auth_message"), type="primary")
            return
        st.header("Sign in")
        with st.form(_FORM + "signin"):
            st.text_input("Username", key=_FORM + "username", max_chars=100, autocomplete="username")
            st.text_input("Password", type="password", key=_FORM + "password", autocomplete="current-password")
            st.form_submit_button("Sign in", on_click=_sign_in, type="primary", icon=":material/login:")
        if _oidc_configured():
            st.button("Sign in with single sign-on", on_click=_start_oidc, icon=":material/key:", key=_FORM + "oidc")


# ---------------------------------------------------------------- OpenID Connect (optional)


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def _start_oidc() -> None:
    provider = os.environ.get("INTAKE_OIDC_PROVIDER", "").strip()
    st.login(provider) if provider else st.login()


def _single_sign_on_return() -> None:
    """Back from the identity provider: map its e-mail address to a practitioner of this database."""
    if not _oidc_configured() or not getattr(st.user, "is_logged_in", False):
        return
    principal = state.root_store().accounts.principal_for_email(str(st.user.get("email") or ""))
    if principal is None:
        st.session_state["auth_message"] = ("error", "Your single sign-on account is not registered with a clinic here. "
                                            "Ask your clinic administrator to add your e-mail address.")
        st.logout()
        return
    _signed_in(principal)
