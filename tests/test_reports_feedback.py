"""The practice feedback PDF: score, rubric, missed red-flag questions, the student's name as typed,
page n of N and the disclaimer on every page, same bytes twice, every page drawn."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader
from test_reports_pdf import _ink_in_body

from intake import assess, load_vignette
from intake.practice import Attempt, model_answer, score_attempt
from reports.feedback import render_feedback

LIBRARY = Path(__file__).resolve().parents[1] / "intake" / "cases"
CES = LIBRARY / "lib-foundation-08-cauda-equina-retention.yaml"
OA = LIBRARY / "lib-foundation-01-hip-osteoarthritis-retired-postman.yaml"
STUDENT = "O'Brien <b>& Zoë"
DATE = "21 November 2026"

needs_poppler = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) not installed")


def _weak_attempt_on_cauda_equina():
    case, expected = load_vignette(CES)
    assessment = assess(case)
    attempt = Attempt(questions_asked=["saddle_anaesthesia"], tests_performed=["faber", "slr"],
                      ranked_origins=["hip_joint"], referral="urgent", seconds_taken=754)
    feedback = score_attempt(case, expected, assessment, attempt)
    return case, expected, assessment, attempt, feedback


def _pages(pdf: bytes) -> list[str]:
    return [" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(pdf)).pages]


def test_the_pdf_says_the_score_the_missed_questions_and_the_name_as_typed():
    case, expected, assessment, attempt, feedback = _weak_attempt_on_cauda_equina()
    pdf = render_feedback(case, expected, assessment, attempt, feedback, STUDENT, date=DATE)
    pages = _pages(pdf)
    text = " ".join(pages)
    assert f"Score: {feedback.total:g} / 100" in text
    assert STUDENT in text
    assert feedback.verdict[:40] in text
    missed = [m for m in feedback.missed_questions if m.answer is True]
    assert missed
    for question in feedback.missed_questions:
        assert question.label in text
    for part in feedback.parts:
        assert f"{part.label}: {part.marks:g} / {part.max:g}" in text
    assert "Time taken: 12 min 34 s" in text
    assert expected.basis.split(";")[0][:50] in text
    assert all(f"Page {i} of {len(pages)}" in p for i, p in enumerate(pages, start=1))
    assert all("clinical reasoning aid" in p and "not a diagnosis" in p for p in pages)
    assert PdfReader(io.BytesIO(pdf)).metadata.title.startswith("Practice feedback")


def test_same_input_same_bytes():
    args = _weak_attempt_on_cauda_equina()
    assert render_feedback(*args, STUDENT, date=DATE) == render_feedback(*args, STUDENT, date=DATE)


def test_a_full_marks_attempt_prints_full_marks():
    case, expected = load_vignette(OA)
    assessment = assess(case)
    perfect = model_answer(case, expected, assessment)
    feedback = score_attempt(case, expected, assessment, perfect)
    text = " ".join(_pages(render_feedback(case, expected, assessment, perfect, feedback, "Ada", date=DATE)))
    assert "Score: 100 / 100" in text
    assert "None: every screening question that applies to this patient was asked." in text


@needs_poppler
def test_every_page_renders_and_is_not_blank(tmp_path):
    pdf = render_feedback(*_weak_attempt_on_cauda_equina(), STUDENT, date=DATE)
    src = tmp_path / "feedback.pdf"
    src.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "40", "-gray", str(src), str(tmp_path / "feedback")], check=True, capture_output=True)
    images = sorted(tmp_path.glob("feedback-*.pgm"))
    assert len(images) == len(PdfReader(io.BytesIO(pdf)).pages) >= 2
    for image in images:
        assert _ink_in_body(image.read_bytes()) > 0.01, image.name


def test_the_feedback_pdf_marks_each_test_by_its_information():
    from tests.conftest import SHARED_CASES

    case, expected = load_vignette(SHARED_CASES / "example-08-tfl-trigger-points-on-anticoagulants.yaml")
    assessment = assess(case)
    attempt = Attempt(tests_performed=["resisted_external_derotation"], ranked_origins=["myofascial"], referral="none")
    feedback = score_attempt(case, expected, assessment, attempt)
    text = " ".join(_pages(render_feedback(case, expected, assessment, attempt, feedback, "Student", date=DATE)))
    assert "Tests, by the information each added when asked" in text
    assert "ruled out Lateral hip" in text
    assert "The questions that would have informed most" in text and "bits expected" in text
