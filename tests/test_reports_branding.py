"""Clinic branding: defaults without a file, every field read, a clear message naming a bad field."""

from __future__ import annotations

from pathlib import Path

import pytest

from intake import assess, load_case
from reports import render_summary
from reports.bodychart import REGION_SHAPES, REGIONS, body_chart, svg_body_chart
from reports.branding import Branding, BrandingError, load_branding

ROOT = Path(__file__).resolve().parents[1]


def test_missing_default_file_gives_neutral_defaults(monkeypatch, tmp_path):
    monkeypatch.delenv("CLINIC_CONFIG", raising=False)
    monkeypatch.setattr("reports.branding.DEFAULT_CONFIG", tmp_path / "clinic.toml")
    assert load_branding() == Branding()


def test_example_file_is_valid():
    b = load_branding(ROOT / "clinic.example.toml")
    assert b.name == "Riverside Physiotherapy" and b.address[0] == "12 Mill Lane" and b.logo and b.logo.exists()
    assert b.paper == "a4" and b.emergency_number == "999"


def test_env_var_points_elsewhere(monkeypatch, tmp_path):
    f = tmp_path / "c.toml"
    f.write_text('name = "Zoë <Clinic> & Co"\naccent = "#aa3300"\nlogo = ""\n', encoding="utf-8")
    monkeypatch.setenv("CLINIC_CONFIG", str(f))
    b = load_branding()
    assert (b.name, b.accent, b.logo) == ("Zoë <Clinic> & Co", "#aa3300", None)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('nmae = "x"', "nmae"),
        ("name = 3", "name"),
        ('accent = "blue"', "accent"),
        ('address = [1, 2]', "address"),
        ('logo = "missing.png"', "logo"),
        ('logo = "logo.gif"', "logo"),
        ('paper = "a5"', "paper"),
    ],
)
def test_bad_field_is_named(tmp_path, text, field):
    f = tmp_path / "clinic.toml"
    f.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(BrandingError) as err:
        load_branding(f)
    assert repr(field) in str(err.value) and str(f) in str(err.value)


def test_not_toml_and_missing_explicit_file(tmp_path):
    f = tmp_path / "clinic.toml"
    f.write_text("name = \n", encoding="utf-8")
    with pytest.raises(BrandingError, match="not valid TOML"):
        load_branding(f)
    with pytest.raises(BrandingError, match="not found"):
        load_branding(tmp_path / "nope.toml")


def test_fake_image_refused(tmp_path):
    (tmp_path / "logo.png").write_text("not an image")
    f = tmp_path / "clinic.toml"
    f.write_text('logo = "logo.png"\n')
    with pytest.raises(BrandingError, match="not a PNG or JPEG"):
        load_branding(f)


def test_branding_prints_on_the_summary():
    import io

    from pypdf import PdfReader

    case = load_case(sorted((ROOT / "intake" / "cases" / "examples").glob("*.yaml"))[9])
    pdf = render_summary(case, assess(case), branding=load_branding(ROOT / "clinic.example.toml"), date="1 May 2026")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Riverside Physiotherapy" in text and "01234 567890" in text
    # the example names no practitioner: a document made without --practitioner signs as no one
    assert "A. Example" not in text and "HCPC PH000000" not in text
    signed = render_summary(case, assess(case), branding=load_branding(ROOT / "clinic.example.toml"), date="1 May 2026",
                            practitioner="Sam Physio", registration="HCPC PH7")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(signed)).pages)
    assert "Sam Physio" in text and "HCPC PH7" in text


def test_body_chart_geometry_and_svg():
    assert set().union(*(set(v) for v in REGION_SHAPES.values())) == set(REGIONS)
    svg = svg_body_chart(["groin", "low_back"], ["buttock"], side="right")
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert 'data-region="groin" data-side="right"' in svg and "stroke-dasharray" in svg
    assert body_chart(["foot"], [], "left").width > 0
    with pytest.raises(ValueError, match="unknown body-chart region"):
        svg_body_chart(["elbow"], [])
