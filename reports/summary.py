"""The clinician summary: report model -> PDF bytes (ReportLab platypus).

Reading order: page 1 is an overview (red flags boxed first, every raised flag whatever its
urgency; precautions; the impression as one line per origin; key positive and negative findings
and the tests not done; the plan with what is withheld; safety-netting). The appendix follows:
the ranked differential with each step's source and estimated probability, body chart, findings
table, muscles, therapy (suggested and withheld), gaps, notes, references, the disclaimer, and one referral letter page per receiving service: the most urgent one first, as
page 1, when an emergency or urgent referral decides the visit.
"""

from __future__ import annotations

from functools import lru_cache

from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import CondPageBreak, KeepTogether, PageBreak, Spacer, TableStyle

from intake.policy.visit import red_flag_decides
from reports.bodychart import body_chart
from reports.content import FindingGroup, Step, Summary
from reports.outcomes import OutcomeLine
from reports.pages import MARGIN, Letterhead, P, build_pdf
from reports.para import Grid, Para
from reports.recorded import Recorded
from reports.referral import letter_page
from reports.styles import BOLD, COVERAGE, ITALIC, PAPER, REGULAR, URGENCY_COLOURS, Styles, palette, styles
from reports.text import markup

__all__ = ["render_summary_model"]

_LIKELIHOOD_COLOURS = {"likely": "#1e6b35", "possible": "#8a6d00", "unlikely": "#5b6570"}


def _badge(text: str, colour) -> str:
    hexa = colour.hexval()[2:] if hasattr(colour, "hexval") else colour.lstrip("#")
    return f'<font name="{BOLD}" color="#{hexa}">{markup(text.upper(), BOLD)}</font>'


def _cites(citations: tuple[str, ...]) -> str:
    return "; ".join(citations) if citations else "no source recorded"


def _outcome_section(lines: tuple[OutcomeLine, ...], st, width: float) -> list:
    """The outcome measures (nothing when no measure was completed)."""
    if not lines:
        return []
    out: list = [CondPageBreak(80), P("Outcome measures", st.h1)]
    for line in lines:
        extra = " · ".join(x for x in (line.title, line.reported) if x)
        out.append(P(line.interpretation + (f" ({extra})" if extra else ""), st.body))
        for text in line.changes:
            out.append(P(f"Since the previous visit: {text}", st.body))
        if line.plan:
            out.append(P(f"Plan: {line.plan}", st.body))
        out.append(P(f"{line.attribution} Sources: {'; '.join(line.citations)}.", st.small))
    return out


def _step_markup(step: Step) -> str:
    text = markup(step.summary)
    if step.findings:
        text += f' <font color="#5b6570">({markup(", ".join(step.findings))})</font>'
    if not step.counted:
        covered = f": {markup(step.covered_by)}" if step.covered_by else ""
        text += f' <i><font color="#5b6570">not counted, already covered by a stronger finding{covered}</font></i>'
    return text


