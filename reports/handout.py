"""The patient handout: report model -> PDF bytes, in plain language, one or two pages.

Order: an urgent message first when a red flag needs referral (instead of self-care), what is
most likely going on, the self-care the practitioner selected (each with a drawing, the steps
and how long / how often), the "get help today" / "emergency department now" box, and the
clinic's contact details.
"""

from __future__ import annotations

from reportlab.platypus import KeepTogether, Spacer, TableStyle

from reports.content import Handout, handout_text
from reports.exercises import exercise_drawing
from reports.pages import MARGIN, Letterhead, P, build_pdf
from reports.para import Grid, Para
from reports.rtl import RtlPara, visual_line
from reports.styles import PAPER, URGENCY_COLOURS, palette, styles
from reports.text import markup

__all__ = ["render_handout_model"]


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def render_handout_model(h: Handout, *, paper: str = "a4") -> bytes:
    rtl = h.rtl
    st = styles(h.header.clinic.accent, 1.05, rtl)
    p = palette(h.header.clinic.accent)
    width = PAPER[paper][0] - 2 * MARGIN if paper in PAPER else 0
    hd = h.header
    words = {**_ENGLISH, **h.labels}

    def drawing_words(text: str) -> str:
        return h.labels.get(f"drawing.{text}", text)

    def lead(label: str, text: str, style, colour: str | None = None):
        """A paragraph that starts with a lead-in (bold, or coloured); right to left, one run in the paragraph's face."""
        if rtl:
            return P(f"{words[label]} {text}", style)
        if colour:
            return P(text, style, prefix=f'<font color="{colour}"><b>{markup(words[label])}</b></font> ')
        return P(text, style, prefix=markup(words[label] + " "))

    def mirror(row: list) -> list:
        return row[::-1] if rtl else row

    right = [
        P(h.header.document, st.h1),
        P(hd.patient_name or "", st.body_bold) if hd.patient_name else Spacer(1, 0),
        P(hd.date + (f" · {hd.practitioner}" if hd.practitioner else ""), st.small),
    ]
    story: list = [Letterhead(hd, st, width, right, rtl=rtl), Spacer(1, 6)]

    if h.alert_title:
        colour = URGENCY_COLOURS["emergency" if h.referral == "emergency" else "urgent"]
        rows = [[P(h.alert_title, st.box_title)]] + [[P(line, st.body_bold if i == 0 else st.body)]
                                                      for i, line in enumerate(h.alert_body)]
        box = Grid(rows, colWidths=[width])
        box.setStyle(TableStyle([
            ("BACKGROUND", (0, 0), (-1, 0), colour),
            ("BACKGROUND", (0, 1), (-1, -1), p.danger_light),
            ("BOX", (0, 0), (-1, -1), 2, colour),
            ("LEFTPADDING", (0, 0), (-1, -1), 10),
            ("RIGHTPADDING", (0, 0), (-1, -1), 10),
            ("TOPPADDING", (0, 0), (-1, 0), 6),
            ("BOTTOMPADDING", (0, 0), (-1, 0), 6),
        ]))
        story += [box, Spacer(1, 4)]

    if h.likely:
        story.append(P(words["likely_title"], st.h1))
        for n, (label, explanation) in enumerate(h.likely):
            story.append(lead("most_likely" if n == 0 else "also_possible", _sentence_case(label), st.body_bold))
            story.append(P(explanation, st.body))
        story.append(P(words["likely_note"], st.small_muted))

    if h.personal_note:
        story += [P(words["note_title"], st.h2), P(h.personal_note, st.body)]
    story.append(P(words["home_title"], st.h1))
    if h.self_care_note:
        story.append(P(h.self_care_note, st.body))
    drawing_w = 88
    for item in h.self_care:
        text = [P(item.title, st.body_bold)]
        for n, step in enumerate(item.steps, start=1):
            text.append(_numbered(step, n, st.step, rtl))
        text.append(lead("dose_lead", item.dose, st.step, "#1e6b35"))
        row = Grid([mirror([exercise_drawing(item.drawing, drawing_w, hd.clinic.accent, drawing_words), text])],
                    colWidths=mirror([drawing_w + 12, width - drawing_w - 12]))
        row.setStyle(TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("RIGHTPADDING" if rtl else "LEFTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ("LINEBELOW", (0, 0), (-1, -1), 0.5, p.rule),
        ]))
        story.append(row)
    if h.self_care:
        story.append(P(words["stop_note"], st.small_muted))

    red, amber = URGENCY_COLOURS["emergency"], URGENCY_COLOURS["urgent"]
    emergency = [_bullet(x, st.bullet, rtl) for x in h.emergency_now] + [P(h.emergency_call, st.body_bold)]
    today = [_bullet(x, st.bullet, rtl) for x in h.seek_today] + [P(h.today_call, st.small)]
    safety = Grid(
        [mirror([P(h.emergency_title, st.box_title), P(h.seek_today_title, st.box_title)]), mirror([emergency, today])],
        colWidths=[width / 2, width / 2],
    )
    e, a = (1, 0) if rtl else (0, 1)  # the emergency box first where the reader starts: on the right, right to left
    safety.setStyle(TableStyle([
        ("BACKGROUND", (e, 0), (e, 0), red),
        ("BACKGROUND", (a, 0), (a, 0), amber),
        ("BACKGROUND", (e, 1), (e, 1), p.danger_light),
        ("BACKGROUND", (a, 1), (a, 1), p.caution_light),
        ("BOX", (e, 0), (e, -1), 1.6, red),
        ("BOX", (a, 0), (a, -1), 1.6, amber),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 8),
        ("RIGHTPADDING", (0, 0), (-1, -1), 8),
        ("TOPPADDING", (0, 0), (-1, -1), 5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
    ]))
    story += [Spacer(1, 8), KeepTogether([P(words["help_title"], st.h1), safety])]
    if h.sources:
        story.append(P(f"{words['sources_lead']} " + "; ".join(h.sources) + ".", st.small_muted))

    b = hd.clinic
    contact = []
    if h.next_appointment:
        contact.append(lead("next_appointment", h.next_appointment, st.body_bold))
    contact += [P(h.closing, st.body_bold), P(b.name, st.body)]
    if h.contact:
        contact.append(P(h.contact, st.body_bold))
    contact += [P(line, st.small) for line in b.contact_lines]
    if b.address:
        contact.append(P(", ".join(b.address), st.small))
    box = Grid([[contact]], colWidths=[width])
    box.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), p.accent_light),
                             ("RIGHTPADDING" if rtl else "LEFTPADDING", (0, 0), (-1, -1), 10),
                             ("TOPPADDING", (0, 0), (-1, -1), 6), ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]))
    closing = [box, Spacer(1, 4), P(h.plain_disclaimer, st.small_muted)]
    if h.translation_note:
        closing.append(P(h.translation_note, st.small_muted))
    story += [Spacer(1, 8), KeepTogether(closing)]
    disclaimer = f"{h.disclaimer} {h.translation_note}" if h.translation_note else h.disclaimer
    return build_pdf(
        story,
        header=hd,
        st=styles(hd.clinic.accent, 1.0, rtl),
        paper=paper,
        title=words["pdf_title"],
        subject=words["pdf_subject"],
        disclaimer=disclaimer,
        running_title=words["running_title"],
        language="en-GB" if h.language == "en" else h.language,
        page_label=words["page"],
        patient_label=words["patient"],
        case_label=words["case"],
        rtl=rtl,
    )


#: The handout's headings in English (handout_text.yaml ``labels``), for a model made without them.
_ENGLISH = handout_text()["labels"]


def _bullet(text: str, style, rtl: bool = False) -> Para:
    if rtl:
        return RtlPara(markup(text, rtl=True), style, bulletText="\u2022")
    return Para(markup(text), style, bulletText="\u2022")


def _numbered(text: str, n: int, style, rtl: bool) -> Para:
    if rtl:  # "1." as a right-to-left reader sees it beside the line: the full stop on the number's left
        return RtlPara(markup(text, rtl=True), style, bulletText=visual_line(f"{n}."))
    return Para(markup(text), style, bulletText=f"{n}.")
