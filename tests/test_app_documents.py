"""AppTest: every document made on screen carries the clinic's details set in the app and the signing
practitioner's name and registration, the same from the wizard as re-issued from Records; the
administrator sets them on the Records page."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from streamlit.runtime.media_file_manager import MediaFileManager
from test_app_support import EMERGENCY_CASE, answers_of, case_data, goto, new_app, signed_in_principal

from intake import assess, load_case


@pytest.fixture
def downloads(monkeypatch):
    """The data function behind every deferred download button drawn, by file name (what a click runs)."""
    made: dict[str, object] = {}
    original = MediaFileManager.add_deferred

    def spy(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        made[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name=file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", spy)
    return made


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


def _admin_page(**kw):
    at = new_app(**kw)
    at = at.button(key="mode:records").click().run()
    sections = [w for w in at.segmented_control if w.key == "records:section"]
    return sections[0].set_value("admin").run() if sections else at


def test_a_practitioner_does_not_see_the_clinic_settings():
    at = _admin_page(principal=signed_in_principal(username="pat", role="practitioner"))
    assert not [w for w in at.text_input if w.key == "adm:set:phone"]