def _red_flag_box(s: Summary, st: Styles, width: float) -> list:
    p = palette(s.header.clinic.accent)
    if not s.red_flags:
        rows: list[list] = [[P(f"Red flags: none raised · {s.referral_text}", st.h2)], [P(s.no_red_flag_note, st.body)]]
        style: list[tuple] = [
            ("BOX", (0, 0), (-1, -1), 0.8, p.rule),
            ("BACKGROUND", (0, 0), (-1, -1), p.ok_light),
            ("LEFTPADDING", (0, 0), (-1, -1), 8),
            ("RIGHTPADDING", (0, 0), (-1, -1), 8),
        ]
        if s.red_flag_gaps:
            rows.append([P(", ".join(s.red_flag_gaps), st.body,
                           prefix="<b>Red-flag questions not asked</b> (a gap to fill, not a negative): ")])
            style.append(("BACKGROUND", (0, len(rows) - 1), (-1, len(rows) - 1), p.caution_light))
        table = Grid(rows, colWidths=[width])
        table.setStyle(TableStyle(style))
        return [table]

    top = s.red_flags[0].urgency
    colour = URGENCY_COLOURS[top] if s.referral != "none" else URGENCY_COLOURS["monitor"]
    count = len(s.red_flags)
    title = f"RED FLAGS ({count}) · {s.referral_text.upper()}"
    rows = [[P(title, st.box_title)]]
    style = [
        ("BACKGROUND", (0, 0), (-1, 0), colour),
        ("BOX", (0, 0), (-1, -1), 1.6, colour),
        ("LEFTPADDING", (0, 0), (-1, -1), 8),
        ("RIGHTPADDING", (0, 0), (-1, -1), 8),
        ("TOPPADDING", (0, 0), (-1, 0), 5),
        ("BOTTOMPADDING", (0, 0), (-1, 0), 5),
    ]
    label_w = 92
    for flag in s.red_flags:
        ucol = URGENCY_COLOURS[flag.urgency]
        inner = Grid(
            [
                [Para(f"<b>{markup(flag.label)}</b>&nbsp;&nbsp;&nbsp;{_badge(flag.urgency_text, ucol)}", st.body), ""],
                [P("Raised by", st.cell_bold), P(", ".join(flag.findings), st.cell)],
                [P("Refer to", st.cell_bold), P(flag.refer_to, st.cell_bold)],
                [P("Why", st.cell_bold), P(flag.note, st.cell)],
                [P("Source", st.cell_bold), P(_cites(flag.citations), st.small_muted)],
            ],
            colWidths=[label_w, width - 16 - label_w],
        )
        inner.setStyle(TableStyle([
            ("SPAN", (0, 0), (1, 0)),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 1),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ("LINEBEFORE", (0, 0), (0, -1), 3, ucol),
            ("LEFTPADDING", (0, 0), (0, -1), 6),
            ("BOTTOMPADDING", (0, 0), (-1, 0), 3),
        ]))
        rows.append([inner])
        n = len(rows) - 1
        style += [
            ("BACKGROUND", (0, n), (-1, n), p.danger_light if red_flag_decides(flag.urgency) else p.shade),
            ("TOPPADDING", (0, n), (-1, n), 6),
            ("BOTTOMPADDING", (0, n), (-1, n), 6),
            ("LINEBELOW", (0, n), (-1, n), 0.5, colors.white),
        ]
    if s.red_flag_gaps:
        rows.append([P(", ".join(s.red_flag_gaps), st.cell,
                       prefix="<b>Red-flag questions not asked</b> (a gap, not a negative): ")])
        style.append(("BACKGROUND", (0, len(rows) - 1), (-1, len(rows) - 1), p.caution_light))
    table = Grid(rows, colWidths=[width])
    table.setStyle(TableStyle(style))
    return [table]


