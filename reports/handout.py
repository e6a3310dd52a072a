"""The patient handout: report model -> PDF bytes, in plain language, one or two pages.

Order: an urgent message first when a red flag needs referral (instead of self-care), what is
most likely going on, the self-care the practitioner selected (each with a drawing, the steps
and how long / how often), the "get help today" / "emergency department now" box, and the
clinic's contact details.
"""

from __future__ import annotations

from reportlab.platypus import KeepTogether, Spacer, TableStyle

from reports.content import Handout
from reports.exercises import exercise_drawing
from reports.pages import MARGIN, Letterhead, P, build_pdf
from reports.para import Grid, Para
from reports.styles import PAPER, URGENCY_COLOURS, palette, styles
from reports.text import markup

__all__ = ["render_handout_model"]


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def render_handout_model(h: Handout, *, paper: str = "a4") -> bytes:
    st = styles(h.header.clinic.accent, 1.05)
    p = palette(h.header.clinic.accent)
    width = PAPER[paper][0] - 2 * MARGIN if paper in PAPER else 0
    hd = h.header
    right = [
        P(h.header.document, st.h1),
        P(hd.patient_name or "", st.body_bold) if hd.patient_name else Spacer(1, 0),
        P(hd.date + (f" · {hd.practitioner}" if hd.practitioner else ""), st.small),
    ]
    story: list = [Letterhead(hd, st, width, right), Spacer(1, 6)]

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
        story.append(P("What is most likely going on", st.h1))
        for n, (label, explanation) in enumerate(h.likely):
            lead = "Most likely: " if n == 0 else "Also possible: "
            story.append(P(_sentence_case(label), st.body_bold, prefix=lead))
            story.append(P(explanation, st.body))
        story.append(P("Your physiotherapist worked this out from your answers and the tests they did. It is their best "
                       "judgement, not a final answer, and it can change as you get better.", st.small_muted))

    if h.personal_note:
        story += [P("A note from your physiotherapist", st.h2), P(h.personal_note, st.body)]
    story.append(P("What you can do at home", st.h1))
    if h.self_care_note:
        story.append(P(h.self_care_note, st.body))
    drawing_w = 88
    for item in h.self_care:
        text = [P(item.title, st.body_bold)]
        for n, step in enumerate(item.steps, start=1):
            text.append(Para(markup(step), st.step, bulletText=f"{n}."))
        text.append(P(item.dose, st.step, prefix='<font color="#1e6b35"><b>How long and how often:</b></font> '))
        row = Grid([[exercise_drawing(item.drawing, drawing_w, hd.clinic.accent), text]],
                    colWidths=[drawing_w + 12, width - drawing_w - 12])
        row.setStyle(TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ("LINEBELOW", (0, 0), (-1, -1), 0.5, p.rule),
        ]))
        story.append(row)
    if h.self_care:
        story.append(P("Stop an exercise and tell your physiotherapist if it makes the pain much worse or brings on pain "
                       "down the leg. Mild discomfort that settles within a day is normal.", st.small_muted))

    red, amber = URGENCY_COLOURS["emergency"], URGENCY_COLOURS["urgent"]
    emergency = [_bullet(x, st.bullet) for x in h.emergency_now] + [P(h.emergency_call, st.body_bold)]
    today = [_bullet(x, st.bullet) for x in h.seek_today] + [P(h.today_call, st.small)]
    safety = Grid(
        [[P(h.emergency_title, st.box_title), P(h.seek_today_title, st.box_title)], [emergency, today]],
        colWidths=[width / 2, width / 2],
    )
    safety.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (0, 0), red),
        ("BACKGROUND", (1, 0), (1, 0), amber),
        ("BACKGROUND", (0, 1), (0, 1), p.danger_light),
        ("BACKGROUND", (1, 1), (1, 1), p.caution_light),
        ("BOX", (0, 0), (0, -1), 1.6, red),
        ("BOX", (1, 0), (1, -1), 1.6, amber),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 8),
        ("RIGHTPADDING", (0, 0), (-1, -1), 8),
        ("TOPPADDING", (0, 0), (-1, -1), 5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
    ]))
    story += [Spacer(1, 8), KeepTogether([P("When to get help", st.h1), safety])]
    if h.sources:
        story.append(P("Based on NHS guidance: " + "; ".join(h.sources) + ".", st.small_muted))

    b = hd.clinic
    contact = []
    if h.next_appointment:
        contact.append(P(h.next_appointment, st.body_bold, prefix="Your next appointment: "))
    contact += [P(h.closing, st.body_bold), P(b.name, st.body)]
    if h.contact:
        contact.append(P(h.contact, st.body_bold))
    contact += [P(line, st.small) for line in b.contact_lines]
    if b.address:
        contact.append(P(", ".join(b.address), st.small))
    box = Grid([[contact]], colWidths=[width])
    box.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), p.accent_light), ("LEFTPADDING", (0, 0), (-1, -1), 10),
                             ("TOPPADDING", (0, 0), (-1, -1), 6), ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]))
    story += [Spacer(1, 8), KeepTogether([box, Spacer(1, 4), P(h.plain_disclaimer, st.small_muted)])]
    return build_pdf(
        story,
        header=hd,
        st=styles(hd.clinic.accent),
        paper=paper,
        title="Patient handout: your visit and self-care",
        subject="Plain-language summary, self-care and when to get help",
        disclaimer=h.disclaimer,
        running_title="Patient handout",
    )


def _bullet(text: str, style) -> Para:
    return Para(markup(text), style, bulletText="\u2022")
