"""AppTest: every document made on screen carries the clinic's details set in the app and the signing
practitioner's name and registration, the same from the wizard as re-issued from Records; the
administrator sets them on the Records page."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader
from test_app_support import EMERGENCY_CASE, answers_of, as_shown, case_data, goto, new_app, signed_in_principal

from intake import assess, load_case


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)


def _made(downloads: dict, prefix: str) -> tuple[str, str]:
    [name] = [n for n in downloads if n and n.startswith(prefix)]
    return name, _text(downloads[name]())


def _set_up(store):
    admin = store.principal
    store.clinic_details.save(admin, {"address": ["12 Mill Lane", "Riverside"], "phone": "01234 567890",
                                      "timezone": "Europe/London"})
    store.clinic_details.set_registration(admin, admin.user_id, "HCPC PH123456")


SIGNED = ("Test clinic", "12 Mill Lane", "01234 567890", "Tester", "HCPC PH123456")


def test_wizard_documents_are_signed_and_headed_by_the_clinic(store, downloads):
    _set_up(store)
    at = new_app(answers=answers_of(EMERGENCY_CASE))
    at = goto(at, "reports")
    for prefix in ("referral-letter-", "clinician-summary-", "patient-handout-"):
        name, text = _made(downloads, prefix)
        assert re.fullmatch(rf"{prefix}\d{{4}}-\d{{2}}-\d{{2}}\.pdf", name), name  # dated, never a name
        for expected in SIGNED[:4]:
            assert expected in text, (prefix, expected)
        if prefix != "patient-handout-":
            assert "HCPC PH123456" in text, prefix


def test_a_record_re_issues_the_same_signature_as_the_wizard(store, downloads):
    _set_up(store)
    case = load_case(case_data(EMERGENCY_CASE))
    record = store.records.file(store.principal, case, assess(case))
    new_app(query={"record": record.id})
    name, text = _made(downloads, "referral-letter-")
    assert record.pseudonym in name
    for expected in SIGNED:
        assert expected in text, expected
    assert re.search(r"\d{1,2} \w+ \d{4}, \d{2}:\d{2}", text)  # date and time of the assessment


def test_the_administrator_sets_clinic_details_on_the_records_page(store):
    at = _admin_page()
    at.text_input(key="adm:set:phone").input("020 7946 0000")
    at.text_area(key="adm:set:address").input("1 High Street\nTown")
    [save] = [b for b in at.button if b.label == "Save clinic details"]
    at = save.click().run()
    assert not at.exception
    details = store.clinic_details.get(store.clinic_id)
    assert details.settings["phone"] == "020 7946 0000" and details.settings["address"] == ["1 High Street", "Town"]
    at.text_input(key=f"adm:set:reg:{store.principal.user_id}").input("HCPC PH7").run()
    at.button(key=f"adm:set:reg:save:{store.principal.user_id}").click().run()
    assert store.clinic_details.registration(store.principal.user_id) == "HCPC PH7"
    # refused details: the reason as text, no traceback, what was typed still in the form
    seven = "\n".join(f"Line {n}" for n in range(1, 8))
    at.text_area(key="adm:set:address").input(seven)
    at.text_input(key="adm:set:phone").input("020 7946 0001")
    [save] = [b for b in at.button if b.label == "Save clinic details"]
    at = save.click().run()
    assert not at.exception
    assert [as_shown(e.value) for e in at.error] == ["Not saved: field 'address': has more than 6 lines"]
    assert at.text_area(key="adm:set:address").value == seven
    assert at.text_input(key="adm:set:phone").value == "020 7946 0001"
    assert store.clinic_details.get(store.clinic_id).settings["phone"] == "020 7946 0000"


def _admin_page(**kw):
    at = new_app(**kw)
    at = at.button(key="mode:records").click().run()
    sections = [w for w in at.segmented_control if w.key == "records:section"]
    return sections[0].set_value("admin").run() if sections else at


def test_a_practitioner_does_not_see_the_clinic_settings():
    at = _admin_page(principal=signed_in_principal(username="pat", role="practitioner"))
    assert not [w for w in at.text_input if w.key == "adm:set:phone"]


def _checkbox(at, therapy: str):
    [box] = [c for c in at.checkbox if c.key and c.key.endswith(f":pick:{therapy}")]
    return box


def _choose_for_l5(at):
    """Untick nerve glides, tick repeated movements, change a dose, type a personal line (not yet run)."""
    _checkbox(at, "nerve_glides").uncheck().run()
    _checkbox(at, "directional_exercise").check().run()
    [dose] = [t for t in at.text_input if t.key and t.key.endswith(":dose:stay_active")]
    dose.input("A 20-minute walk every day").run()
    [appointment] = [t for t in at.text_input if t.key and t.key.endswith(":next")]
    appointment.input("Tuesday 8 December, 10:30").run()
    [note] = [t for t in at.text_area if t.key and t.key.endswith(":note")]
    return note.input("Well done for keeping active.")


def test_the_handout_holds_what_the_practitioner_chose(store, downloads):
    at = new_app(answers=answers_of("example-04-l5-radiculopathy.yaml"))
    at = goto(at, "reports")
    from intake.knowledge import load_knowledge

    kb = load_knowledge()
    assert _checkbox(at, "directional_exercise").value is False  # centralisation tested negative
    assert _checkbox(at, "nerve_glides").value is True
    _choose_for_l5(at).run()
    _, text = _made(downloads, "patient-handout-")
    title = {t: kb.therapies[t].self_care.title for t in ("directional_exercise", "nerve_glides", "stay_active")}
    assert title["directional_exercise"] in text and title["stay_active"] in text
    assert title["nerve_glides"] not in text
    assert "A 20-minute walk every day" in text and "Well done for keeping active." in text


def test_a_withheld_item_cannot_be_ticked_and_shows_why():
    answers = answers_of("example-03-gluteal-tendinopathy.yaml")
    answers["red_flags"]["anticoagulant_use"] = True
    at = goto(new_app(answers=answers), "reports")
    box = _checkbox(at, "ball_release_floor")
    assert box.disabled and box.value is False
    assert any("Withheld:" in str(c.value) for c in at.caption)


def test_after_filing_the_filed_records_documents_stay_on_screen(store, downloads):
    from test_app_support import consent

    at = consent(new_app(answers=answers_of(EMERGENCY_CASE)))
    at.text_input(key="w:patient.name").input("Filed Patient").run()
    at = goto(at, "reports")
    downloads.clear()
    at.button(key="file:go").click().run()
    [summary], _ = store.records.list(store.principal)
    labels = [d.proto.label for d in at.get("download_button")]
    assert labels[:3] == ["Referral letter (PDF)", "Clinician summary (PDF)", "Patient handout (PDF)"]
    name, text = _made(downloads, "referral-letter-")
    assert summary.pseudonym in name and "Filed" not in name  # pseudonym and date, never the name
    assert "Filed Patient" in text


def test_screens_show_times_in_the_clinics_time_zone():
    from datetime import UTC, datetime

    from intake.ui.documents import clinic_time

    moment = datetime(2026, 7, 21, 13, 5, tzinfo=UTC)
    assert clinic_time(moment, "Europe/London") == "2026-07-21 14:05 BST"
    assert clinic_time(moment, "America/New_York") == "2026-07-21 09:05 EDT"


def test_handout_choices_are_filed_and_re_issued_from_records_as_chosen(store, downloads):
    from test_app_support import consent

    at = consent(new_app(answers=answers_of("example-04-l5-radiculopathy.yaml")))
    at = goto(at, "reports")
    _choose_for_l5(at)
    at.button(key="file:go").click().run()  # the personal line reaches the record in the same click
    assert not at.exception
    [summary], _ = store.records.list(store.principal)
    record = store.records.get(store.principal, summary.id)
    kept = record.case().handout
    assert kept.exercises is not None and "directional_exercise" in kept.exercises
    assert "nerve_glides" not in kept.exercises
    assert kept.doses == {"stay_active": "A 20-minute walk every day"}
    assert kept.personal_note == "Well done for keeping active."

    downloads.clear()
    new_app(query={"record": summary.id})
    _, reissued = _made(downloads, "patient-handout-")
    # the handout made in the wizard from the same choice, before filing
    downloads.clear()
    at = goto(new_app(answers=answers_of("example-04-l5-radiculopathy.yaml")), "reports")
    _choose_for_l5(at).run()
    _, wizard = _made(downloads, "patient-handout-")
    assert reissued == wizard
    assert "Well done for keeping active." in reissued and "Tuesday 8 December, 10:30" in reissued
    default = _text(__import__("reports").render_handout(record.case().model_copy(update={"handout": None}),
                                                          record.assessment(), practitioner="Tester"))
    assert default != reissued  # the re-issue is not the default handout


def test_handout_choices_are_saved_with_the_draft_and_shown_again_on_resume(store):
    from test_app_support import consent

    at = consent(new_app(answers=answers_of("example-04-l5-radiculopathy.yaml")))
    at = goto(at, "reports")
    _choose_for_l5(at).run()
    draft_id = at.session_state["draft_id"]
    kept = store.get(draft_id).answers["handout"]
    assert kept["personal_note"] == "Well done for keeping active." and "nerve_glides" not in kept["exercises"]
    at = goto(new_app(query={"draft": draft_id}), "reports")  # a refresh: a new browser session
    assert _checkbox(at, "nerve_glides").value is False and _checkbox(at, "directional_exercise").value is True
    [note] = [t for t in at.text_area if t.key and t.key.endswith(":note")]
    assert note.value == "Well done for keeping active."


def test_an_untouched_handout_choice_keeps_nothing_and_follows_the_findings(store):
    from test_app_support import consent

    at = goto(consent(new_app(answers=answers_of("example-04-l5-radiculopathy.yaml"))), "reports")
    assert "handout" not in store.get(at.session_state["draft_id"]).answers
    _checkbox(at, "nerve_glides").uncheck().run()
    assert store.get(at.session_state["draft_id"]).answers["handout"]["exercises"]
    _checkbox(at, "nerve_glides").check().run()  # back to the default: nothing kept
    assert "handout" not in store.get(at.session_state["draft_id"]).answers
