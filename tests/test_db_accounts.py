"""Accounts on SQLite and PostgreSQL: Argon2 hashes, sign-in refused and audited, usernames, duplicates."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from db_support import PASSWORD, cheap_password_hashing
from sqlalchemy import select

from intake.accounts import AccountError
from intake.db.schema import AuditRow, PractitionerRow


def audit_rows(store, action: str) -> list[AuditRow]:
    with store.db.reading() as session:
        return list(session.scalars(select(AuditRow).where(AuditRow.action == action).order_by(AuditRow.id)))


@pytest.fixture
def clinic(db_store, monkeypatch):
    """A clinic to add accounts to, with cheap Argon2 parameters (the production ones are tested once, below)."""
    cheap_password_hashing(monkeypatch)
    return db_store.accounts.create_clinic("Riverside Physio")


def test_passwords_are_stored_as_argon2id_hashes_only(db_store):
    clinic = db_store.accounts.create_clinic("Riverside Physio")
    added = db_store.accounts.add_practitioner(clinic.id, "alex", "Alex Moss", password=PASSWORD)
    with db_store.db.reading() as session:
        stored = session.get(PractitionerRow, added.id).password_hash
    # argon2-cffi's default (RFC 9106 low-memory profile): 64 MiB, 3 passes, 4 lanes.
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PASSWORD not in stored
    assert PasswordHasher().verify(stored, PASSWORD)


def test_sign_in_with_the_right_password(db_store, clinic):
    added = db_store.accounts.add_practitioner(clinic.id, "alex", "Alex Moss", password=PASSWORD, role="admin")
    principal = db_store.accounts.authenticate("alex", PASSWORD)
    assert principal is not None
    assert (principal.user_id, principal.username, principal.clinic_id, principal.clinic_name, principal.role) == (
        added.id, "alex", clinic.id, "Riverside Physio", "admin")
    [entry] = audit_rows(db_store, "sign_in")
    assert (entry.practitioner_id, entry.username, entry.clinic_id) == (added.id, "alex", clinic.id)
    assert db_store.accounts.practitioners(clinic.id)[0].last_sign_in is not None


def test_wrong_password_unknown_user_and_inactive_account_are_refused_and_audited(db_store, clinic):
    accounts = db_store.accounts
    accounts.add_practitioner(clinic.id, "boss", "Boss", password=PASSWORD, role="admin")
    leaver = accounts.add_practitioner(clinic.id, "leaver", "Leaver", password=PASSWORD)
    admin = accounts.authenticate("boss", PASSWORD)

    assert accounts.authenticate("leaver", PASSWORD + "!") is None
    assert accounts.authenticate("nobody", PASSWORD) is None
    assert accounts.authenticate("", PASSWORD) is None
    accounts.set_active(admin, leaver.id, False)
    assert accounts.authenticate("leaver", PASSWORD) is None
    accounts.set_active(admin, leaver.id, True)
    assert accounts.authenticate("leaver", PASSWORD) is not None

    failed = audit_rows(db_store, "sign_in_failed")
    assert [(e.username, e.clinic_id, e.practitioner_id) for e in failed] == [
        ("leaver", clinic.id, None), ("nobody", None, None), ("", None, None), ("leaver", clinic.id, None)]
    for entry in failed:
        assert PASSWORD not in entry.detail


def test_usernames_ignore_case_and_spacing_around_them(db_store, clinic):
    added = db_store.accounts.add_practitioner(clinic.id, "  Dr.Smith ", "Dr Smith", password=PASSWORD)
    assert added.username == "dr.smith"
    for typed in ("dr.smith", "DR.SMITH", " Dr.Smith"):
        principal = db_store.accounts.authenticate(typed, PASSWORD)
        assert principal is not None and principal.user_id == added.id


def test_duplicates_are_refused_with_a_clear_message(db_store, clinic):
    accounts = db_store.accounts
    accounts.add_practitioner(clinic.id, "alex", "Alex", password=PASSWORD, email="Alex@Example.org")
    with pytest.raises(AccountError, match="username 'alex' is taken"):
        accounts.add_practitioner(clinic.id, "ALEX", "Another Alex", password=PASSWORD)
    with pytest.raises(AccountError, match="e-mail address already belongs to an account"):
        accounts.add_practitioner(clinic.id, "alex2", "Alex Two", password=PASSWORD, email="alex@example.ORG")
    with pytest.raises(AccountError, match="clinic called 'riverside physio' already exists"):
        accounts.create_clinic("riverside  physio")
    assert [p.username for p in accounts.practitioners(clinic.id)] == ["alex"]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"username": "two words"}, "no spaces"),
    ({"password": "short"}, "at least 10 characters"),
    ({"role": "owner"}, "role must be one of"),
    ({"password": None}, "needs a password or an e-mail"),
])
def test_invalid_accounts_are_refused(db_store, clinic, kwargs, message):
    args = {"username": "alex", "display_name": "Alex", "password": PASSWORD} | kwargs
    with pytest.raises(AccountError, match=message):
        db_store.accounts.add_practitioner(clinic.id, **args)
    assert db_store.accounts.practitioners(clinic.id) == []


def test_passwords_are_changed_by_the_owner_or_their_admin_only(db_store, clinic):
    accounts = db_store.accounts
    other = accounts.create_clinic("Elsewhere")
    accounts.add_practitioner(clinic.id, "boss", "Boss", password=PASSWORD, role="admin")
    alex = accounts.add_practitioner(clinic.id, "alex", "Alex", password=PASSWORD)
    accounts.add_practitioner(other.id, "stranger", "Stranger", password=PASSWORD, role="admin")
    stranger = accounts.authenticate("stranger", PASSWORD)

    with pytest.raises(AccountError, match="No such account in your clinic"):
        accounts.set_password(stranger, alex.id, "a stranger's choice")
    assert accounts.authenticate("alex", PASSWORD) is not None

    accounts.set_password(accounts.authenticate("boss", PASSWORD), alex.id, "the admin's choice")
    assert accounts.authenticate("alex", PASSWORD) is None
    assert accounts.authenticate("alex", "the admin's choice") is not None
    accounts.set_password(None, alex.id, "from the command line")
    assert accounts.authenticate("alex", "from the command line") is not None


def test_single_sign_on_matches_an_active_account_by_email(db_store, clinic):
    accounts = db_store.accounts
    accounts.add_practitioner(clinic.id, "boss", "Boss", email="boss@example.org", role="admin")
    alex = accounts.add_practitioner(clinic.id, "alex", "Alex", email="alex@example.org")
    admin = accounts.principal_for_email("BOSS@example.org ")
    assert admin is not None and admin.is_admin
    accounts.set_active(admin, alex.id, False)
    assert accounts.principal_for_email("alex@example.org") is None
    assert accounts.principal_for_email("nobody@example.org") is None
    # No password was set, so a password sign-in is refused too.
    assert accounts.authenticate("boss", "") is None
    assert [e.username for e in audit_rows(db_store, "sign_in_failed")] == ["alex@example.org", "nobody@example.org", "boss"]


def test_the_account_check_of_every_rerun_reads_the_database_only_when_it_may_have_changed(db_store, clinic, monkeypatch):
    """`still_valid` runs on every rerun of every session: it reads the database again after
    STILL_VALID_SECONDS, and at once after any account change made in this process (another store on
    the same database included); a change made behind its back (another process) counts within the time."""
    from sqlalchemy import event, update

    import intake.storage.accounts as accounts_module
    from intake.store import Store

    accounts = db_store.accounts
    accounts.add_practitioner(clinic.id, "boss", "Boss", email="boss@example.org", role="admin")
    alex_id = accounts.add_practitioner(clinic.id, "alex", "Alex", email="alex@example.org").id
    admin = accounts.principal_for_email("boss@example.org")
    alex = accounts.principal_for_email("alex@example.org")
    now = [1000.0]
    monkeypatch.setattr(accounts_module.time, "monotonic", lambda: now[0])
    reads = []
    # the reads (a SQLite transaction's own BEGIN, issued by the storage layer, is not one)
    event.listen(db_store.db.engine, "before_cursor_execute",
                 lambda *args: reads.append(args[2]) if args[2].lstrip().upper().startswith("SELECT") else None)

    assert accounts.still_valid(alex) and len(reads) == 1
    now[0] += accounts_module.STILL_VALID_SECONDS - 1
    assert accounts.still_valid(alex) and len(reads) == 1  # taken from the last check

    with db_store.db.transaction() as session:  # as the command line would, from another process
        session.execute(update(PractitionerRow).where(PractitionerRow.id == alex_id).values(role="student"))
    assert accounts.still_valid(alex)  # not seen yet ...
    now[0] += 2
    assert not accounts.still_valid(alex)  # ... and seen once the check is older than STILL_VALID_SECONDS
    with db_store.db.transaction() as session:
        session.execute(update(PractitionerRow).where(PractitionerRow.id == alex_id).values(role="practitioner"))
    assert accounts.still_valid(alex)

    other = Store(db_store.db.url)  # another session's store in this process
    try:
        other.accounts.set_active(admin, alex_id, False)
    finally:
        other.dispose()
    assert not accounts.still_valid(alex)  # at the next click, whatever the time
    accounts.set_active(admin, alex_id, True)
    assert accounts.still_valid(alex)
    accounts.sign_out(alex)
    before = len(reads)
    assert accounts.still_valid(alex) and len(reads) > before  # signing out (or in) forgets the checks too
