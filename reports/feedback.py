"""A printable PDF of one practice attempt's feedback: score and rubric, each part's reasons and
sources, the red-flag questions not asked, the tests that would have helped, the student's answer
beside the vignette's and the engine's, and the teaching notes.

Everything printed comes from ``intake.practice.score_attempt``'s Feedback, the vignette and the
engine's assessment; typed text (the student's name, the notes) goes through ``reports.text`` via
``reports.pages.P``. Same input, same bytes (``invariant=1``); "Page n of N" and the reasoning-aid
disclaimer on every page.
"""

from __future__ import annotations

import datetime as dt

from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from intake.knowledge import KnowledgeBase, load_knowledge
from intake.models import RED_FLAG_KEYS, Assessment, Case, Expected
from intake.practice import Attempt, Feedback, load_rubric, reveal
from intake.practice.text import answer_words, comparison_rows, no_test_to_suggest
from reports.branding import Branding
from reports.content import Header
from reports.pages import MARGIN, P, build_pdf
from reports.styles import BOLD, PAPER, palette, styles

__all__ = ["render_feedback"]


def _table(rows: list[list], widths: list[float], accent: str, *, head: bool = True) -> Table:
    p = palette(accent)
    table = Table(rows, colWidths=widths, repeatRows=1 if head else 0)
    style = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, p.rule),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    if head:
        style.append(("BACKGROUND", (0, 0), (-1, 0), p.accent))
    table.setStyle(TableStyle(style))
    return table


def _score_box(feedback: Feedback, width: float, accent: str) -> Table:
    st = styles(accent)
    p = palette(accent)
    score = P(f"Score: {feedback.total:g} / {feedback.out_of}", st.title)
    verdict = P(feedback.verdict, st.body_bold)
    time = P(feedback.time_note, st.small_muted)
    box = Table([[score], [verdict], [time]], colWidths=[width])
    box.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, -1), p.danger_light if feedback.unsafe else p.accent_light),
        ("BOX", (0, 0), (-1, -1), 1, p.danger if feedback.unsafe else p.accent),
        ("LEFTPADDING", (0, 0), (-1, -1), 8),
        ("TOPPADDING", (0, 0), (0, 0), 6),
        ("BOTTOMPADDING", (0, -1), (-1, -1), 6),
    ]))
    return box


