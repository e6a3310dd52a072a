"""AppTest: nothing before sign-in; first-run set-up; wrong and right passwords; the idle timeout
(signed out, screen blanked, the draft in the address resumed after signing in again); a
deactivated account thrown out; a student sees only Practice; changing one's own password."""

from __future__ import annotations

import time

from test_app_support import as_shown, consent, new_app, on_screen, signed_in_principal

from intake.store import Store, database_url

PASSWORD = "test password 123"  # what signed_in_principal gives every test account
NAME = "Philomena Cartwright"


def submit(at, label: str):
    [button] = [b for b in at.button if b.label == label]
    return button.click().run()


def sign_in(at, username: str = "tester", password: str = PASSWORD):
    at.text_input(key="auth:username").input(username)
    at.text_input(key="auth:password").input(password)
    return submit(at, "Sign in")


def draft_with_a_name(store) -> str:
    draft = store.create({"patient": {"age": 58, "name": NAME}, "history": {}, "red_flags": {"saddle_anaesthesia": True},
                          "exam": {"tests": {}}}, step="history", consent=True)
    return draft.id


def is_sign_in_page(at) -> bool:
    return [s.value for s in at.header] == ["Sign in"] and not [w for w in at.text_input if w.key == "w:patient.name"]


def test_the_sign_in_page_shows_nothing_else(store):
    draft_id = draft_with_a_name(store)
    at = new_app(query={"draft": draft_id}, signed_in=False)
    assert not at.exception
    assert is_sign_in_page(at)
    screen = on_screen(at)
    for hidden in (NAME, "Live reasoning", "EMERGENCY", "Red-flag screen", "Records", "Drafts"):
        assert hidden not in screen, hidden
    assert not at.sidebar.children  # no sidebar at all: no reasoning, no drafts, no modes
    assert at.query_params["draft"] == draft_id  # kept for after signing in


def test_first_run_set_up_creates_the_clinic_and_its_administrator():
    at = new_app(signed_in=False)
    assert [s.value for s in at.header] == ["Set up this installation"]
    at.text_input(key="auth:clinic").input("Northside Physio")
    at.text_input(key="auth:name").input("Nora North")
    at.text_input(key="auth:username").input("nora")
    at.text_input(key="auth:new_password").input("quiet harbour lamp 1")
    at.text_input(key="auth:new_password2").input("quiet harbour lamp 1")
    at = submit(at, "Create clinic and sign in")
    assert not at.exception
    principal = at.session_state["principal"]
    assert principal.role == "admin" and principal.clinic_name == "Northside Physio"
    assert at.number_input(key="w:patient.age") is not None  # in the app
    store = Store(database_url())
    try:
        assert store.accounts.authenticate("nora", "quiet harbour lamp 1") is not None
    finally:
        store.dispose()


def test_a_refused_set_up_leaves_nothing_behind_and_can_be_retried():
    """A too-short password must not leave a clinic nobody can sign in to (seen in Chromium: the
    retry then said the clinic already existed)."""
    at = new_app(signed_in=False)
    for key, value in (("clinic", "Northside Physio"), ("name", "Nora North"), ("username", "nora"),
                       ("new_password", "short"), ("new_password2", "short")):
        at.text_input(key=f"auth:{key}").input(value)
    at = submit(at, "Create clinic and sign in")
    assert "principal" not in at.session_state
    assert any("at least 10 characters" in e.value for e in at.error)
    store = Store(database_url())
    try:
        assert store.accounts.clinics() == []
    finally:
        store.dispose()
    at.text_input(key="auth:new_password").input("quiet harbour lamp 1")
    at.text_input(key="auth:new_password2").input("quiet harbour lamp 1")
    at = submit(at, "Create clinic and sign in")
    assert at.session_state["principal"].clinic_name == "Northside Physio"


def test_wrong_password_is_refused_and_the_right_one_lets_in():
    signed_in_principal()  # the account exists
    at = new_app(signed_in=False)
    at = sign_in(at, password="not the password")
    assert "That username and password do not match an active account." in [e.value for e in at.error]
    assert "principal" not in at.session_state and is_sign_in_page(at)
    at = sign_in(at)
    assert at.session_state["principal"].username == "tester"
    assert not is_sign_in_page(at)


def test_an_idle_session_is_signed_out_and_the_draft_resumes_after_signing_in(store):
    at = consent(new_app())
    at.text_input(key="w:patient.name").input(NAME).run()
    draft_id = at.query_params["draft"]
    at.session_state["last_active"] = time.monotonic() - 31 * 60
    at.run()
    assert is_sign_in_page(at)
    assert any("signed out after 30 minutes without activity" in w.value for w in at.warning)
    assert NAME not in on_screen(at) and "answers" not in at.session_state
    at = sign_in(at)
    assert at.session_state["draft_id"] == draft_id
    assert at.text_input(key="w:patient.name").value == NAME
    timeouts = [e for e in store.audit.entries(store.clinic_id) if e.action == "timeout"]
    assert len(timeouts) == 1


def test_the_timeout_follows_intake_session_minutes(monkeypatch):
    monkeypatch.setenv("INTAKE_SESSION_MINUTES", "0.001")
    at = new_app()
    time.sleep(0.2)
    at.run()
    assert is_sign_in_page(at)
    assert any("signed out after 0.001 minutes" in w.value for w in at.warning)


