"""The patient handout in the patient's language (``patient.language``), Arabic right to left on paper,
every catalogue complete, and each translation's review status in the handout's footer."""

from __future__ import annotations

import io

import pytest
from babel.messages.pofile import read_po
from pypdf import PdfReader

import reports
from intake.engine import assess
from intake.i18n import LOCALE_DIR, languages, message_ids, translator
from intake.knowledge import load_knowledge
from intake.loader import load_case
from reports.content import build_handout, handout_messages, handout_text
from reports.exercises import LABELS
from reports.text import joined
from tests.conftest import ROOT

EXAMPLES = ROOT / "intake" / "cases" / "examples"
TRANSLATED = [code for code in languages() if code != "en"]


def _case(name: str, language: str | None):
    case = load_case(EXAMPLES / f"{name}.yaml")
    return case.model_copy(update={"patient": case.patient.model_copy(update={"language": language})})


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_catalogue_has_every_message_of_the_template(code):
    with (LOCALE_DIR / code / "LC_MESSAGES" / "patient.po").open("rb") as handle:
        catalogue = {m.id: m for m in read_po(handle, locale=code) if m.id}
    lacking = sorted(m for m in message_ids() if m not in catalogue or not catalogue[m].string or catalogue[m].fuzzy)
    assert lacking == [], f"{code} lacks {len(lacking)}: {lacking[:5]}"
    assert translator(code).missing() == []


def test_the_template_holds_every_text_the_handout_prints():
    kb = load_knowledge()
    assert {text for text, _ in handout_messages(kb)} <= set(message_ids())
    assert set(LABELS) <= set(handout_text()["drawing_labels"])  # the words inside the drawings too


@pytest.mark.parametrize("code", TRANSLATED)
def test_the_handout_model_is_wholly_in_the_patients_language(code):
    kb = load_knowledge()
    t = translator(code)
    english = build_handout(_case("example-03-gluteal-tendinopathy", None), assess(_case("example-03-gluteal-tendinopathy", None), kb), kb,
                            reports.load_branding())
    case = _case("example-03-gluteal-tendinopathy", code)
    h = build_handout(case, assess(case, kb), kb, reports.load_branding())
    assert h.language == code and h.rtl == (languages()[code].direction == "rtl")
    assert h.self_care and len(h.self_care) == len(english.self_care)
    for ours, theirs in zip(h.self_care, english.self_care, strict=True):
        assert ours.title == t(theirs.title) != theirs.title
        assert ours.steps == tuple(t(s) for s in theirs.steps)
    assert h.likely[0][0] == t(english.likely[0][0]) != english.likely[0][0]
    assert h.emergency_title != english.emergency_title and h.seek_today != english.seek_today
    assert h.labels["home_title"] == t("What you can do at home") != "What you can do at home"
    assert h.translation_note == t.review_note() and languages()[code].native in h.translation_note
    assert h.header.date != english.header.date  # the month in the patient's language


def test_english_stays_english_with_no_translation_note():
    kb = load_knowledge()
    case = _case("example-03-gluteal-tendinopathy", "en")
    h = build_handout(case, assess(case, kb), kb, reports.load_branding())
    assert h.language == "en" and not h.rtl and h.translation_note == ""
    assert h.labels["home_title"] == "What you can do at home"
    unknown = _case("example-03-gluteal-tendinopathy", "pt-BR")  # no catalogue: English, not a machine translation
    assert build_handout(unknown, assess(unknown, kb), kb, reports.load_branding()).language == "en"


def test_the_spanish_handout_pdf_prints_spanish_and_says_it_is_not_reviewed():
    kb = load_knowledge()
    case = _case("example-03-gluteal-tendinopathy", "es")
    text = _text(reports.render_handout(case, assess(case, kb), kb=kb, date="2026-12-01"))
    t = translator("es")
    for english in ("What you can do at home", "When to get help", "Go to the emergency department now (A&E)",
                    "Strengthen the side-hip muscles"):
        assert t(english) in text and english not in text
    assert "no ha sido revisada" in text  # the footer's review note, on every page
    assert "Página 1 de 2" in text or "Página 1 de 1" in text


