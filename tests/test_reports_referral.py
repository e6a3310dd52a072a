"""The referral letter: one signed page that says what, how urgently, where, why, and who to call back."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from intake import assess, load_case
from intake.knowledge import load_knowledge
from intake.models import RED_FLAG_KEYS, Case
from reports import Branding, BrandingError, NoReferral, load_branding, render_referral, render_summary
from reports.content import handout_text

ROOT = Path(__file__).resolve().parents[1]
CASES = sorted((ROOT.parent / "shared" / "cases").glob("*.yaml"))
REFERRING = [p for p in CASES if any(f.urgency != "monitor" for f in assess(load_case(p)).red_flags)]
CES = ROOT.parent / "shared" / "cases" / "example-10-cauda-equina-syndrome.yaml"
CLINIC = Branding(name="Riverside Physiotherapy", address=("12 Mill Lane", "Riverside"), phone="01234 567890",
                  timezone="Europe/London")
SEEN = dt.datetime(2026, 7, 21, 13, 5, tzinfo=dt.UTC)  # 14:05 in London (summer time)


def _pages(pdf: bytes) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages]


def _squash(text: str) -> str:
    return " ".join(text.split())


def _letter(case: Case, **kw) -> list[str]:
    return _pages(render_referral(case, assess(case), date=SEEN, branding=CLINIC, practitioner="Alice Moreau",
                                  registration="HCPC PH123456", **kw))


@pytest.mark.parametrize("path", REFERRING, ids=lambda p: p.stem[:10])
def test_one_signed_page_with_what_where_why_and_who_to_call(path):
    case = load_case(path)
    a = assess(case)
    pages = _letter(case)
    assert len(pages) == 1
    text = pages[0]
    kb = load_knowledge()
    for who in ("Alice Moreau", "HCPC PH123456", "Riverside Physiotherapy", "12 Mill Lane", "01234 567890",
                "21 July 2026, 14:05"):
        assert who in text, who
    top = max(a.red_flags, key=lambda f: ("monitor", "routine", "urgent", "emergency").index(f.urgency))
    assert _squash(top.label) in text and _squash(top.refer_to) in text
    assert _squash(handout_text()["urgency"][top.urgency]).upper() in text
    for flag in a.red_flags:  # every red flag, this service's or another's, is on the letter
        assert _squash(flag.label) in text, flag.id
    for finding in top.findings:
        assert _squash(kb.label(finding)) in text, finding
    negatives = [k for k in RED_FLAG_KEYS if getattr(case.red_flags, k) is False]
    for key in negatives:
        assert _squash(kb.label(key)) in text, key
    assert "%" not in text  # no probability on a letter
    assert "Reasoning aid" in text or "not a diagnosis" in text


def test_the_complaint_is_the_patients_not_a_stock_phrase():
    text = _letter(load_case(CES))[0]
    assert "pain in the hip region" not in text.lower()
    assert "Pain in the low back, buttock" in text and "right side" in text
    assert "pins and needles" in text and "Sudden onset, 1 week" in text


def test_unasked_red_flag_questions_are_named_as_gaps():
    data = load_case(CES).to_data()
    for key in ("fever_or_unwell", "history_of_cancer"):
        del data["red_flags"][key]
    case = Case.model_validate(data)
    text = _letter(case)[0]
    gaps = text.split("not asked (a gap, not a negative)")[1]
    assert "Fever or feeling unwell" in gaps and "History of cancer" in gaps
    negative = text.split("Asked and negative")[1].split("Red-flag questions not asked")[0]
    assert "History of cancer" not in negative


def test_every_red_flag_at_once_still_fits_one_page_and_names_each():
    data = load_case(CES).to_data()
    data["red_flags"] = dict.fromkeys(RED_FLAG_KEYS, True)
    data["case_format"] = 2  # every red-flag question, version 2's included
    data["patient"]["sex"] = "female"
    case = Case.model_validate(data)
    a = assess(case)
    pages = _letter(case)
    assert len(pages) == 1
    for flag in a.red_flags:
        assert _squash(flag.label) in pages[0], flag.id


def test_emergency_summary_opens_with_the_letter():
    case = load_case(CES)
    pages = _pages(render_summary(case, assess(case), date=SEEN, branding=CLINIC, practitioner="Alice Moreau"))
    assert "Referral letter" in pages[0] and "Dear colleague" in pages[0] and "Alice Moreau" in pages[0]
    assert "Clinician summary" in pages[1]
    assert not any("Dear colleague" in p for p in pages[1:])  # one service: the letter is not repeated


def test_no_referral_no_letter():
    case = load_case(CASES[0])
    assert not any(f.urgency != "monitor" for f in assess(case).red_flags)
    with pytest.raises(NoReferral):
        render_referral(case, assess(case), branding=CLINIC)


def test_the_clinic_time_zone_must_be_real(tmp_path):
    config = tmp_path / "clinic.toml"
    config.write_text('timezone = "Mars/Olympus"\n')
    with pytest.raises(BrandingError, match="timezone"):
        load_branding(config)
    config.write_text('timezone = "America/New_York"\n')
    case = load_case(CES)
    text = _pages(render_referral(case, assess(case), date=SEEN, branding=load_branding(config)))[0]
    assert "21 July 2026, 09:05" in text


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "intake", *args], capture_output=True, text=True, cwd=ROOT, timeout=60)


def test_command_line_writes_the_letter_or_says_there_is_none(tmp_path):
    out = tmp_path / "letter.pdf"
    result = _cli("referral", str(CES), "-o", str(out), "--practitioner", "Sam Okafor", "--registration", "HCPC PH9")
    assert result.returncode == 0, result.stderr
    pages = _pages(out.read_bytes())
    assert len(pages) == 1 and "Sam Okafor" in pages[0] and "HCPC PH9" in pages[0]
    result = _cli("referral", str(CASES[0]), "-o", str(tmp_path / "none.pdf"))
    assert result.returncode == 2 and "no referral letter" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "none.pdf").exists()