def _overview(s: Summary, st: Styles, width: float) -> list:
    """Page 1 for a colleague in 30 seconds: the impression, the findings that matter, the plan."""
    # Provisional only when a red flag decides the visit (differential_provisional): never a blanket hedge.
    out: list = [P("Impression (provisional)" if s.provisional_note else "Impression", st.h1)]
    if s.deciding:
        out.append(P(s.deciding, st.body_bold))
    if not s.origins:
        out.append(P("No origin was ranked (the red flags decide this visit).", st.body))
    for origin in s.origins:
        lc = _LIKELIHOOD_COLOURS[origin.likelihood]
        lead = next((x.summary for x in origin.steps_for if x.counted), None)
        why = f' <font color="#5b6570">· {markup(lead)}</font>' if lead and origin.likelihood != "unlikely" else ""
        out.append(Para(f'<b>{origin.rank}. {markup(origin.label)}</b>  '
                        f'<font name="{BOLD}" color="{lc}">{origin.likelihood.upper()}</font>{why}', st.cell))
    out += [Spacer(1, 2), P("The reasoning behind each origin, with its sources and estimated probabilities, is in the "
                            "appendix.", st.small_muted)]
    out.append(P("Key findings", st.h2))
    out.append(P(", ".join(s.key_positive) or "none recorded", st.cell, prefix="<b>Positive:</b> "))
    out.append(P(", ".join(s.key_negative) or "none recorded", st.cell, prefix="<b>Negative:</b> "))
    if s.not_tested:
        out.append(P(", ".join(s.not_tested), st.cell, prefix='<font color="#5b6570"><b>Not tested:</b> ', suffix="</font>"))
    if s.muscles:
        out.append(P(", ".join(m.label for m in s.muscles), st.cell, prefix="<b>Suspected muscles:</b> "))
    out.append(P("Plan", st.h2))
    offered = [t.label for t in s.therapies if not t.withheld]
    by_reason: dict[str, list[str]] = {}  # one line per reason, however many treatments it withholds
    for t in s.therapies:
        if t.withheld:
            by_reason.setdefault(t.withheld_reason or "withheld", []).append(t.label)
    for w in s.withheld:
        by_reason.setdefault(w.reason, []).append(f"all {w.label.lower()}")
    out.append(P("; ".join(offered) or "no treatment suggested by the answers given", st.cell, prefix="<b>Suggested:</b> "))
    for reason, labels in by_reason.items():
        out.append(P(f"{'; '.join(labels)}. {reason}", st.cell, prefix='<font color="#b3261e"><b>Withheld:</b></font> '))
    out += [P("Safety-netting", st.h2), P(s.safety_net, st.cell)]
    return out


def _precautions(s: Summary, st: Styles, width: float) -> list:
    if not s.precautions:
        return []
    p = palette(s.header.clinic.accent)
    rows = [[P("Precautions", st.body_bold)]] + [[P(x, st.cell, prefix="• ")] for x in s.precautions]
    table = Grid(rows, colWidths=[width])
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, -1), p.caution_light),
        ("BOX", (0, 0), (-1, -1), 0.6, URGENCY_COLOURS["routine"]),
        ("LEFTPADDING", (0, 0), (-1, -1), 8),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]))
    return [Spacer(1, 6), table]


