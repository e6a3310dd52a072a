"""The PDFs: what each section must say, every page drawn, same bytes twice, typed text safe."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4, LETTER

from intake import assess, load_case
from reports import Branding, render_handout, render_summary
from reports.content import handout_text

ROOT = Path(__file__).resolve().parents[1]
CASES = sorted((ROOT / "intake" / "cases" / "examples").glob("*.yaml"))
DATE = "21 November 2026"
NEUTRAL = Branding()  # tests never depend on a clinic.toml lying around

needs_poppler = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) not installed")


def _render(path, **kw):
    case = load_case(path)
    a = assess(case)
    return case, a, render_summary(case, a, date=DATE, branding=NEUTRAL, **kw), render_handout(case, a, date=DATE, branding=NEUTRAL, **kw)


def _pages(pdf: bytes) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages]


def _squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module", params=CASES, ids=lambda p: p.stem[:10])
def rendered(request):
    return _render(request.param)


def test_summary_says_what_each_section_must(rendered):
    _, a, summary, _ = rendered
    pages = _pages(summary)
    text = " ".join(pages)
    words = handout_text()
    decided = a.referral in ("emergency", "urgent")  # then the referral letter is page 1
    assert ("Referral letter" in pages[0]) == decided
    first = pages[1] if decided else pages[0]
    assert "Clinician summary" in first
    assert _squash(words["referral"][a.referral]).upper() in text.upper()
    for flag in a.red_flags:  # every raised red flag, any urgency, on the summary's first page in the boxed section
        assert _squash(flag.label) in first
        assert _squash(words["urgency"][flag.urgency]).upper() in first.upper()
        assert _squash(flag.refer_to) in text
    if not a.red_flags:
        assert "Red flags: none raised" in first
    last = -1
    for n, origin in enumerate(a.origins, start=1):  # ranked origins, in order
        at = text.find(f"{n}. {_squash(origin.label)}")
        assert at > last, origin.label
        last = at
    for t in a.therapies:
        if t.withheld:
            assert "WITHHELD" in text
    for section in ("Findings", "Unanswered questions", "Practitioner notes", "References", "Safety-netting"):
        assert section in text
    assert _squash(a.disclaimer)[:60] in pages[0] and _squash(a.disclaimer)[:60] in pages[-1]
    assert all(f"Page {i} of {len(pages)}" in p for i, p in enumerate(pages, start=1))


def test_referral_letter_only_when_a_red_flag_needs_one(rendered):
    _, a, summary, _ = rendered
    letters = [p for p in _pages(summary) if "Referral letter" in p and "Dear colleague" in p]
    referring = {f.refer_to for f in a.red_flags if f.urgency != "monitor"}
    assert len(letters) == len(referring)
    for page in letters:
        assert "Signed" in page and "Urgency" in page


def test_handout_leads_with_referral_or_gives_selected_self_care(rendered):
    case, a, _, handout = rendered
    pages = _pages(handout)
    text = " ".join(pages)
    assert 1 <= len(pages) <= 2 or a.referral in ("urgent", "emergency")
    assert "Go to the emergency department now" in text and "Get help today" in text
    if a.referral == "emergency":
        assert pages[0].find("Go to the emergency department now") < pages[0].find("What you can do at home")
    from intake.knowledge import load_knowledge
    from reports.content import handout_choices

    kb = load_knowledge()
    by_default = {c.id for c in handout_choices(case, a, kb) if c.chosen}  # the findings argue against none of them
    for t in a.therapies:
        record = kb.therapies.get(t.id)
        if record and record.self_care:
            shown = _squash(record.self_care.title) in text
            assert shown == (t.withheld is None and t.id in by_default and a.referral not in ("urgent", "emergency")), t.id


def test_same_input_same_bytes():
    case = load_case(CASES[0])
    a = assess(case)
    assert render_summary(case, a, date=DATE, branding=NEUTRAL) == render_summary(case, a, date=DATE, branding=NEUTRAL)
    assert render_handout(case, a, date=DATE, branding=NEUTRAL) == render_handout(case, a, date=DATE, branding=NEUTRAL)


@pytest.mark.parametrize(("paper", "size"), [("a4", A4), ("letter", LETTER)])
def test_paper_sizes(paper, size):
    _, _, summary, handout = _render(CASES[-1], paper=paper)
    for pdf in (summary, handout):
        box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
        assert (round(float(box.width)), round(float(box.height))) == (round(size[0]), round(size[1]))


def test_metadata():
    _, _, summary, handout = _render(CASES[0])
    for pdf, title in ((summary, "Clinician summary"), (handout, "Patient handout")):
        meta = PdfReader(io.BytesIO(pdf)).metadata
        assert meta.title.startswith(title)
        assert meta.author == NEUTRAL.name
        assert meta.subject


def test_no_red_flags_no_referral_page():
    path = next(p for p in CASES if "hip-osteoarthritis" in p.name)
    _, a, summary, _ = _render(path)
    assert not a.red_flags
    assert not any("Dear colleague" in p for p in _pages(summary))


HOSTILE_NAME = "O'Brien <b>& Søren </para><font name=x> Zoë 李雷 Ωmega"


def _hostile_case(notes: str):
    data = load_case(CASES[9]).to_data()  # the cauda equina example: red flags, a letter
    data["patient"]["name"] = HOSTILE_NAME + " مرحبا 😀"
    data["notes"] = notes
    return load_case(data)


def test_markup_hostile_and_multilingual_text_prints_as_typed():
    notes = "Seen with <i>daughter</i> & interpreter. </para> <font name=x> 李雷 said: Ωmega 😀 done."
    case = _hostile_case(notes)
    a = assess(case)
    summary = render_summary(case, a, date=DATE, branding=NEUTRAL, practitioner="Zoë <Ng> & 李")
    handout = render_handout(case, a, date=DATE, branding=NEUTRAL)
    text = " ".join(_pages(summary))
    assert HOSTILE_NAME in text
    assert "Seen with <i>daughter</i> & interpreter. </para> <font name=x> 李雷 said: Ωmega □ done." in text
    assert "Zoë <Ng> & 李" in text
    assert "😀" not in text and "□" in text
    assert HOSTILE_NAME in " ".join(_pages(handout))


def test_ten_thousand_characters_of_notes_flow_across_pages():
    sentence = "Patient reports the pain eases with a walk and returns after sitting for an hour. "
    notes = (sentence * 200)[:10_000]
    case = _hostile_case(notes)
    a = assess(case)
    plain = render_summary(case.model_copy(update={"notes": None}), a, date=DATE, branding=NEUTRAL)
    long = render_summary(case, a, date=DATE, branding=NEUTRAL)
    assert len(_pages(long)) >= len(_pages(plain)) + 1
    assert " ".join(_pages(long)).count("returns after sitting") >= 115


def test_one_word_of_ten_thousand_characters_still_renders():
    case = _hostile_case("x" * 10_000)
    a = assess(case)
    assert render_summary(case, a, date=DATE, branding=NEUTRAL)[:5] == b"%PDF-"


def _pgm(data: bytes) -> tuple[int, int, bytes]:
    """Parse a binary PGM (P5), as written by pdftoppm -gray."""
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    assert fields[0] == b"P5"
    width, height = int(fields[1]), int(fields[2])
    return width, height, data[pos + 1:pos + 1 + width * height]


def _ink_in_body(pgm: bytes) -> float:
    """Fraction of non-white pixels between the running header and the footer."""
    width, height, pixels = _pgm(pgm)
    body = pixels[int(height * 0.08) * width:int(height * 0.88) * width]
    return sum(1 for v in body if v < 235) / max(1, len(body))


@needs_poppler
@pytest.mark.parametrize("path", [CASES[0], CASES[7], CASES[9], CASES[11]], ids=lambda p: p.stem[:10])
def test_every_page_renders_and_is_not_blank(path, tmp_path):
    _, _, summary, handout = _render(path)
    for name, pdf in (("summary", summary), ("handout", handout)):
        src = tmp_path / f"{name}.pdf"
        src.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", "40", "-gray", str(src), str(tmp_path / name)], check=True, capture_output=True)
        images = sorted(tmp_path.glob(f"{name}-*.pgm"))
        assert len(images) == len(PdfReader(io.BytesIO(pdf)).pages)
        for image in images:
            assert _ink_in_body(image.read_bytes()) > 0.01, image.name


def test_the_handout_follows_the_deciding_red_flags_own_action():
    from intake.knowledge import load_knowledge
    from reports.content import build_handout

    kb = load_knowledge()
    aneurysm = load_case(ROOT / "intake" / "cases" / "lib-advanced-32-aortic-aneurysm-back-and-groin.yaml")
    a = assess(aneurysm)
    assert a.referral == "emergency"
    h = build_handout(aneurysm, a, kb, Branding(emergency_number="999"))
    assert h.alert_title == "Call an ambulance now"
    assert "Call 999 now for an ambulance" in h.alert_body[0] and "aortic aneurysm" in h.alert_body[0]
    text = " ".join(" ".join(p.extract_text().split())
                    for p in PdfReader(io.BytesIO(render_handout(aneurysm, a, branding=NEUTRAL))).pages)
    assert "Call an ambulance now" in text and "local emergency number" in text  # no clinic number: the general one
    assert kb.sources["nice_ng156"].citation in text  # the action's own source
    # cauda equina: the emergency department is the rule's own place, so the general emergency wording stays
    ces = load_case(ROOT / "intake" / "cases" / "examples" / "example-10-cauda-equina-syndrome.yaml")
    h = build_handout(ces, assess(ces), kb, NEUTRAL)
    assert h.alert_title == handout_text()["alert"]["emergency"]["title"]


def test_a_reason_that_withholds_everything_is_printed_once_and_nothing_is_lost():
    case = load_case(ROOT / "intake" / "cases" / "examples" / "example-10-cauda-equina-syndrome.yaml")
    a = assess(case)
    reason = next(t.withheld_reason for t in a.therapies if t.withheld)
    assert all(t.withheld_reason == reason for t in a.therapies if t.withheld) and len(a.withheld) >= 3
    reader = PdfReader(io.BytesIO(render_summary(case, a, branding=NEUTRAL)))
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    start = reason.split(".")[0]
    appendix = text[text.index("Suggested manual therapy and self-care"):]
    assert appendix.count(start) == 2  # once in the treatment table, once for the classes withheld
    for t in a.therapies:  # every treatment is still there, each with what it would be for
        assert " ".join(t.label.split())[:20] in text
    for w in a.withheld:
        assert w.id.replace("_", " ").upper() in appendix, w.id
    assert len(reader.pages) <= 6  # was 7