def render_feedback(
    case: Case,
    expected: Expected,
    assessment: Assessment,
    attempt: Attempt,
    feedback: Feedback,
    student: str,
    *,
    date: dt.date | str | None = None,
    paper: str = "a4",
    branding: Branding | None = None,
    kb: KnowledgeBase | None = None,
) -> bytes:
    """The feedback as PDF bytes. `date` defaults to today; `branding` to the neutral defaults."""
    kb = kb or load_knowledge()
    branding = branding or Branding()
    accent = branding.accent
    st = styles(accent)
    width = PAPER[paper][0] - 2 * MARGIN
    when = date if isinstance(date, str) else (date or dt.date.today()).strftime("%d %B %Y")
    title = case.title or case.id or "Practice case"

    story: list[Flowable] = [
        P("Practice feedback", st.title),
        P(title, st.h2),
        P(f"Student: {student}", st.body_bold),
        P(f"{when} · case {case.id or 'without an id'} · rubric {feedback.rubric_version} · knowledge {assessment.knowledge_version}",
          st.subtitle),
        Spacer(1, 6),
        _score_box(feedback, width, accent),
    ]

    # The rubric: weights and marks.
    rubric = load_rubric()
    marks = {part.part: part for part in feedback.parts}
    head_right = ParagraphStyle("cell_head_right", parent=st.cell_head, alignment=TA_RIGHT)
    rows = [[P("Part", st.cell_head), P("Weight", head_right), P("Marks", head_right)]]
    for name, part in rubric.parts.items():
        got = marks.get(name)
        rows.append([P(part.label, st.cell), P(f"{part.max:g}", st.cell_right), P(f"{got.marks:g}" if got else "—", st.cell_right)])
    rows.append([P("Total", st.cell_bold), P("100", st.cell_right), P(f"{feedback.total:g}", st.cell_right)])
    story += [P("Marks by part (the rubric)", st.h1), _table(rows, [width * 0.6, width * 0.2, width * 0.2], accent)]

    # The commitments beside the vignette and the engine.
    compare = comparison_rows(attempt, expected, assessment, kb)
    rows = [[P(h, st.cell_head) for h in ("Commitment", "Your answer", "The vignette", "The engine")]]
    rows += [[P(a, st.cell_bold), P(b, st.cell), P(c, st.cell), P(d, st.cell)] for a, b, c, d in compare]
    story += [P("Your answer, the vignette and the engine", st.h1),
              _table(rows, [width * 0.17, width * 0.27, width * 0.27, width * 0.29], accent)]

    # Each part with its reasons and sources.
    story.append(P("Why: each part", st.h1))
    for mark in feedback.parts:
        block: list[Flowable] = [P(f"{mark.label}: {mark.marks:g} / {mark.max:g}", st.h2)]
        block += [P(reason, st.bullet, prefix="<bullet>•</bullet>") for reason in mark.reasons]
        if mark.sources:
            block.append(P("Sources: " + "; ".join(mark.sources), st.small_muted))
        story.append(KeepTogether(block))

    story.append(P("Red-flag questions not asked", st.h1))
    bold_bullet = ParagraphStyle("bold_bullet", parent=st.bullet, fontName=BOLD)
    if feedback.missed_questions:
        for missed in feedback.missed_questions:
            style = bold_bullet if missed.answer is True else st.bullet
            story.append(P(f"{missed.label}: {missed.why}", style, prefix="<bullet>•</bullet>"))
    else:
        story.append(P("None: every screening question that applies to this patient was asked.", st.body))

    if feedback.test_information:
        story.append(P("Tests, by the information each added when asked", st.h1))
        for t in feedback.test_information:
            did = "; ".join([*(f"ruled out {o}" for o in t.ruled_out), *(f"made {o} likely" for o in t.ruled_in)])
            credit = "credit" if t.informative else "no credit"
            story.append(P(f"{t.label} ({t.result}): {t.bits:.2f} bits{'; ' + did if did else ''} ({credit}).",
                           st.bullet, prefix="<bullet>•</bullet>"))
    story.append(P("The questions that would have informed most", st.h1))
    if feedback.informative_questions:
        for q in feedback.informative_questions:
            recorded = "the case holds a result" if q.recorded else "no result recorded in the case"
            story.append(P(f"{q.label}: {q.phrase} ({q.expected_bits:.2f} bits expected; {recorded}).",
                           st.bullet, prefix="<bullet>•</bullet>"))
    elif feedback.tests_that_would_help:
        for test in feedback.tests_that_would_help:
            recorded = "the case holds a result" if test.recorded else "no result recorded in the case"
            story.append(P(f"{test.label}, for {test.origin}: its result could change the odds up to ×{test.swing:g} ({recorded}).",
                           st.bullet, prefix="<bullet>•</bullet>"))
    else:
        story.append(P(no_test_to_suggest(expected.referral), st.body))
    if feedback.tests_adding_nothing:
        story.append(P("Tests that could not change the picture: " + ", ".join(feedback.tests_adding_nothing) + ".", st.small_muted))

    story.append(P("What was asked (questions, then tests, each in the order asked)", st.h1))
    asked = [*attempt.questions_asked, *attempt.tests_performed]
    if asked:
        for n, key in enumerate(asked, start=1):
            kind = "Question" if key in RED_FLAG_KEYS else "Exam"
            story.append(P(f"{n}. {kind}: {answer_words(key, reveal(case, key), kb)}", st.step))
    else:
        story.append(P("Nothing was asked or examined.", st.body))

    story.append(P("Teaching notes", st.h1))
    story.append(P(f"Basis: {expected.basis or 'not given'}", st.body_bold))
    if case.notes:
        story.append(P(case.notes, st.notes))

    header = Header(clinic=branding, document="Practice feedback", patient_name=student, patient_line="",
                    case_ref=case.id, date=when, practitioner=None, registration=None)
    return build_pdf(story, header=header, st=st, paper=paper, title=f"Practice feedback: {title}",
                     subject="Student practice feedback", disclaimer=assessment.disclaimer or kb.settings.disclaimer,
                     running_title="Practice feedback")


