"""Translations of the patient's pages: gettext catalogues, complete where claimed, placeholders kept,
each language's review status stated, no machine translation at run time."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from babel.messages.pofile import read_po

from intake.i18n import LOCALE_DIR, languages, message_ids, translator
from tests.conftest import ROOT

TRANSLATED = [code for code in languages() if code != "en"]


def test_the_template_is_up_to_date_with_the_pages_and_the_knowledge(tmp_path):
    before = (LOCALE_DIR / "patient.pot").read_bytes()
    subprocess.run([sys.executable, "scripts/extract_patient_messages.py"], cwd=ROOT, check=True, capture_output=True)
    with (LOCALE_DIR / "patient.pot").open("rb") as handle:
        ids = {m.id for m in read_po(handle) if m.id}
    (LOCALE_DIR / "patient.pot").write_bytes(before)
    assert ids == set(message_ids()), "run scripts/extract_patient_messages.py and update the catalogues"


def test_at_least_spanish_french_german_and_arabic():
    assert {"es", "fr", "de", "ar"} <= set(TRANSLATED)
    assert languages()["ar"].direction == "rtl"


def test_spanish_is_complete():
    assert translator("es").missing() == []


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_translation_keeps_its_placeholders_and_covers_the_safety_text(code):
    t = translator(code)
    for msgid, msgstr in t.messages.items():
        assert set(re.findall(r"\{\w+\}", msgid)) == set(re.findall(r"\{\w+\}", msgstr)), (code, msgid)
    safety = [m for m in message_ids() if m.startswith(("Go to the emergency", "Some of the things you told us", "Do you have new numbness"))]
    assert safety and not t.missing(safety), code  # the red-flag advice is never left in English


@pytest.mark.parametrize("code", TRANSLATED)
def test_an_unreviewed_translation_says_so_in_its_own_words(code):
    t = translator(code)
    assert not languages()[code].reviewed
    note = t.review_note()
    assert note and languages()[code].native in note
    assert note != "This translation has not yet been reviewed by a clinician fluent in {language}."
    assert ("shown in English" in t("Some parts are not yet translated and are shown in English.")) == (code == "en")


def test_a_regional_tag_falls_back_to_its_language_then_english():
    assert translator("es-MX").language.code == "es"
    assert translator("pt-BR").language.code == "en"
    assert translator(None)("Before your visit") == "Before your visit"
