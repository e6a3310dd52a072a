"""`reports.para.Para`, `Grid` and `reports.recorded.Recorded` must draw exactly as ReportLab's Paragraph, Table
and Drawing: same bytes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

from intake import assess, load_case
from reports import Branding, render_handout, render_summary
from reports.para import Grid, Para, clear_caches
from reports.recorded import Recorded
from reports.styles import styles
from reports.text import markup

ROOT = Path(__file__).resolve().parents[1]
CASES = sorted((ROOT / "intake" / "cases" / "examples").glob("*.yaml"))
DATE = "21 November 2026"
NEUTRAL = Branding()
STYLE_NAMES = ["body", "cell", "cell_bold", "cell_right", "small_muted", "reference", "bullet", "center_small", "letter", "h1"]


def _as_plain_paragraph(monkeypatch) -> None:
    """Make Para and Grid behave exactly like ReportLab's Paragraph and Table (no caches, no short drawing paths)."""
    clear_caches()
    for name in ("__init__", "wrap", "drawOn", "split"):
        monkeypatch.setattr(Para, name, getattr(Paragraph, name))
    monkeypatch.setattr(Grid, "_drawCell", Table._drawCell)
    monkeypatch.setattr(Recorded, "draw", Recorded.draw_plain)


def _story(texts: list[tuple[str, str, str | None]], cls) -> bytes:
    st = styles()
    buf = io.BytesIO()
    flow = []
    for text, style, bullet in texts:
        flow.append(cls(text, getattr(st, style), bulletText=bullet))
        plain = text.replace("<", " ").replace(">", " ").replace("&", " ")
        cells = [[cls(text, getattr(st, style)), cls(text, st.cell)], [plain, ""]]
        table = (Table if cls is Paragraph else Grid)(cells, colWidths=[120, 90])
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONT", (0, 1), (0, 1), st.cell.fontName, 8),
                                   ("TEXTCOLOR", (0, 1), (0, 1), st.cell.textColor)]))
        flow.append(table)
    SimpleDocTemplate(buf, invariant=1).build(flow)
    return buf.getvalue()


MARKUP = hs.sampled_from([
    "", "<b>{}</b>", "<i>{}</i> and more", '<font color="#b3261e">{}</font> tail', "head <br/>{}<br/> tail",
    '<font name="DejaVuSans-Bold" color="#5b6570">{}</font>', "{} {} {}",
])


@settings(max_examples=60, deadline=None)
@given(hs.lists(hs.tuples(hs.text(max_size=120), MARKUP, hs.sampled_from(STYLE_NAMES), hs.sampled_from([None, "\u2022", "3."])),
                min_size=1, max_size=6))
def test_para_draws_byte_for_byte_as_paragraph(items):
    texts = []
    for text, template, style, bullet in items:
        body = markup(text)
        texts.append(((template or "{}").replace("{}", body), style, bullet))
    expected = _story(texts, Paragraph)
    clear_caches()
    assert _story(texts, Para) == expected  # cold caches
    assert _story(texts, Para) == expected  # warm caches, lines reused


def _hostile_case(notes: str):
    data = load_case(CASES[9]).to_data()
    data["patient"]["name"] = "O'Brien <b>& Søren </para><font name=x> Zoë 李雷 Ωmega مرحبا 😀"
    data["notes"] = notes
    return load_case(data)


@pytest.mark.parametrize("notes", [
    "Seen with <i>daughter</i> & interpreter. </para> 李雷 said: Ωmega 😀 done.\n\nSecond paragraph.",
    ("Patient reports the pain eases with a walk and returns after sitting for an hour. " * 120)[:10_000],
    "x" * 3_000,
], ids=["hostile", "long-notes", "long-word"])
def test_documents_identical_to_plain_paragraphs(notes, monkeypatch):
    case = _hostile_case(notes)
    a = assess(case)
    ours = [render_summary(case, a, date=DATE, branding=NEUTRAL, paper=p) for p in ("a4", "letter")]
    ours.append(render_handout(case, a, date=DATE, branding=NEUTRAL))
    with monkeypatch.context() as m:
        _as_plain_paragraph(m)
        theirs = [render_summary(case, a, date=DATE, branding=NEUTRAL, paper=p) for p in ("a4", "letter")]
        theirs.append(render_handout(case, a, date=DATE, branding=NEUTRAL))
    assert ours == theirs


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem[:10])
def test_example_summaries_identical_to_plain_paragraphs(path, monkeypatch):
    case = load_case(path)
    a = assess(case)
    ours = render_summary(case, a, date=DATE, branding=NEUTRAL)
    with monkeypatch.context() as m:
        _as_plain_paragraph(m)
        theirs = render_summary(case, a, date=DATE, branding=NEUTRAL)
    assert ours == theirs


def test_recorded_body_chart_identical_to_the_drawing():
    from reportlab.platypus import SimpleDocTemplate

    from reports.bodychart import REGIONS, body_chart

    for pain, zones, side in ((["groin", "low_back"], ["buttock"], "left"), (list(REGIONS)[:5], list(REGIONS)[5:9], None),
                              ([], [], "bilateral")):
        docs = []
        for flowable in (body_chart(pain, zones, side, height=205), Recorded(body_chart(pain, zones, side, height=205))):
            buf = io.BytesIO()
            story = [Paragraph("Before the chart", styles().body), flowable, Paragraph("After", styles().body)]
            if isinstance(flowable, Recorded):
                story.insert(2, flowable)  # drawn a second time: replayed from the recording
            else:
                story.insert(2, body_chart(pain, zones, side, height=205))
            SimpleDocTemplate(buf, invariant=1).build(story)
            docs.append(buf.getvalue())
        assert docs[0] == docs[1]


def test_paragraphs_split_over_pages_identical_and_cache_unharmed():
    """A paragraph broken over a page, then the same paragraph elsewhere (whole, or broken at another line)."""
    from reportlab.platypus import Spacer

    st = styles()
    text = " ".join(f"<b>word{i}</b>" if i % 3 == 0 else f"<i>plain{i}</i> and" for i in range(400))

    def doc(cls, lead: float) -> bytes:
        buf = io.BytesIO()
        plain = "Patient reports the pain eases with a walk and returns after sitting. " * 60
        SimpleDocTemplate(buf, invariant=1).build([Spacer(1, lead), cls(text, st.body), cls(text, st.reference),
                                                   cls(plain, st.notes), cls(plain, st.bullet, bulletText="\u2022")])
        return buf.getvalue()

    clear_caches()
    for lead in (600, 300, 10, 600, 450, 10):
        assert doc(Para, lead) == doc(Paragraph, lead)
