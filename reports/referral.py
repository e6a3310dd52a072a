"""The referral letter: one signed page a receiving clinician can act on and call back from.

Laid out from the report model's `Letter` (content.py decides every word). The same page is the
stand-alone referral document and, for an emergency or urgent referral, page 1 of the clinician
summary. Whatever the case holds, the page stays one page: the body shrinks to fit rather than
dropping a red flag or running over.
"""

from __future__ import annotations

from reportlab.platypus import KeepInFrame, Spacer, TableStyle

from reports.content import Header, Letter, handout_text
from reports.pages import BOTTOM, MARGIN, TOP, Letterhead, NoRunningHeader, P, build_pdf
from reports.para import Grid, Para
from reports.styles import BOLD, PAPER, URGENCY_COLOURS, Styles, palette, styles
from reports.text import markup

__all__ = ["letter_page", "render_letter_model"]


def _badge(text: str, colour) -> str:
    hexa = colour.hexval()[2:]
    return f'<font name="{BOLD}" color="#{hexa}">{markup(text.upper(), BOLD)}</font>'


def _cites(citations: tuple[str, ...]) -> str:
    return "; ".join(citations) if citations else "no source recorded"


def _section(title: str, text: str, st: Styles) -> list:
    return [P(title, st.small_bold), P(text, st.cell), Spacer(1, 3)]


def _conditions(letter: Letter) -> str:
    names = [f.label[:1].lower() + f.label[1:] if f.label[1:2].islower() else f.label for f in letter.flags]
    names = list(dict.fromkeys(names))
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _body(h: Header, letter: Letter, st: Styles, width: float) -> list:
    words = handout_text()["letter"]
    p = palette(h.clinic.accent)
    colour = URGENCY_COLOURS[letter.urgency]
    meta = Grid(
        [
            [P("To", st.cell_bold), P(letter.refer_to, st.body_bold)],
            [P("Urgency", st.cell_bold), Para(_badge(letter.urgency_text, colour), st.body)],
            [P("Suspected", st.cell_bold), P("; ".join(dict.fromkeys(f.label for f in letter.flags)), st.body_bold)],
            [P("Patient", st.cell_bold), P(h.patient_name or "Name not recorded", st.body,
                                          suffix=f" <font color='#5b6570'>({markup(h.patient_line)})</font>")],
        ] + ([[P("Reference", st.cell_bold), P(h.case_ref, st.body)]] if h.case_ref else []),
        colWidths=[70, width - 70],
    )
    meta.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBEFORE", (0, 0), (0, -1), 3, colour),
        ("BACKGROUND", (0, 0), (-1, -1), p.shade),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    urgency = letter.urgency_text[:1].lower() + letter.urgency_text[1:]
    out: list = [meta, Spacer(1, 8), P("Dear colleague,", st.body)]
    out.append(P(words["opening"].format(when=h.when or h.date, conditions=_conditions(letter), urgency=urgency), st.body))
    out += _section(words["complaint_title"], f"{letter.complaint} {letter.onset_duration}.", st)
    out.append(P(words["raised_title"], st.small_bold))
    for f in letter.findings:
        out.append(Para(markup(f), st.cell, bulletText="\u2022"))
    for flag in letter.flags:
        out.append(P(flag.note, st.cell, prefix=f"<i>{markup(flag.label)}:</i> ",
                     suffix=f" <font color='#5b6570'>({markup(_cites(flag.citations))})</font>"))
    out.append(Spacer(1, 3))
    if letter.also_raised:
        also = "; ".join(f"{f.label} ({f.urgency_text.split(':')[0].lower()}, {f.refer_to.rstrip('.')})" for f in letter.also_raised)
        out += _section(words["also_title"], also, st)
    out += _section(words["negative_title"], ", ".join(letter.asked_negative) or words["nothing_negative"], st)
    out += _section(words["not_asked_title"], ", ".join(letter.not_asked) or words["nothing_unasked"], st)
    if letter.other_findings:
        out += _section(words["other_title"], "; ".join(letter.other_findings), st)
    out.append(P(words["deferral"], st.body))
    phone = h.clinic.phone
    out.append(P(words["call_back"].format(phone=phone) if phone else words["call_back_missing"], st.body_bold))
    out.append(P("Yours sincerely,", st.body))
    out.append(Spacer(1, 18))
    signer = [
        [P("Signed", st.cell_bold), P("", st.cell)],
        [P("Name", st.cell_bold), P(h.practitioner or "", st.body)],
        [P("Registration", st.cell_bold), P(h.registration or "", st.body)],
        [P("Clinic", st.cell_bold), P(" · ".join([h.clinic.name, *h.clinic.address]), st.cell)],
        [P("Phone", st.cell_bold), P(phone or "", st.body_bold)],
        [P("Assessed", st.cell_bold), P(h.when or h.date, st.body)],
    ]
    sign = Grid(signer, colWidths=[80, width * 0.62], hAlign="LEFT")
    blank = [0] + [i for i, value in ((1, h.practitioner), (2, h.registration), (4, phone)) if not value]
    sign.setStyle(TableStyle(
        [("VALIGN", (0, 0), (-1, -1), "BOTTOM"), ("TOPPADDING", (0, 0), (-1, -1), 4),
         ("BOTTOMPADDING", (0, 0), (-1, -1), 1), ("LEFTPADDING", (0, 0), (-1, -1), 0)]
        + [("LINEBELOW", (1, i), (1, i), 0.6, p.ink) for i in blank]
    ))
    return [*out, sign]


def letter_page(h: Header, letter: Letter, st: Styles, paper: str) -> list:
    """One page: the letterhead, the letter and the signature, shrunk to fit when the case holds a lot."""
    width, height = PAPER[paper][0] - 2 * MARGIN, PAPER[paper][1] - TOP - BOTTOM - 12
    right = [P("Referral letter", st.title), P(h.when or h.date, st.subtitle)]
    content = [Letterhead(h, st, width, right), Spacer(1, 8), *_body(h, letter, st, width)]
    return [NoRunningHeader(), KeepInFrame(width, height, content, mode="shrink", name="referral letter")]


def render_letter_model(h: Header, letter: Letter, disclaimer: str, *, paper: str = "a4") -> bytes:
    """The referral letter alone, as PDF bytes: always exactly one page."""
    if paper not in PAPER:
        raise ValueError(f"paper must be one of {', '.join(PAPER)}, got {paper!r}")
    st = styles(h.clinic.accent)
    who = h.case_ref or "case"
    return build_pdf(
        letter_page(h, letter, st, paper),
        header=h,
        st=st,
        paper=paper,
        title=f"Referral letter: {who}",
        subject=f"Referral ({letter.urgency}) to {letter.refer_to} (reasoning aid, not a diagnosis)",
        disclaimer=disclaimer,
        running_title="Referral letter",
    )
