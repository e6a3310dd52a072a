"""`python -m intake`: exit codes, messages on standard error, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT, SHARED_CASES

CES = SHARED_CASES / "example-10-cauda-equina-syndrome.yaml"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "intake", *args], capture_output=True, text=True, cwd=ROOT, timeout=60)


def test_assess_text_leads_with_the_referral():
    result = run("assess", str(CES))
    assert result.returncode == 0
    assert result.stdout.index("Referral: EMERGENCY") < result.stdout.index("Differential")
    assert "Saddle numbness" in result.stdout and "emergency MRI" in result.stdout
    assert "not a diagnosis" in result.stdout


def test_next_says_first_that_an_urgent_referral_decides_the_visit_and_proposes_no_examination(capsys):
    from intake.cli import main

    assert main(["next", str(SHARED_CASES / "example-12-back-pain-with-cancer-history.yaml"), "--all"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == ["Referral: URGENT", "A red flag decides this visit: arrange the urgent referral first. Examination "
                         "can wait; only the red-flag questions still unasked are shown."]
    proposed = [line for line in lines if line[:4].strip().rstrip(".").isdigit()]
    assert proposed and all("[red_flag]" in line for line in proposed)


def test_assess_json_has_the_contract_shape():
    result = run("assess", str(CES), "--json")
    assert result.returncode == 0
    data = json.loads(result.stdout)
    for key in ("origins", "red_flags", "referral", "muscles", "therapies", "unanswered"):
        assert key in data
    assert data["referral"] == "emergency"
    assert {"id", "label", "likelihood", "because"} <= set(data["origins"][0])
    assert {"id", "urgency", "findings", "note"} <= set(data["red_flags"][0])
    assert {"id", "label", "for", "withheld"} <= set(data["therapies"][0])
    assert "saddle_anaesthesia" in data["red_flags"][0]["findings"]


def test_invalid_case_exits_2_with_the_field_named(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("case_format: 1\npatient: {age: 200}\n")
    for command in (["assess", str(bad)], ["validate", str(bad)]):
        result = run(*command)
        assert result.returncode == 2
        assert "patient.age: 200 is out of range" in result.stderr
        assert "Traceback" not in result.stderr and result.stdout == ""


def test_validate_reports_each_file():
    good = SHARED_CASES / "example-01-hip-osteoarthritis.yaml"
    result = run("validate", str(good), str(CES))
    assert result.returncode == 0
    assert result.stdout.count("valid case (format version 1)") == 2


def test_missing_file_is_a_clear_message():
    result = run("assess", "no-such-case.yaml")
    assert result.returncode == 2
    assert "cannot read the file" in result.stderr and "Traceback" not in result.stderr


def test_report_and_handout_write_pdfs(tmp_path):
    for command in ("report", "handout"):
        out = tmp_path / f"{command}.pdf"
        result = run(command, str(CES), "-o", str(out), "--paper", "letter")
        assert result.returncode == 0, result.stderr
        assert out.read_bytes().startswith(b"%PDF")


def test_a_bad_branding_file_exits_2_naming_the_field(tmp_path):
    config = tmp_path / "clinic.toml"
    config.write_text('accent = "not-a-colour"\n')
    result = subprocess.run(
        [sys.executable, "-m", "intake", "report", str(CES), "-o", str(tmp_path / "x.pdf")],
        capture_output=True, text=True, cwd=ROOT, timeout=60, env={**__import__("os").environ, "CLINIC_CONFIG": str(config)},
    )
    assert result.returncode == 2
    assert "accent" in result.stderr and "Traceback" not in result.stderr