def _differential(s: Summary, st: Styles, width: float) -> list:
    p = palette(s.header.clinic.accent)
    heading = "Differential: where the pain most likely comes from"
    out: list = [P(heading + (" (provisional)" if s.provisional_note else ""), st.h1)]
    if not s.origins:
        out.append(P("No origin was ranked (the red flags decide this visit).", st.body))
        return out
    if s.provisional_note:
        out.append(Para(f'<font name="{BOLD}" color="#b3261e">{markup(s.provisional_note)}</font>', st.body))
    if s.coexistence_note:
        out.append(P(s.coexistence_note, st.body))
    w = [16, width - 16 - 52 - 118, 52, 118]
    rows: list[list] = [[P("", st.cell_head), P("Reasoning step (findings)", st.cell_head),
                         P("Weight", st.cell_head), P("Source", st.cell_head)]]
    style: list[tuple] = [
        ("BACKGROUND", (0, 0), (-1, 0), p.accent),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    for origin in s.origins:
        lc = _LIKELIHOOD_COLOURS[origin.likelihood]
        head = (f'<b>{origin.rank}. {markup(origin.label)}</b>   '
                f'<font name="{BOLD}" color="{lc}">{origin.likelihood.upper()}</font>'
                f'<font color="#5b6570">   estimated probability {origin.probability}</font>')
        rows.append([Para(head, st.body), "", "", ""])
        n = len(rows) - 1
        style += [("SPAN", (0, n), (-1, n)), ("BACKGROUND", (0, n), (-1, n), p.accent_light),
                  ("TOPPADDING", (0, n), (-1, n), 4), ("LINEABOVE", (0, n), (-1, n), 0.6, p.accent)]
        steps = [("+", "#1e6b35", x) for x in origin.steps_for] + [("−", "#b3261e", x) for x in origin.steps_against]
        if not steps:
            rows.append(["", P("No finding moved this origin from its starting estimate.", st.small_muted), "", ""])
        for sign, colour, step in steps:
            grey = "" if step.counted else ' color="#8a939c"'
            rows.append([
                Para(f'<font name="{BOLD}" color="{colour}">{sign}</font>', st.cell),
                Para(_step_markup(step), st.cell),
                Para(f"<font{grey}>{markup(step.weight)}</font>", st.cell),
                P(_cites(step.citations), st.small_muted),
            ])
    table = Grid(rows, colWidths=w, repeatRows=1)
    table.setStyle(TableStyle(style))
    out += [table, Spacer(1, 2),
            P("Weight: LR+ / LR− are published likelihood ratios; × / ÷ are clinical rules without a published figure. "
              "Probabilities are estimates from the answers given, not measured risks.", st.small_muted)]
    return out


@lru_cache(maxsize=128)
def _chart(pain_sites: tuple[str, ...], muscle_zones: tuple[str, ...], side: str | None) -> Recorded:
    """The body chart for these regions, built (and its drawing recorded) once per process: a Drawing is a pure
    function of them and drawing it onto any number of documents only reads it."""
    return Recorded(body_chart(pain_sites, muscle_zones, side, height=205))


def _body_chart(s: Summary, st: Styles, width: float) -> list:
    drawing = _chart(tuple(s.pain_sites), tuple(s.muscle_zones), s.side)
    muscles = ", ".join(m.label for m in s.muscles) or "none suspected"
    side = {"left": "left side", "right": "right side", "bilateral": "both sides"}.get(s.side or "", "side not recorded")
    text = [
        P("Body chart", st.h2),
        P(", ".join(s.pain_site_labels) or "not recorded", st.cell, prefix="<b>Pain sites</b> (" + side + "): "),
        Spacer(1, 3),
        P(muscles, st.cell, prefix="<b>Suspected muscles</b>: "),
        Spacer(1, 3),
        P("Red shading marks where the patient feels pain, on the side of the main symptoms. A purple dashed outline "
          "marks where the suspected muscles can refer pain (Travell & Simons 1992). Front view: the patient's right "
          "is on your left.", st.small_muted),
    ]
    table = Grid([[drawing, text]], colWidths=[drawing.width + 14, width - drawing.width - 14])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return [table]


@lru_cache(maxsize=4096)
def _fits(text: str, width: float, font: str = REGULAR, size: float = 8) -> bool:
    """Whether product text can be a plain table cell (one line, every glyph in `font`): much faster than a Paragraph."""
    return "\n" not in text and all(ord(c) in COVERAGE[font] for c in text) and stringWidth(text, font, size) <= width - 8


_STATE_FONT = {"positive": (BOLD, "#b3261e"), "negative": (REGULAR, "#3b4650"), "not_asked": (ITALIC, "#8a939c"), "value": (REGULAR, "#1b1f24")}


_STATE_STYLE = {
    "positive": ('<font name="{bold}" color="#b3261e">', "</font>"),
    "negative": ('<font color="#3b4650">', "</font>"),
    "not_asked": ('<i><font color="#8a939c">', "</font></i>"),
    "value": ("", ""),
}


def _findings(s: Summary, st: Styles, width: float) -> list:
    p = palette(s.header.clinic.accent)
    out: list = [CondPageBreak(160), P("Findings", st.h1),
                 P("Every question and test, as recorded. Not asked / not tested is shown as such and never read as negative.",
                   st.small_muted), Spacer(1, 3)]
    lw, vw = width * 0.34, width * 0.16
    groups: list[FindingGroup] = list(s.findings)
    for group in groups:
        # tests not done are one line below the tables, not a row each
        group = FindingGroup(group.title, tuple(r for r in group.rows if r.value != "not tested"))
        if not group.rows:
            continue
        rows: list[list] = [[P(group.title, st.cell_head), "", "", ""]]
        cells: list[tuple] = []
        spans: list[tuple] = []
        fonts: list[tuple] = []
        for r in group.rows:
            font, colour = _STATE_FONT[r.state]
            label = r.label if _fits(r.label, lw) else P(r.label, st.cell)
            if r.state == "value" and len(r.value) > 22:
                open_, close = _STATE_STYLE[r.state]
                value: str | Para = Para(open_.format(bold=BOLD) + markup(r.value) + close, st.cell)
                rows.append([label, value, "", ""])  # long lists get the full width
                spans.append(("SPAN", (1, len(rows) - 1), (3, len(rows) - 1)))
            else:
                value = r.value if _fits(r.value, vw, font) else P(r.value, st.cell)
                cells.append((label, value, font, colour, len(cells)))
        half = (len(cells) + 1) // 2
        faces: dict[int, list[tuple[int, str, str]]] = {1: [], 3: []}  # column -> (row, font, colour) of each value
        for i in range(half):
            left = cells[i]
            right = cells[i + half] if i + half < len(cells) else ("", "", REGULAR, "#1b1f24", -1)
            rows.append([left[0], left[1], right[0], right[1]])
            n = len(rows) - 1
            for col, cell in ((1, left), (3, right)):
                faces[col].append((n, cell[2], cell[3]))
        for col, column in faces.items():  # one FONT / TEXTCOLOR command per run of rows alike (the same cells, fewer commands)
            start = 0
            for end in range(1, len(column) + 1):
                if end == len(column) or column[end][1:] != column[start][1:]:
                    first, last, (_, font, colour) = column[start][0], column[end - 1][0], column[start]
                    fonts += [("FONT", (col, first), (col, last), font, 8),
                              ("TEXTCOLOR", (col, first), (col, last), colors.HexColor(colour))]
                    start = end
        table = Grid(rows, colWidths=[lw, vw, lw, vw], repeatRows=1)
        table.setStyle(TableStyle([
            ("FONT", (0, 1), (-1, -1), REGULAR, 8),
            ("TEXTCOLOR", (0, 1), (-1, -1), p.ink),
            *fonts,
            *spans,
            ("SPAN", (0, 0), (-1, 0)),
            ("BACKGROUND", (0, 0), (-1, 0), p.accent),
            ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, p.shade]),
            ("LINEAFTER", (1, 1), (1, -1), 0.5, p.rule),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ]))
        out += [table, Spacer(1, 5)]
    if s.not_tested:
        out += [P(", ".join(s.not_tested), st.cell, prefix="<b>Not tested:</b> "), Spacer(1, 5)]
    return out