def test_the_arabic_handout_is_joined_right_to_left_and_in_reading_order():
    kb = load_knowledge()
    t = translator("ar")
    case = _case("example-03-gluteal-tendinopathy", "ar")
    a = assess(case, kb)
    h = build_handout(case, a, kb, reports.load_branding())
    text = _text(reports.render_handout(case, a, kb=kb, date="2026-12-01", personal_note="اتصل بنا إذا زاد الألم (أو اتصل بالرقم 111)"))
    # pypdf reads right-to-left lines back into reading order; joined letter forms (presentation forms) are printed
    heading = joined(t("What you can do at home"))
    assert heading != t("What you can do at home") and heading in text
    # a paragraph over several lines reads on in order from one line to the next (broken before it is reversed)
    explanation = joined(h.likely[0][1])
    assert len(explanation) > 120 and explanation in text
    assert joined("اتصل بنا إذا زاد الألم") in text and "111" in text  # typed text and its number as typed
    assert joined(t(h.labels["home_title"])) in text
    assert "What you can do at home" not in text and "When to get help" not in text


def test_the_arabic_handout_in_an_emergency_says_so_first():
    kb = load_knowledge()
    t = translator("ar")
    case = _case("example-10-cauda-equina-syndrome", "ar")
    a = assess(case, kb)
    assert a.referral == "emergency"
    text = _text(reports.render_handout(case, a, kb=kb, date="2026-12-01"))
    alert = joined(t("Go to the emergency department now"))
    assert alert in text and text.index(alert) < text.index(joined(t("What you can do at home")))
    assert joined(t("Exercises and other self-care can wait until a doctor has checked you. Your physiotherapist will go "
                    "through them with you after that.")) in text


def test_the_body_picture_on_the_patients_page_is_labelled_in_their_language():
    from reports.bodychart import PATIENT_LEGEND, svg_body_chart

    svg = svg_body_chart(["groin"], [], None, words=translator("fr"), legend=PATIENT_LEGEND)
    assert ">Face<" in svg and ">Dos<" in svg and ">Là où vous avez mal<" in svg
    assert ">Front<" not in svg and "Where" not in svg
    assert ">Front<" in svg_body_chart(["groin"], [], None)  # the clinician's chart is unchanged


def test_the_reports_step_says_which_language_the_handout_prints_in():
    from intake.ui.step_reports import handout_language

    assert "Español (Spanish)" in handout_language("es-MX") and "not yet reviewed" in handout_language("es-MX")
    assert "العربية (Arabic)" in handout_language("ar")
    assert handout_language("pt-BR") == "No translation for the patient's language (pt-BR) yet: the handout prints in English."
    assert handout_language("en-GB") == handout_language(None) == ""


def test_every_rules_own_patient_action_is_a_message_of_the_template():
    """A patient_action added to red_flags.yaml without a translation fails the catalogue test above."""
    kb = load_knowledge()
    actions = [r.patient_action for r in kb.red_flag_rules if r.patient_action is not None]
    assert actions
    for action in actions:
        assert {action.title, action.body, *action.more} <= set(message_ids())


def test_the_conditions_are_joined_as_each_language_writes_a_list():
    from reports.content import name_conditions

    assert name_conditions(["A", "B", "C"], translator("en")) == "A, B and C"
    assert name_conditions(["A", "B", "C"], translator("es")) == "A, B y C"
    assert name_conditions(["A", "B", "C"], translator("ar")) == "A، B وC"  # the Arabic comma, "and" joined to the word
    assert name_conditions(["A", "B"], translator("fr")) == "A et B" and name_conditions(["A"], translator("de")) == "A"


@pytest.mark.parametrize("code", ["es", "ar"])
def test_the_aneurysm_handout_prints_its_own_ambulance_action_in_the_patients_language(code):
    kb = load_knowledge()
    t = translator(code)
    case = load_case(ROOT / "intake" / "cases" / "lib-advanced-32-aortic-aneurysm-back-and-groin.yaml")
    case = case.model_copy(update={"patient": case.patient.model_copy(update={"language": code})})
    a = assess(case, kb)
    action = next(r.patient_action for r in kb.red_flag_rules if r.id == "vascular.pulsatile_abdominal_mass")
    h = build_handout(case, a, kb, reports.Branding())
    assert a.referral == "emergency" and h.alert_title == t(action.title) != action.title
    number = t(handout_text()["emergency_number_default"])
    assert h.alert_body[0] == t(action.body, number=number) and "your local emergency number" not in h.alert_body[0]
    assert h.alert_body[1:] == tuple(t(m) for m in action.more)
    text = _text(reports.render_handout(case, a, kb=kb, date="2026-12-01", branding=reports.Branding(emergency_number="112")))
    title = joined(t(action.title)) if code == "ar" else t(action.title)
    assert title in text and "Call an ambulance" not in text and "112" in text
    assert text.index(title) < text.index(joined(t("When to get help")) if code == "ar" else t("When to get help"))