def test_a_deactivated_account_is_thrown_out_at_its_next_run(store):
    bob = signed_in_principal(username="bob", role="practitioner")
    at = new_app(principal=bob)
    assert not is_sign_in_page(at)
    store.accounts.set_active(store.principal, bob.user_id, False)
    at.run()
    assert is_sign_in_page(at)
    assert "Your account is no longer active here. Ask your clinic administrator." in [w.value for w in at.warning]
    at = sign_in(at, "bob")
    assert "principal" not in at.session_state


def test_a_student_sees_only_practice():
    at = new_app(principal=signed_in_principal(username="stu", role="student"))
    assert at.session_state["mode"] == "practice"
    assert [b.key for b in at.button if b.key and b.key.startswith("mode:")] == ["mode:practice"]
    at.session_state["mode"] = "records"
    at.run()
    assert at.session_state["mode"] == "practice"
    at.session_state["mode"] = "intake"
    at.run()
    assert at.session_state["mode"] == "practice"
    assert not [w for w in at.text_input if w.key == "w:patient.name"]


def test_a_student_with_a_drafts_address_opens_no_patient(store):
    draft_id = draft_with_a_name(store)
    at = new_app(query={"draft": draft_id}, principal=signed_in_principal(username="stu", role="student"))
    assert not at.exception
    assert at.session_state["draft_id"] is None and NAME not in str(at.session_state["answers"])
    assert "draft" not in at.query_params
    assert not [e for e in store.audit.entries(store.clinic_id, record_id=draft_id) if e.action == "view"]


def test_everyone_can_change_their_own_password(store):
    student = signed_in_principal(username="stu", role="student")
    at = new_app(principal=student)
    assert not [w for w in at.text_input if w.key == "acct:current"]  # the form is built only while its popover is open
    at.session_state["acct:popover"] = True  # the key button opens it
    at.run()
    at.text_input(key="acct:current").input("wrong password 1")
    at.text_input(key="acct:new").input("a new password 1")
    at.text_input(key="acct:new2").input("a new password 1")
    at = submit(at, "Change password")
    assert "Your current password is not right, so the password was not changed." in [as_shown(e.value) for e in at.error]
    at.text_input(key="acct:current").input(PASSWORD)
    at.text_input(key="acct:new").input("a new password 1")
    at.text_input(key="acct:new2").input("a new password 2")
    at = submit(at, "Change password")
    assert "The two new passwords differ; nothing was changed." in [e.value for e in at.error]
    at.text_input(key="acct:current").input(PASSWORD)
    at.text_input(key="acct:new").input("a new password 1")
    at.text_input(key="acct:new2").input("a new password 1")
    at = submit(at, "Change password")
    assert "Password changed. Use the new one next time you sign in." in [s.value for s in at.success]
    assert at.text_input(key="acct:current").value == ""  # not kept in the session
    assert store.accounts.authenticate("stu", "a new password 1") is not None
    assert store.accounts.authenticate("stu", PASSWORD) is None


def test_repeated_wrong_passwords_slow_down_then_lock_and_an_admin_unlocks(store):
    """Throttling on the sign-in page (AppTest has no client address: counted per account)."""
    signed_in_principal(username="nina", role="practitioner")
    at = new_app(signed_in=False)
    messages = []
    for n in range(5):
        at = sign_in(at, "nina", f"not it {n} at all")
        messages.append(" ".join(e.value for e in at.error))
    assert "do not match an active account" in messages[0]
    assert any("Too many failed sign-ins: wait" in m for m in messages[3:])
    at = sign_in(at, "nina", PASSWORD)  # the right password waits too
    assert is_sign_in_page(at) and "Too many failed sign-ins" in " ".join(e.value for e in at.error)

    from test_app_records import admin_app

    from intake.storage.throttle import ACCOUNT_POLICY, account_key
    root = Store(database_url())
    try:
        with root.db.transaction() as session:  # as if ten failures had happened: locked
            for _ in range(ACCOUNT_POLICY.lock_after):
                root.accounts.throttle.failed(session, [account_key("nina")])
    finally:
        root.dispose()
    admin = admin_app()
    assert "locked after failed sign-ins" in " ".join(str(m.value) for m in admin.markdown)
    [unlock] = [b for b in admin.button if b.label == "Unlock"]
    admin = unlock.click().run()
    assert "nina can sign in again now" in " ".join(str(s.value) for s in admin.success)
    assert not is_sign_in_page(sign_in(new_app(signed_in=False), "nina", PASSWORD))


def test_a_student_sees_only_their_own_attempts(store):
    """A student account practises under its username; typing another name shows nothing of theirs,
    and another student's attempt in the address does not open."""
    theirs = store.start_attempt("Other Student", "example-01", "Hip OA")
    store.commit_attempt(theirs.id, answers={}, expected={}, score=91, marks={}, feedback={}, seconds=60, unsafe=False)
    mine = store.start_attempt("stu", "example-01", "Hip OA")
    store.commit_attempt(mine.id, answers={}, expected={}, score=55, marks={}, feedback={}, seconds=60, unsafe=False)
    stu = signed_in_principal(username="stu", role="student")
    at = new_app(principal=stu)
    assert not [w for w in at.text_input if w.key == "p:student"]  # no name to type
    shown = on_screen(at)
    assert "55 / 100" in shown and "91 / 100" not in shown
    at = new_app(principal=stu, query={"practice": theirs.id})
    assert at.session_state["practice"]["attempt_id"] != theirs.id
    assert "not found" in " ".join(str(w.value) for w in at.warning)
