"""AppTest: filing from the Reports step, the records page (filters, paging, exports), one record
opened read-only (every red flag, re-issued files, follow-up, amend, delete), clinic administration,
and access control between clinics through the UI and the address."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy.exc import OperationalError
from test_app_support import (
    EMERGENCY_CASE,
    answers_of,
    as_shown,
    case_data,
    clinic_store,
    consent,
    goto,
    new_app,
    on_screen,
    signed_in_principal,
    texts,
)

from intake import assess, load_case
from intake.models import RED_FLAG_KEYS
from intake.records import RecordFilter
from intake.storage.accounts import AccountError
from intake.store import ClinicStore

SECRET = "Zephyrine Quillfeather"  # a patient name that must never leak to another clinic


def file(store: ClinicStore, name: str = "example-03-gluteal-tendinopathy.yaml", *, patient: str | None = None,
         days_ago: float = 0, data: dict | None = None):
    """File a shared example (or `data`) as the store's practitioner, `days_ago` days back."""
    data = data or case_data(name)
    if patient is not None:
        data.setdefault("patient", {})["name"] = patient
    case = load_case(data)
    return store.records.file(store.principal, case, assess(case), assessed_at=datetime.now(UTC) - timedelta(days=days_ago))


def many_flags(patient: str = "Many Flags") -> dict:
    return {"case_format": 2, "patient": {"age": 70, "sex": "male", "name": patient},
            "red_flags": {k: True for k in RED_FLAG_KEYS if k != "pregnant"}}


def records_app(**kwargs):
    at = new_app(**kwargs)
    return at.button(key="mode:records").click().run()


def count(store: ClinicStore, where: RecordFilter | None = None) -> int:
    return store.records.list(store.principal, where or RecordFilter())[1]


def made(downloads: dict, prefix: str):
    [name] = [n for n in downloads if n and n.startswith(prefix)]
    return downloads[name]()


# ---------------------------------------------------------------- filing from the Reports step


def test_filing_creates_the_record_removes_the_draft_and_starts_afresh(store):
    at = consent(new_app(answers=answers_of(EMERGENCY_CASE)))
    at.text_input(key="w:patient.name").input("Filed Patient").run()
    draft_id = at.query_params["draft"]
    at = goto(at, "reports")
    assert at.button(key="file:go").label == "File this assessment"
    at.button(key="file:go").click().run()
    assert not at.exception
    [summary], total = store.records.list(store.principal)
    assert total == 1 and summary.patient_name == "Filed Patient"
    assert summary.red_flags == (("cauda_equina", "emergency"),) and summary.referral == "emergency"
    assert store.get(draft_id) is None and store.list() == []
    message = " ".join(s.value for s in at.success)
    assert f"Filed as record {summary.pseudonym}" in message
    assert at.session_state["answers"]["patient"] == {} and at.session_state["step"] == "patient"
    assert "draft" not in at.query_params
    [entry] = [e for e in store.audit.entries(store.clinic_id) if e.action == "create" and e.kind == "assessment"]
    assert entry.record_id == summary.id
    # the notice offers the record
    at.button(key="filed:open").click().run()
    assert at.session_state["mode"] == "records" and at.query_params["record"] == summary.id
    assert "Filed Patient" in texts(at)


def test_no_filing_before_consent_or_with_an_invalid_case():
    at = goto(new_app(answers=answers_of(EMERGENCY_CASE)), "reports")
    assert not [b for b in at.button if b.key == "file:go"]
    assert "record the patient's consent on step 1" in texts(at)
    bad = answers_of(EMERGENCY_CASE)
    bad["patient"]["age"] = 140
    at = goto(consent(new_app(answers=bad)), "reports")
    assert not [b for b in at.button if b.key == "file:go"]


