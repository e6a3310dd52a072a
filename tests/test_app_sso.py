"""Single sign-on through st.login: the identity provider's e-mail must belong to a practitioner
here, and that practitioner's clinic is what the session sees."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest
from test_app_support import APP, TIMEOUT, texts

from intake.store import Store, database_url

AUTH_SECRETS = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                         "client_id": "intake", "client_secret": "secret",
                         "server_metadata_url": "https://idp.example/.well-known/openid-configuration"}}


def _sso_app(email: str | None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.secrets = AUTH_SECRETS
    at.user = {"is_logged_in": email is not None, "email": email or ""}
    return at.run()


def _clinic_with(email: str, *, active: bool = True) -> None:
    store = Store(database_url())
    clinic = store.accounts.create_clinic("Harbour Clinic")
    admin = store.accounts.add_practitioner(clinic.id, "boss", "Boss", password="a long password", role="admin")
    person = store.accounts.add_practitioner(clinic.id, "sso-user", "Sam Sso", email=email)
    if not active:
        principal = store.accounts.authenticate("boss", "a long password")
        store.accounts.set_active(principal, person.id, False)
    del admin
    store.dispose()


def test_the_sign_in_page_offers_single_sign_on_when_configured():
    _clinic_with("sam@harbour.example")
    at = _sso_app(None)
    assert at.button(key="auth:oidc").label == "Sign in with single sign-on"
    assert "principal" not in at.session_state


def test_a_registered_e_mail_signs_in_to_its_clinic():
    _clinic_with("Sam@Harbour.example")
    at = _sso_app("sam@harbour.example")
    principal = at.session_state["principal"]
    assert (principal.username, principal.clinic_name) == ("sso-user", "Harbour Clinic")
    assert "Sam Sso" in texts(at) and "Harbour Clinic" in texts(at)
    assert not at.exception


def test_an_unknown_or_deactivated_e_mail_gets_no_access():
    _clinic_with("sam@harbour.example", active=False)
    for email in ("stranger@elsewhere.example", "sam@harbour.example"):
        at = _sso_app(email)
        assert "principal" not in at.session_state
        assert any("not registered with a clinic" in e.value for e in at.error)
        assert not at.get("segmented_control")  # no wizard behind the message
    store = Store(database_url())
    clinic = store.accounts.clinic_by_name("Harbour Clinic")
    failed = [e for e in store.audit.entries(clinic.id) if e.action == "sign_in_failed"]
    assert failed  # the deactivated account's attempt is in its clinic's audit log