def _muscles(s: Summary, st: Styles, width: float) -> list:
    p = palette(s.header.clinic.accent)
    out: list = [CondPageBreak(90), P("Suspected muscle involvement", st.h1)]
    if not s.muscles:
        out.append(P("No muscle is suspected: no palpation reproduced the familiar pain, or palpation was not recorded.", st.body))
        return out
    rows: list[list] = [[P("Muscle", st.cell_head), P("Refers pain to", st.cell_head), P("Why suspected", st.cell_head)]]
    for m in s.muscles:
        reasons = [Para(f"• {_step_markup(x)} <font color='#5b6570'>[{markup(_cites(x.citations))}]</font>", st.cell)
                   for x in m.steps] or [P("Listed by the engine without a recorded reason.", st.cell)]
        rows.append([P(m.label, st.cell_bold), P(m.referral_description or ", ".join(m.zones), st.cell), reasons])
    table = Grid(rows, colWidths=[width * 0.18, width * 0.34, width * 0.48], repeatRows=1)
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), p.accent),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, p.shade]),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
    ]))
    out.append(table)
    return out


def _therapies(s: Summary, st: Styles, width: float) -> list:
    p = palette(s.header.clinic.accent)
    out: list = [CondPageBreak(90), P("Suggested manual therapy and self-care", st.h1)]
    if s.therapies:
        rows: list[list] = [[P("Treatment", st.cell_head), P("For", st.cell_head), P("Reason and evidence", st.cell_head),
                             P("Source", st.cell_head)]]
        style: list[tuple] = [
            ("BACKGROUND", (0, 0), (-1, 0), p.accent),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ("LEFTPADDING", (0, 0), (-1, -1), 4),
            ("LINEBELOW", (0, 1), (-1, -1), 0.4, p.rule),
        ]
        said: dict[str, str] = {}  # a withholding reason already printed -> the treatment it was printed for
        for t in sorted(s.therapies, key=lambda x: x.withheld):
            name = [P(t.label, st.cell_bold), P(t.kind, st.small_muted)]
            detail = [P(t.evidence_note, st.cell)]
            if t.caution:
                detail.append(P(t.caution, st.cell, prefix='<font color="#8a6d00"><b>Caution:</b></font> '))
            if t.withheld:
                name.insert(0, Para(_badge("Withheld", p.danger), st.cell))
                reason = t.withheld_reason or ""
                # one red flag often withholds everything for one reason: print it once, then point to it
                shown = f"the same reason as for {said[reason]}." if reason in said else reason
                said.setdefault(reason, t.label)
                detail.insert(0, P(shown, st.cell, prefix='<font color="#b3261e"><b>Withheld:</b></font> '))
            rows.append([name, P(", ".join(t.for_) or "general", st.cell), detail, P(_cites(t.citations), st.small_muted)])
            if t.withheld:
                n = len(rows) - 1
                style.append(("BACKGROUND", (0, n), (-1, n), p.danger_light))
        table = Grid(rows, colWidths=[width * 0.22, width * 0.17, width * 0.43, width * 0.18], repeatRows=1)
        table.setStyle(TableStyle(style))
        out.append(table)
    else:
        out.append(P("No treatment was suggested by the answers given.", st.body))
    if s.withheld:
        out += [Spacer(1, 6), P("Withheld and why", st.h2)]
        rows = []
        grouped: dict[tuple, list[str]] = {}  # classes withheld for one reason share a row
        for w in s.withheld:
            grouped.setdefault((w.reason, tuple(w.because), tuple(w.citations)), []).append(w.label)
        for (reason, because, citations), labels in grouped.items():
            rows.append([
                [Para(_badge(label, p.danger), st.cell) for label in labels],
                [P(reason, st.cell), P(", ".join(because), st.small_muted, prefix="Because of: ")],
                P(_cites(citations), st.small_muted),
            ])
        table = Grid(rows, colWidths=[width * 0.22, width * 0.60, width * 0.18])
        table.setStyle(TableStyle([
            ("BACKGROUND", (0, 0), (-1, -1), p.danger_light),
            ("BOX", (0, 0), (-1, -1), 0.8, p.danger),
            ("LINEBELOW", (0, 0), (-1, -2), 0.4, colors.white),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 5),
        ]))
        out.append(table)
    return out


