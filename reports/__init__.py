"""PDF clinician summary and patient handout, from one case and its assessment.

Three layers: `content` turns case + assessment + knowledge base into a plain-data report
model, `summary` / `handout` lay that model out with ReportLab, `styles` and `text` hold the
fonts and the only code that turns typed text into Paragraph markup. Same input, same bytes.
"""

from __future__ import annotations

import datetime as dt

from intake.errors import InvalidInput
from intake.knowledge import KnowledgeBase, load_knowledge
from intake.models import Assessment, Case
from reports.branding import Branding, BrandingError, load_branding
from reports.content import build_handout, build_summary
from reports.handout import render_handout_model
from reports.referral import render_letter_model
from reports.summary import render_summary_model

__all__ = ["Branding", "BrandingError", "NoReferral", "load_branding", "render_handout", "render_referral", "render_summary"]


class NoReferral(InvalidInput):
    """No red flag in this assessment needs a referral, so there is no letter to write."""


def _paper(paper: str | None, branding: Branding) -> str:
    chosen = (paper or branding.paper).lower()
    if chosen not in ("a4", "letter"):
        raise ValueError(f"paper must be 'a4' or 'letter', got {paper!r}")
    return chosen


def render_summary(
    case: Case,
    assessment: Assessment,
    *,
    paper: str | None = None,
    practitioner: str | None = None,
    registration: str | None = None,
    date: dt.date | str | None = None,
    branding: Branding | None = None,
    kb: KnowledgeBase | None = None,
    previous_outcomes: dict | None = None,
) -> bytes:
    """The clinician summary as PDF bytes (with one referral letter page per service when red flags need one).

    `paper` is "a4" or "letter" (default: the clinic configuration, else A4); `date` defaults to
    today (a datetime also prints the time, in the clinic's time zone); `practitioner` and
    `registration` override the clinic configuration's; `branding` defaults to `load_branding()`,
    which may raise `BrandingError` naming the bad field.
    """
    branding = branding or load_branding()
    model = build_summary(case, assessment, kb or load_knowledge(), branding, date=date, practitioner=practitioner,
                          previous_outcomes=previous_outcomes, registration=registration)
    return render_summary_model(model, paper=_paper(paper, branding))


def render_referral(
    case: Case,
    assessment: Assessment,
    *,
    paper: str | None = None,
    practitioner: str | None = None,
    registration: str | None = None,
    date: dt.date | str | None = None,
    branding: Branding | None = None,
    kb: KnowledgeBase | None = None,
) -> bytes:
    """The referral letter as PDF bytes: one signed page to the most urgent service (red flags sent
    elsewhere are named on it). Raises `NoReferral` when no red flag needs a referral."""
    branding = branding or load_branding()
    model = build_summary(case, assessment, kb or load_knowledge(), branding, date=date, practitioner=practitioner,
                          registration=registration)  # the letter is the summary's own page, laid out alone
    if not model.letters:
        raise NoReferral("no red flag in this assessment needs a referral, so there is no referral letter")
    return render_letter_model(model.header, model.letters[0], model.disclaimer, paper=_paper(paper, branding))


def render_handout(
    case: Case,
    assessment: Assessment,
    *,
    paper: str | None = None,
    practitioner: str | None = None,
    registration: str | None = None,
    date: dt.date | str | None = None,
    branding: Branding | None = None,
    kb: KnowledgeBase | None = None,
    self_care: list[str] | None = None,
    doses: dict[str, str] | None = None,
    personal_note: str | None = None,
    next_appointment: str | None = None,
    contact: str | None = None,
) -> bytes:
    """The patient handout as PDF bytes: plain language, chosen self-care, when to seek help.

    `self_care` lists the therapy ids the practitioner chose (default: the suggested items the findings
    do not argue against); withheld items are never printed, whatever is chosen. `doses` replaces
    an item's dose; the personal note, next appointment and contact line are printed as typed.
    """
    branding = branding or load_branding()
    model = build_handout(case, assessment, kb or load_knowledge(), branding, date=date, practitioner=practitioner,
                          self_care=self_care, registration=registration, doses=doses, personal_note=personal_note,
                          next_appointment=next_appointment, contact=contact)
    return render_handout_model(model, paper=_paper(paper, branding))
