"""Clinic details set in the app: per clinic, checked as clinic.toml is, administrators only, audited,
laid over clinic.toml on every document; practitioners' registrations."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from db_support import World
from pypdf import PdfReader

from intake import assess, load_case
from intake.storage.accounts import AccountError
from intake.storage.clinic_details import SettingsError
from reports import Branding, render_handout, render_referral, render_summary

ROOT = Path(__file__).resolve().parents[1]
CES = ROOT.parent / "shared" / "cases" / "example-10-cauda-equina-syndrome.yaml"
LOGO = (ROOT / "reports" / "assets" / "logo-neutral.png").read_bytes()
BASE = Branding(name="From clinic.toml", phone="000", email="toml@example.org", paper="letter")


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)


def test_settings_are_per_clinic_and_laid_over_clinic_toml(db_store):
    w = World(db_store)
    details = db_store.clinic_details
    details.save(w.a_admin, {"address": ["12 Mill Lane", "Riverside"], "phone": "01234 567890", "timezone": "Europe/London",
                             "accent": "#7a1f5c"}, logo=LOGO)
    a = details.get(w.clinic_a.id).branding(BASE)
    assert (a.name, a.address, a.phone, a.accent, a.timezone) == ("Clinic A", ("12 Mill Lane", "Riverside"), "01234 567890",
                                                                 "#7a1f5c", "Europe/London")
    assert a.email == "toml@example.org" and a.paper == "letter"  # not set in the app: clinic.toml's
    assert a.logo is not None and a.logo.read_bytes() == LOGO
    b = details.get(w.clinic_b.id).branding(BASE)
    assert (b.name, b.phone, b.address) == ("Clinic B", "000", ())  # clinic B set nothing: its name over clinic.toml
    details.save(w.a_admin, {"phone": "01234 567890"}, logo=None)
    assert details.get(w.clinic_a.id).branding(BASE).logo is None  # no logo at all, as asked
    details.save(w.a_admin, {"phone": "01234 567890"}, logo=False)
    assert details.get(w.clinic_a.id).branding(BASE).logo == BASE.logo  # back to the default


def test_only_an_administrator_changes_them_and_each_change_is_audited_without_values(db_store):
    w = World(db_store)
    with pytest.raises(AccountError):
        db_store.clinic_details.save(w.a_prac, {"phone": "1"})
    db_store.clinic_details.save(w.a_admin, {"phone": "01234 567890"})
    entries = [e for e in db_store.audit.entries(w.clinic_a.id) if e.kind == "clinic" and e.action == "settings"]
    assert len(entries) == 1 and entries[0].detail == {"changed": ["phone"]}  # which field, never its value


@pytest.mark.parametrize(("settings", "field"), [
    ({"accent": "red"}, "accent"), ({"paper": "a3"}, "paper"), ({"timezone": "Nowhere/Else"}, "timezone"),
    ({"phone": "9" * 201}, "phone"), ({"address": ["x"] * 7}, "address"), ({"name": "Other"}, "name"),
])
def test_a_wrong_setting_is_refused_by_name_and_nothing_is_saved(db_store, settings, field):
    w = World(db_store)
    with pytest.raises(SettingsError, match=field):
        db_store.clinic_details.save(w.a_admin, settings)
    assert db_store.clinic_details.get(w.clinic_a.id).settings == {}


def test_a_logo_that_is_not_an_image_is_refused(db_store):
    w = World(db_store)
    with pytest.raises(SettingsError, match="PNG or JPEG"):
        db_store.clinic_details.save(w.a_admin, {}, logo=b"GIF89a....")


def test_registrations_belong_to_the_clinics_own_accounts(db_store):
    w = World(db_store)
    details = db_store.clinic_details
    details.set_registration(w.a_admin, w.a_prac.user_id, " HCPC PH123456 ")
    assert details.registration(w.a_prac.user_id) == "HCPC PH123456"
    with pytest.raises(AccountError):
        details.set_registration(w.b_admin, w.a_prac.user_id, "stolen")
    with pytest.raises(AccountError):
        details.set_registration(w.a_prac, w.a_prac.user_id, "self-set")
    assert details.registration(w.a_prac.user_id) == "HCPC PH123456"
    details.set_registration(w.a_admin, w.a_prac.user_id, "")
    assert details.registration(w.a_prac.user_id) is None


def test_every_document_carries_the_clinic_and_the_practitioner(db_store):
    w = World(db_store)
    db_store.clinic_details.save(w.a_admin, {"address": ["12 Mill Lane"], "phone": "01234 567890"})
    db_store.clinic_details.set_registration(w.a_admin, w.a_prac.user_id, "HCPC PH123456")
    clinic = db_store.clinic_details.get(w.clinic_a.id).branding(Branding())
    case = load_case(CES)
    a = assess(case)
    who = {"practitioner": w.a_prac.display_name, "registration": db_store.clinic_details.registration(w.a_prac.user_id)}
    for render in (render_summary, render_referral, render_handout):
        text = _text(render(case, a, branding=clinic, **who))
        for expected in ("Clinic A", "12 Mill Lane", "01234 567890", w.a_prac.display_name):
            assert expected in text, (render.__name__, expected)
        if render is not render_handout:
            assert "HCPC PH123456" in text, render.__name__