def test_a_failed_filing_says_so_and_keeps_the_draft(store, monkeypatch):
    at = goto(consent(new_app(answers=answers_of(EMERGENCY_CASE))), "reports")
    draft_id = at.query_params["draft"]

    def broken(self, *args, **kwargs):
        raise OperationalError("INSERT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(ClinicStore, "file", broken)
    at.button(key="file:go").click().run()
    assert not at.exception
    assert any("Not filed: the database could not store the record" in e.value for e in at.error)
    assert store.get(draft_id) is not None and count(store) == 0
    assert at.session_state["draft_id"] == draft_id and at.session_state["step"] == "reports"


def test_amending_a_record_deleted_meanwhile_is_refused_and_the_draft_kept(store):
    record = file(store)
    at = new_app(query={"record": record.id})
    at.button(key="rec:amend").click().run()
    draft_id = at.query_params["draft"]
    store.records.delete(store.principal, record.id)  # in another tab
    at = goto(at, "reports")
    at.button(key="file:go").click().run()
    assert any("Not filed: The record being amended does not exist in your clinic." in e.value for e in at.error)
    assert store.get(draft_id) is not None and count(store) == 0


# ---------------------------------------------------------------- the list


def test_records_page_lists_and_filters(store):
    bob = signed_in_principal(username="bob", role="practitioner")
    bobs = clinic_store(username="bob", role="practitioner")
    ellis = file(store, "example-01-hip-osteoarthritis.yaml", patient="Margaret Ellis", days_ago=20)
    file(bobs, "example-03-gluteal-tendinopathy.yaml", patient="Tom Baker", days_ago=10)
    flagged = file(store, EMERGENCY_CASE, patient="Eva Novak", days_ago=1)
    at = records_app()
    assert not at.exception
    shown = texts(at)
    assert "**3** matching records" in shown
    for name in ("Margaret Ellis", "Tom Baker", "Eva Novak"):
        assert name in shown
    assert at.button(key=f"r:open:{ellis.id}").label == ellis.pseudonym  # the pseudonym opens the record
    assert "Suspected cauda equina syndrome" in shown and "EMERGENCY" in shown

    at.text_input(key="rf:patient").input("ELLIS").run()
    assert "**1** matching record" in texts(at) and "Tom Baker" not in texts(at)
    at.text_input(key="rf:patient").input(flagged.pseudonym.lower()).run()
    assert "Eva Novak" in texts(at) and "Margaret Ellis" not in texts(at)
    at.text_input(key="rf:patient").input("").run()

    at.selectbox(key="rf:flag").set_value("any").run()
    assert "**1** matching record" in texts(at) and "Eva Novak" in texts(at)
    at.selectbox(key="rf:flag").set_value("fracture").run()
    assert "No record matches these filters." in texts(at)
    at.selectbox(key="rf:flag").set_value(None).run()

    at.selectbox(key="rf:origin").set_value("hip_joint").run()
    assert "Margaret Ellis" in texts(at) and "Eva Novak" not in texts(at)
    at.selectbox(key="rf:origin").set_value(None).run()

    at.selectbox(key="rf:practitioner").set_value(bob.user_id).run()
    assert "**1** matching record" in texts(at) and "Tom Baker" in texts(at)
    at.selectbox(key="rf:practitioner").set_value(None).run()

    at.selectbox(key="rf:referral").set_value("emergency").run()
    assert "**1** matching record" in texts(at)
    at.selectbox(key="rf:referral").set_value(None).run()

    today = datetime.now(UTC).date()
    at.date_input(key="rf:from").set_value(today - timedelta(days=15)).run()
    assert "**2** matching records" in texts(at) and "Margaret Ellis" not in texts(at)
    at.date_input(key="rf:to").set_value(today - timedelta(days=5)).run()
    assert "**1** matching record" in texts(at) and "Tom Baker" in texts(at)

    # the filter is kept when leaving the page and coming back
    at.button(key="mode:intake").click().run()
    at.button(key="mode:records").click().run()
    assert "**1** matching record" in texts(at) and "Tom Baker" in texts(at)


def test_records_page_pages_fifty_at_a_time(store):
    case = load_case(case_data("example-03-gluteal-tendinopathy.yaml"))
    assessment = assess(case)
    for n in range(53):
        store.records.file(store.principal, case, assessment, assessed_at=datetime.now(UTC) - timedelta(hours=n))
    at = records_app()
    opens = [b for b in at.button if b.key and b.key.startswith("r:open:")]
    assert len(opens) == 50 and "**53** matching records" in texts(at)
    assert "Page 1 · records 1–50 of 53" in texts(at) and at.button(key="r:prev").disabled
    at.button(key="r:next").click().run()
    assert len([b for b in at.button if b.key and b.key.startswith("r:open:")]) == 3
    assert "Page 2 · records 51–53 of 53" in texts(at)
    assert at.button(key="r:next").disabled
    at.button(key="r:prev").click().run()  # back: the same first page
    assert len([b for b in at.button if b.key and b.key.startswith("r:open:")]) == 50 and "Page 1 · records 1–50 of 53" in texts(at)


def test_a_large_filter_shows_a_bounded_total_and_excel_is_counted_first(store, downloads, monkeypatch):
    import intake.record_tables
    import intake.storage.records

    for n in range(4):
        file(store, patient=f"Patient {n}", days_ago=n)
    monkeypatch.setattr(intake.storage.records, "COUNT_LIMIT", 3)
    monkeypatch.setattr(intake.record_tables, "EXCEL_MAX_ROWS", 3)
    at = records_app()
    assert "**more than 3** matching records" in texts(at)
    assert len(pd.read_csv(io.BytesIO(made(downloads, "assessments.csv")), encoding="utf-8-sig")) == 4  # CSV: every one
    assert not [n for n in downloads if n and n.endswith(".xlsx")]  # Excel waits for the count
    at.button(key="r:xlsx-check").click().run()
    assert any("Excel holds at most 3 rows in a sheet and this export has 4" in w.value and "as CSV" in w.value
               for w in at.warning)
    assert at.button(key="r:xlsx-check").disabled and not [n for n in downloads if n and n.endswith(".xlsx")]

    monkeypatch.setattr(intake.record_tables, "EXCEL_MAX_ROWS", 10)
    at.text_input(key="rf:patient").input("patient").run()  # a new filter: counted afresh
    at.button(key="r:xlsx-check").click().run()
    assert len(pd.read_excel(io.BytesIO(made(downloads, "assessments.xlsx")))) == 4


def test_table_export_has_one_row_per_assessment_and_no_names(store, downloads):
    file(store, "example-01-hip-osteoarthritis.yaml", patient="Margaret Ellis")
    flagged = file(store, EMERGENCY_CASE, patient="Eva Novak")
    records_app()
    frame = pd.read_csv(io.BytesIO(made(downloads, "assessments.csv")), encoding="utf-8-sig")
    assert len(frame) == 2 and set(frame["patient_pseudonym"]) >= {flagged.pseudonym}
    row = frame[frame["record_id"] == flagged.id].iloc[0]
    assert row["red_flags"] == "Suspected cauda equina syndrome (emergency)"
    assert row["leading_origins"] == "Lumbar radicular pain (nerve root)"
    everything = frame.to_csv()
    assert "Ellis" not in everything and "Novak" not in everything
    book = pd.read_excel(io.BytesIO(made(downloads, "assessments.xlsx")))
    assert len(book) == 2
    exports = [e for e in store.audit.entries(store.clinic_id) if e.action == "export" and e.record_id is None]
    assert {e.detail["format"] for e in exports} == {"csv", "xlsx"}
    assert all(e.detail["count"] == 2 and "records" not in e.detail for e in exports)  # a count, not every id


# ---------------------------------------------------------------- one record


def test_an_open_record_shows_every_red_flag_and_is_audited_once(store):
    record = file(store, data=many_flags())
    assert len(record.red_flags) == 7
    at = records_app()
    at.button(key=f"r:open:{record.id}").click().run()
    assert not at.exception
    assert at.query_params["record"] == record.id
    boxes = " ".join(e.value for e in [*at.error, *at.warning, *at.info])
    for label in ("Suspected cauda equina syndrome", "Progressive neurological deficit", "Possible spinal or bone malignancy",
                  "Possible infection (spine or joint)", "Possible fracture", "Possible vascular cause (clot, aneurysm or arterial disease)",
                  "Possible inflammatory arthritis (axial spondyloarthritis)"):
        assert label in boxes, label
    shown = texts(at)
    assert "Origins, most likely first" in shown and "Gaps: still not asked" in shown
    assert "not a diagnosis" in shown
    assert "Many Flags" in shown and "Version 1 (shown)" in shown
    at.run()  # a rerun is not another opening
    views = [e for e in store.audit.entries(store.clinic_id) if e.action == "view" and e.record_id == record.id]
    assert len(views) == 1


def test_the_address_opens_the_record_after_a_refresh(store):
    record = file(store, patient="Margaret Ellis")
    at = new_app(query={"record": record.id})
    assert at.session_state["mode"] == "records"
    assert f"Record {record.pseudonym}" in texts(at) and "Margaret Ellis" in texts(at)
    at.button(key="rec:back").click().run()
    assert "record" not in at.query_params
    at.button(key=f"r:open:{record.id}").click().run()
    at.button(key="mode:intake").click().run()
    assert "record" not in at.query_params  # only while the records page shows it


def test_re_issued_files_are_made_from_the_record_and_audited(store, downloads):
    record = file(store, EMERGENCY_CASE, patient="Eva Novak")
    new_app(query={"record": record.id})
    summary = made(downloads, "clinician-summary-")
    handout = made(downloads, "patient-handout-")
    letter = made(downloads, "referral-letter-")
    assert summary[:4] == b"%PDF" and handout[:4] == b"%PDF" and letter[:4] == b"%PDF"
    fhir_json = made(downloads, "fhir-bundle-")
    assert record.pseudonym in fhir_json and "Novak" not in fhir_json
    assert "Eva Novak" in made(downloads, "case-")
    assert all(record.pseudonym in n for n in downloads if n)  # no name in a file name
    formats = {e.detail["format"] for e in store.audit.entries(store.clinic_id, record_id=record.id) if e.action == "export"}
    assert formats == {"referral_pdf", "summary_pdf", "handout_pdf", "fhir_json", "case_yaml"}


def test_a_deleted_record_is_not_handed_out_by_an_old_button(store, downloads):
    record = file(store)
    new_app(query={"record": record.id})
    store.records.delete(store.principal, record.id)
    with pytest.raises(PermissionError):
        made(downloads, "clinician-summary-")


def test_follow_up_keeps_the_pseudonym(store):
    first = file(store, EMERGENCY_CASE, patient="Eva Novak", days_ago=14)
    at = new_app(query={"record": first.id})
    at.button(key="rec:follow").click().run()
    assert not at.exception
    assert at.session_state["mode"] == "intake" and at.session_state["step"] == "patient"
    answers = at.session_state["answers"]
    assert answers["patient"]["name"] == "Eva Novak" and answers["history"] == first.case_data["history"]
    assert answers["red_flags"] == {} and answers["exam"] == {"tests": {}}
    assert at.session_state["consent"] is False and at.checkbox(key="w::consent").value is False
    assert f"Follow-up of {first.pseudonym}" in " ".join(i.value for i in at.info)
    consent(at)
    draft = store.get(at.query_params["draft"])
    assert draft.follows_id == first.id
    at = goto(at, "reports")
    assert f"Follow-up of {first.pseudonym}" in " ".join(i.value for i in at.info)
    at.button(key="file:go").click().run()
    rows, total = store.records.list(store.principal)
    assert total == 2
    [second] = [r for r in rows if r.id != first.id]
    assert second.pseudonym == first.pseudonym and second.follows_id == first.id
    assert [r.id for r in store.records.history(store.principal, first.pseudonym)] == [first.id, second.id]


def test_amend_saves_a_new_version(store):
    record = file(store, "example-03-gluteal-tendinopathy.yaml", patient="Tom Baker")
    at = new_app(query={"record": record.id})
    at.button(key="rec:amend").click().run()
    assert at.session_state["consent"] is True
    draft = store.get(at.query_params["draft"])
    assert draft.amends_id == record.id and draft.answers["patient"]["name"] == "Tom Baker"
    assert "Amending record" in " ".join(i.value for i in at.info)
    at.number_input(key="w:patient.age").set_value(51).run()
    at = goto(at, "reports")
    assert at.button(key="file:go").label == "Save amendment"
    at.button(key="file:go").click().run()
    assert f"Amendment saved: record {record.pseudonym} is now version 2." in " ".join(s.value for s in at.success)
    amended = store.records.get(store.principal, record.id, audit_view=False)
    assert amended.version == 2 and amended.case_data["patient"]["age"] == 51
    assert count(store) == 1 and store.list() == []
    assert [v for v, _, _ in store.records.versions(store.principal, record.id)] == [1, 2]
    at.button(key="filed:open").click().run()
    assert "Version 2 (shown)" in texts(at)


def test_follow_up_then_amend_of_one_record_says_which(store):
    """Seen in Chromium: the caption looked up for the follow-up was shown again for the amendment."""
    record = file(store)
    at = new_app(query={"record": record.id})
    at.button(key="rec:follow").click().run()
    assert "Follow-up of" in " ".join(i.value for i in at.info)
    at.button(key="mode:records").click().run()
    at.button(key="rec:amend").click().run()
    shown = " ".join(i.value for i in at.info)
    assert "Amending record" in shown and "Follow-up of" not in shown


def test_delete_asks_for_confirmation_first(store):
    record = file(store, patient="Margaret Ellis")
    at = new_app(query={"record": record.id})
    at.button(key="rec:delete").click().run()
    assert store.records.get(store.principal, record.id, audit_view=False) is not None  # asks first
    assert "cannot be undone" in " ".join(w.value for w in at.warning)
    at.button(key="rec:keep").click().run()
    assert not [b for b in at.button if b.key == "rec:confirm"]
    at.button(key="rec:delete").click().run()
    at.button(key="rec:confirm").click().run()
    assert store.records.get(store.principal, record.id, audit_view=False) is None
    assert f"Record {record.pseudonym} and every version of it have been deleted." in " ".join(s.value for s in at.success)
    assert "record" not in at.query_params


def test_only_the_author_or_an_admin_may_delete(store):
    record = file(store)  # filed by the admin
    bob = signed_in_principal(username="bob", role="practitioner")
    at = new_app(query={"record": record.id}, principal=bob)
    assert at.button(key="rec:delete").disabled
    at.session_state["records:confirm_delete"] = record.id  # even if the confirmation were reached
    at.run()
    at.button(key="rec:confirm").click().run()
    assert any("Not deleted: Only the practitioner who filed a record" in as_shown(e.value) for e in at.error)
    assert store.records.get(store.principal, record.id, audit_view=False) is not None


# ---------------------------------------------------------------- access control between clinics


@pytest.fixture
def clinic_a(store):
    """Clinic A (the test clinic): a filed record and a draft of a patient called SECRET."""
    record = file(store, EMERGENCY_CASE, patient=SECRET)
    draft = store.create({"patient": {"age": 50, "name": SECRET}, "history": {}, "red_flags": {}, "exam": {"tests": {}}},
                         step="history", consent=True)
    return record, draft


def bob_of_b():
    return signed_in_principal(clinic="Clinic B", username="bob", role="practitioner")


def test_another_clinics_record_in_the_address_is_not_found(clinic_a):
    record, _ = clinic_a
    at = new_app(query={"record": record.id}, principal=bob_of_b())
    assert not at.exception
    assert [e.value for e in at.error] == ["Record not found in your clinic."]
    screen = on_screen(at)
    assert SECRET not in screen and record.pseudonym not in screen
    assert not at.get("download_button")


def test_another_clinics_draft_in_the_address_is_not_found(clinic_a):
    _, draft = clinic_a
    at = new_app(query={"draft": draft.id}, principal=bob_of_b())
    assert any("not found" in w.value for w in at.warning)
    assert SECRET not in on_screen(at)
    assert at.session_state["answers"]["patient"] == {} and "draft" not in at.query_params


def test_another_clinics_records_are_not_listed_or_exported(clinic_a, downloads):
    record, _ = clinic_a
    mine = file(clinic_store(clinic="Clinic B", username="bob", role="practitioner"), patient="Bob's Patient")
    at = records_app(principal=bob_of_b())
    screen = on_screen(at)
    assert "**1** matching record" in texts(at) and "Bob's Patient" in texts(at)
    assert SECRET not in screen and record.pseudonym not in screen and record.id not in screen
    at.text_input(key="rf:patient").input(record.pseudonym).run()
    assert "No record matches these filters." in texts(at)
    at.text_input(key="rf:patient").input("").run()
    exported = made(downloads, "assessments.csv").decode("utf-8-sig")
    assert mine.id in exported and record.id not in exported and record.pseudonym not in exported


def test_a_student_cannot_reach_records(clinic_a):
    record, _ = clinic_a
    student = signed_in_principal(username="stu", role="student")
    at = new_app(query={"record": record.id}, principal=student)
    assert at.session_state["mode"] == "practice"
    assert not [b for b in at.button if b.key == "mode:records"]
    assert SECRET not in on_screen(at) and "record" not in at.query_params


# ---------------------------------------------------------------- drafts list


def test_drafts_list_shows_who_started_it_and_follow_ups(store):
    record = file(store)
    store.create({"patient": {"age": 40}}, step="patient", consent=True, follows_id=record.id)
    store.create({"patient": {"age": 41}}, step="patient", consent=True, amends_id=record.id)
    at = new_app()
    at.button(key="side:drafts").click().run()
    shown = texts(at)
    assert "started by Tester" in shown
    assert "follow-up" in shown and "amendment of a record" in shown


# ---------------------------------------------------------------- clinic administration


def admin_app():
    at = records_app()
    return at.segmented_control(key="records:section").set_value("admin").run()


def submit(at, label: str):
    [button] = [b for b in at.button if b.label == label]
    return button.click().run()


def test_only_an_admin_sees_the_administration():
    bob = signed_in_principal(username="bob", role="practitioner")
    at = records_app(principal=bob)
    assert not [w for w in at.segmented_control if w.key == "records:section"]
    assert "Clinic administration" not in texts(at)


def test_retention_and_purge_with_confirmation(store):
    old = file(store, patient="Old Patient", days_ago=40)
    recent = file(store, patient="Recent Patient", days_ago=2)
    at = admin_app()
    assert "Records are kept **until deleted by hand**." in texts(at)
    assert "Nothing is purged while records are kept until deleted by hand." in texts(at)
    at.radio(key="adm:keep").set_value("days")
    at.number_input(key="adm:days").set_value(30)
    at = submit(at, "Save retention")
    assert store.accounts.clinic(store.clinic_id).retention_days == 30
    assert "Records are kept for **30 days** after the assessment." in texts(at)
    assert "**1** record assessed before" in texts(at)
    at.button(key="adm:purge").click().run()
    assert count(store) == 2  # asks first
    at.button(key="adm:purge:yes").click().run()
    assert count(store) == 1
    assert store.records.get(store.principal, recent.id, audit_view=False) is not None
    assert store.records.get(store.principal, old.id, audit_view=False) is None
    assert "Purged 1 record older than the retention period." in texts(at)
    assert at.button(key="adm:purge").disabled  # nothing left to purge
    at.radio(key="adm:keep").set_value("forever")
    at = submit(at, "Save retention")
    assert store.accounts.clinic(store.clinic_id).retention_days is None


def test_add_and_deactivate_a_practitioner(store):
    at = admin_app()
    at.text_input(key="adm:new_username").input("dana")
    at.text_input(key="adm:new_name").input("Dana Scully")
    at.text_input(key="adm:new_password").input("violet orchard key 1")
    at.text_input(key="adm:new_password2").input("violet orchard key 2")
    at = submit(at, "Add account")
    assert "Not added: the two passwords differ." in texts(at)
    at.text_input(key="adm:new_password").input("violet orchard key 1")
    at.text_input(key="adm:new_password2").input("violet orchard key 1")
    at = submit(at, "Add account")
    assert "Account dana added (practitioner)." in texts(at)
    [dana] = [p for p in store.accounts.practitioners(store.clinic_id) if p.username == "dana"]
    assert dana.role == "practitioner" and dana.active
    assert store.accounts.authenticate("dana", "violet orchard key 1") is not None
    at.button(key=f"adm:off:{dana.id}").click().run()
    assert not next(p for p in store.accounts.practitioners(store.clinic_id) if p.username == "dana").active
    assert store.accounts.authenticate("dana", "violet orchard key 1") is None
    at.button(key=f"adm:on:{dana.id}").click().run()
    assert store.accounts.authenticate("dana", "violet orchard key 1") is not None
    # a single-sign-on account needs no password; a short password is refused with the reason
    at.text_input(key="adm:new_username").input("erin")
    at.text_input(key="adm:new_name").input("Erin Sso")
    at.text_input(key="adm:new_email").input("erin@example.org")
    at = submit(at, "Add account")
    assert "Account erin added" in texts(at)
    at.text_input(key="adm:new_username").input("fred")
    at.text_input(key="adm:new_password").input("short")
    at.text_input(key="adm:new_password2").input("short")
    at = submit(at, "Add account")
    assert "Not added: The password must be at least 10 characters long." in texts(at)


def test_audit_log_table_and_download(store, downloads):
    record = file(store)
    new_app(query={"record": record.id})
    at = admin_app()
    [table] = at.dataframe
    frame = table.value
    assert list(frame.columns) == ["when_utc", "who", "action", "kind", "record_id", "detail"]
    assert ((frame["action"] == "view") & (frame["record_id"] == record.id)).any()
    csv = pd.read_csv(io.BytesIO(made(downloads, "audit-log.csv")), encoding="utf-8-sig")
    assert {"create", "view"} <= set(csv["action"])


def test_identified_referrals_are_off_by_default_admin_only_audited_and_add_the_named_patient(store, downloads):
    import json

    record = file(store, EMERGENCY_CASE, patient="Eva Novak")
    new_app(query={"record": record.id})
    plain = json.loads(made(downloads, "fhir-bundle-"))
    assert "Patient" not in {e["resource"]["resourceType"] for e in plain["entry"]} and "Novak" not in json.dumps(plain)
    bob = signed_in_principal(username="bob", role="practitioner")
    with pytest.raises(AccountError, match="administrator"):
        store.accounts.set_identified_referrals(bob, True)
    at = admin_app()
    assert "FHIR referrals carry the **pseudonym only** (the default)." in texts(at)
    at.radio(key="adm:identified").set_value("identified")
    at = submit(at, "Save referral setting")
    assert store.accounts.clinic(store.clinic_id).identified_referrals is True
    assert "FHIR referrals **name the patient**." in texts(at)
    downloads.clear()
    new_app(query={"record": record.id})
    named = json.loads(made(downloads, "fhir-bundle-"))
    (patient,) = [e["resource"] for e in named["entry"] if e["resource"]["resourceType"] == "Patient"]
    assert patient["name"] == [{"text": "Eva Novak"}] and patient["identifier"][0]["value"] == record.pseudonym
    entries = store.audit.entries(store.clinic_id)
    assert any(e.action == "settings" and e.detail == {"identified_referrals": True} for e in entries)
    assert any(e.action == "export" and e.detail == {"format": "fhir_json_identified"} for e in entries)
    assert not any("Novak" in json.dumps(e.detail) for e in entries)  # the audit log names records, never patients