def _gaps(s: Summary, st: Styles, width: float) -> list:
    p = palette(s.header.clinic.accent)
    out: list = [CondPageBreak(80), P("Unanswered questions", st.h1)]
    if s.deciding and s.gaps_held:
        out.append(P(f"{s.gaps_held} examination question{'s' if s.gaps_held != 1 else ''} not proposed: the referral "
                     "decides this visit. Only the red-flag questions still unasked are listed.", st.small_muted))
    if not s.gaps:
        out.append(P("None: every screening question and key test was answered." if not s.deciding else
                     "None: every red-flag question was asked.", st.body))
        return out
    rows: list[list] = [[P("Not asked or not tested", st.cell_head), P("Kind", st.cell_head), P("Why it matters", st.cell_head)]]
    for g in s.gaps:
        rows.append([P(g.label, st.cell), P(g.kind, st.cell), P(g.why, st.cell)])
    table = Grid(rows, colWidths=[width * 0.36, width * 0.14, width * 0.50], repeatRows=1)
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), p.accent),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, p.shade]),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
    ]))
    out.append(table)
    return out


def _notes(s: Summary, st: Styles) -> list:
    out: list = [CondPageBreak(60), P("Practitioner notes", st.h1)]
    if not s.notes or not s.notes.strip():
        return [*out, P("No notes recorded.", st.small_muted)]
    for block in s.notes.replace("\r\n", "\n").split("\n\n"):
        if block.strip():
            out.append(P(block.strip("\n"), st.notes))
    return out


