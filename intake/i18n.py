"""The patient's language: gettext catalogues (Babel) for the patient's own pages and handout.

Message ids are the English text. A catalogue is read once per process from
intake/locale/<code>/LC_MESSAGES/patient.po; a message it lacks is shown in English (and the page
says so), never machine-translated. `patient.language` is a BCP 47 tag: ``pt-BR`` falls back to
``pt``, then to English. The clinician screens stay in the clinic's language (English).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from babel.messages.pofile import read_po

__all__ = [
    "LOCALE_DIR",
    "Language",
    "Translator",
    "languages",
    "message_ids",
    "patient_form",
    "resolve",
    "translator",
]

LOCALE_DIR = Path(__file__).parent / "locale"
FORM_FILE = Path(__file__).parent / "knowledge" / "patient_form.yaml"
DOMAIN = "patient"


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    native: str
    direction: str  # ltr | rtl
    reviewed: bool


@lru_cache(maxsize=1)
def languages() -> dict[str, Language]:
    raw = yaml.safe_load((LOCALE_DIR / "languages.yaml").read_text(encoding="utf-8"))["languages"]
    return {code: Language(code=code, name=v["name"], native=v["native"], direction=v["direction"], reviewed=bool(v["reviewed"]))
            for code, v in raw.items()}


@lru_cache(maxsize=1)
def patient_form() -> dict[str, dict[str, str]]:
    """The pre-visit form's questions and options (English message ids), by section and key."""
    return yaml.safe_load(FORM_FILE.read_text(encoding="utf-8"))


@lru_cache(maxsize=16)
def _catalogue(code: str) -> dict[str, str]:
    path = LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=code)
    # A singular message (a str id) has a str translation; plural ones (tuple ids) are not used here.
    return {m.id: m.string for m in catalog
            if m.id and isinstance(m.id, str) and m.string and isinstance(m.string, str) and not m.fuzzy}


@lru_cache(maxsize=1)
def message_ids() -> frozenset[str]:
    """Every message the patient's pages can show (intake/locale/patient.pot, from scripts/extract_patient_messages.py)."""
    with (LOCALE_DIR / f"{DOMAIN}.pot").open("rb") as handle:
        return frozenset(m.id for m in read_po(handle) if m.id and isinstance(m.id, str))


def resolve(tag: str | None) -> str:
    """The catalogue for a BCP 47 tag: exact, then the base language, then English."""
    known = languages()
    tag = (tag or "en").strip()
    for candidate in (tag, tag.split("-")[0].lower()):
        if candidate in known:
            return candidate
    return "en"


@dataclass(frozen=True)
class Translator:
    language: Language
    messages: dict[str, str]

    def __call__(self, text: str, **values: object) -> str:
        """The message in this language (English where the catalogue lacks it), with {values} filled."""
        out = self.messages.get(text, text) if self.language.code != "en" else text
        return out.format(**values) if values else out

    def missing(self, texts: list[str] | frozenset[str] | None = None) -> list[str]:
        """The messages (all of the patient pages' by default) this catalogue lacks: shown in English."""
        wanted = message_ids() if texts is None else texts
        return [] if self.language.code == "en" else sorted(t for t in wanted if t not in self.messages)

    @property
    def rtl(self) -> bool:
        return self.language.direction == "rtl"

    def review_note(self) -> str:
        """The footer every translated page carries: whether a fluent clinician has reviewed it."""
        if self.language.code == "en":
            return ""
        partly = self.missing()
        gaps = " " + self("Some parts are not yet translated and are shown in English.") if partly else ""
        if self.language.reviewed:
            return self("This translation has been reviewed by a clinician fluent in {language}.", language=self.language.native) + gaps
        return self("This translation has not yet been reviewed by a clinician fluent in {language}.",
                    language=self.language.native) + gaps


def translator(tag: str | None) -> Translator:
    code = resolve(tag)
    return Translator(language=languages()[code], messages=_catalogue(code) if code != "en" else {})