def _references(s: Summary, st: Styles) -> list:
    out: list = [CondPageBreak(60), P("References", st.h1)]
    for r in s.references:
        flag = ' <font color="#b3261e">[figure or detail not yet verified against the original]</font>' if not r.verified else ""
        out.append(Para(
            f"<b>{markup(r.cite)}</b>. {markup(r.authors)}. {markup(r.title)}. <i>{markup(r.published)}</i>.{flag}",
            st.reference,
        ))
    return out


def _closing(s: Summary, st: Styles, width: float) -> list:
    p = palette(s.header.clinic.accent)
    box = Grid([[P("Reasoning aid, not a diagnosis", st.body_bold)], [P(s.disclaimer, st.cell)],
                 [P(f"Knowledge base version {s.knowledge_version}.", st.small_muted)]], colWidths=[width])
    box.setStyle(TableStyle([
        ("BOX", (0, 0), (-1, -1), 0.8, p.accent),
        ("BACKGROUND", (0, 0), (-1, -1), p.accent_light),
        ("LEFTPADDING", (0, 0), (-1, -1), 8),
    ]))
    return [Spacer(1, 10), KeepTogether([box])]


def render_summary_model(s: Summary, *, paper: str = "a4") -> bytes:
    st = styles(s.header.clinic.accent)
    width = PAPER[paper][0] - 2 * MARGIN if paper in PAPER else 0
    h = s.header
    patient = [
        P("Clinician summary", st.title),
        P(h.patient_name or "Name not recorded", st.body_bold),
        P(h.patient_line + (f" · ref. {h.case_ref}" if h.case_ref else ""), st.small),
        P(f"Date: {h.date}", st.small),
        P(h.practitioner or "not recorded", st.small, prefix="Practitioner: "),
    ]
    letters = list(s.letters)
    story: list = []
    if red_flag_decides(s.referral) and letters:  # the letter decides the visit: it is page 1
        story += [*letter_page(h, letters.pop(0), st, paper), PageBreak()]
    story += [Letterhead(h, st, width, patient), Spacer(1, 8)]
    story += _red_flag_box(s, st, width)
    story += _precautions(s, st, width)
    story += _overview(s, st, width)
    story += _outcome_section(s.outcomes, st, width)  # outcome scores belong to the overview
    story += [PageBreak(), P("Appendix: the reasoning, every finding and the references", st.title)]
    story += _differential(s, st, width)
    story += [Spacer(1, 8), KeepTogether(_body_chart(s, st, width))]
    story += _findings(s, st, width)
    story += _muscles(s, st, width)
    story += _therapies(s, st, width)
    story += _gaps(s, st, width)
    story += _notes(s, st)
    story += _references(s, st)
    story += _closing(s, st, width)
    for letter in letters:
        story += [PageBreak(), *letter_page(h, letter, st, paper)]
    who = h.case_ref or "case"
    return build_pdf(
        story,
        header=h,
        st=st,
        paper=paper,
        title=f"Clinician summary: {who}",
        subject="Hip-region pain: red flags, differential, findings and referral (reasoning aid, not a diagnosis)",
        disclaimer=s.disclaimer,
        running_title="Clinician summary",
    )
