"""Each outcome measure scored against its manual's worked examples and missing-item rule."""

from __future__ import annotations

import pytest
import yaml

from intake.measures import MEASURES_FILE, MeasureError, MeasuresError, change, load_measures, score

MEASURE_IDS = ["nprs", "psfs", "lefs", "hoos12", "hoos_ps", "odi", "start_back", "ompq10"]


def answers(*codes: int | None) -> dict[str, int]:
    """Item 1 first; None leaves that item out (not asked, never invented)."""
    return {str(n): c for n, c in enumerate(codes, start=1) if c is not None}


# ---------------------------------------------------------------- the data


def test_the_measures_are_exactly_the_case_format_ids():
    assert list(load_measures().measures) == MEASURE_IDS


@pytest.mark.parametrize("measure_id", MEASURE_IDS)
def test_every_measure_is_cited_attributed_and_states_its_missing_rule(measure_id):
    ms = load_measures()
    m = ms.get(measure_id)
    assert m.sources and all(s in ms.sources for s in m.sources)
    assert m.licence.attribution and m.licence.holder and m.missing_rule
    entry = score(measure_id, {}, activities=["walking"] if measure_id == "psfs" else None)
    assert entry["attribution"] == m.licence.attribution
    assert entry["citations"]


def test_items_whose_licence_forbids_reproduction_carry_short_labels_only():
    for m in load_measures().measures.values():
        if not m.licence.reproduce_items:
            assert all(len(item.label) <= 45 for item in m.items), m.id
            assert "project stores" in m.licence.terms or "does not reproduce" in m.licence.terms, m.id


def test_a_broken_measures_file_names_the_measure_and_field(tmp_path):
    data = yaml.safe_load(MEASURES_FILE.read_text(encoding="utf-8"))
    data["measures"][5]["sources"] = ["nobody1999"]
    path = tmp_path / "measures.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(MeasuresError, match=r"measure odi: field 'sources': unknown source 'nobody1999'"):
        load_measures(path)


# ---------------------------------------------------------------- ODI (Fairbank & Pynsent 2000)


def test_odi_worked_example_all_sections():
    # The form's own example: 16 points of a possible 50 -> 32%.
    entry = score("odi", answers(2, 2, 2, 2, 2, 2, 2, 1, 1, 0))
    assert entry["scores"] == {"percent": 32}
    assert entry["valid"] is True
    assert "moderate disability" in entry["interpretation"]


def test_odi_one_missed_section_is_scored_out_of_45():
    # The form's example: 16 of a possible 45 -> 35.5%, rounded to a whole number -> 36.
    entry = score("odi", answers(2, 2, 2, 2, 2, 2, 2, 1, 1, None))
    assert entry["scores"] == {"percent": 36}
    assert entry["answered"] == 9


def test_odi_two_missed_sections_are_not_scored():
    entry = score("odi", answers(2, 2, 2, 2, 2, 2, 2, 1, None, None))
    assert entry["valid"] is False and entry["scores"] == {}
    assert "not scored" in entry["interpretation"] and "8 of 10" in entry["interpretation"]


def test_odi_bands_and_extremes():
    assert score("odi", answers(*[0] * 10))["scores"]["percent"] == 0
    assert score("odi", answers(*[5] * 10))["scores"]["percent"] == 100
    assert "minimal disability" in score("odi", answers(1, 1, 1, 1, 1, 1, 1, 1, 1, 1))["interpretation"]  # 20%
    assert "severe disability" in score("odi", answers(3, 3, 3, 3, 3, 3, 3, 3, 3, 3))["interpretation"]  # 60%


def test_odi_code_out_of_range_names_measure_and_item():
    with pytest.raises(MeasureError, match=r"odi item '3': 6 is out of range 0-5"):
        score("odi", answers(1, 1, 6))


# ---------------------------------------------------------------- LEFS (Binkley 1999)


def test_lefs_total_is_the_sum_0_to_80():
    assert score("lefs", answers(*[4] * 20))["scores"] == {"total": 80}
    assert score("lefs", answers(*[0] * 20))["scores"] == {"total": 0}
    assert score("lefs", answers(*([3] * 10 + [2] * 10)))["scores"] == {"total": 50}


def test_lefs_with_one_missing_activity_is_not_scored():
    entry = score("lefs", answers(*([4] * 19 + [None])))
    assert entry["valid"] is False and entry["scores"] == {}


def test_lefs_refuses_an_item_beyond_20():
    with pytest.raises(MeasureError, match=r"lefs item '21': no such item"):
        score("lefs", {"21": 2})


# ---------------------------------------------------------------- HOOS-12 (Gandek 2019; koos.nu)


def test_hoos12_best_and_worst():
    best = score("hoos12", answers(*[0] * 12))["scores"]
    assert best == {"pain": 100.0, "function": 100.0, "qol": 100.0, "summary": 100.0}
    worst = score("hoos12", answers(*[4] * 12))["scores"]
    assert worst == {"pain": 0.0, "function": 0.0, "qol": 0.0, "summary": 0.0}


def test_hoos12_scales_and_summary():
    # pain items 1,1,2,2 -> mean 1.5 -> 62.5; function 0,0,1,1 -> 87.5; qol 2,2,2,2 -> 50; summary mean 66.7.
    entry = score("hoos12", answers(1, 1, 2, 2, 0, 0, 1, 1, 2, 2, 2, 2))
    assert entry["scores"] == {"pain": 62.5, "function": 87.5, "qol": 50.0, "summary": 66.7}


def test_hoos12_missing_item_takes_the_persons_scale_mean():
    # pain 1,3 answered (2 of 4: the minimum) -> mean 2 -> 50, as if the missing items were 2 each.
    entry = score("hoos12", answers(1, None, 3, None, 0, 0, 0, 0, 0, 0, 0, 0))
    assert entry["scores"]["pain"] == 50.0


def test_hoos12_per_scale_missing_rule():
    # qol has one item only: that scale and the summary are not scored; the other scales are.
    entry = score("hoos12", answers(1, 1, 1, 1, 2, 2, 2, 2, 3, None, None, None))
    assert entry["scores"] == {"pain": 75.0, "function": 50.0}
    assert set(entry["not_scored"]) == {"qol", "summary"}
    assert entry["valid"] is True
    assert "Not scored" in entry["interpretation"]


# ---------------------------------------------------------------- HOOS-PS (Davis 2008 table)


@pytest.mark.parametrize(("codes", "expected"), [
    ((0, 0, 0, 0, 0), 100.0), ((1, 0, 0, 0, 0), 95.4), ((2, 2, 2, 2, 2), 62.3),
    ((4, 4, 4, 4, 3), 9.2), ((4, 4, 4, 4, 4), 0.0), ((3, 3, 3, 2, 2), 49.2),
])
def test_hoos_ps_converts_the_raw_sum_with_the_published_table(codes, expected):
    assert score("hoos_ps", answers(*codes))["scores"] == {"score": expected}


def test_hoos_ps_needs_all_five_items():
    entry = score("hoos_ps", answers(1, 1, 1, 1, None))
    assert entry["valid"] is False


# ---------------------------------------------------------------- STarT Back (Hill 2008)


def test_start_back_low_risk_total_up_to_3():
    entry = score("start_back", answers(1, 1, 1, 0, 0, 0, 0, 0, 2))  # item 9 "moderately" counts 0
    assert entry["scores"] == {"total": 3, "psychosocial": 0, "risk": "low"}


def test_start_back_medium_risk_total_4_psychosocial_up_to_3():
    entry = score("start_back", answers(1, 1, 1, 0, 1, 1, 0, 0, 3))  # item 9 "very much" counts 1
    assert entry["scores"] == {"total": 6, "psychosocial": 3, "risk": "medium"}
    assert "physiotherapy" in entry["interpretation"]


def test_start_back_high_risk_psychosocial_4_or_more():
    entry = score("start_back", answers(0, 0, 0, 0, 1, 1, 1, 0, 4))
    assert entry["scores"] == {"total": 4, "psychosocial": 4, "risk": "high"}
    assert entry["plan"]["citations"][0] == "Hill 2011"
    assert "psychologically informed" in entry["plan"]["text"]


def test_start_back_with_a_missing_item_gives_no_risk_group():
    entry = score("start_back", answers(1, 1, 1, 1, 1, 1, 1, 1, None))
    assert entry["valid"] is False and entry["scores"] == {} and "plan" not in entry
    assert set(entry["not_scored"]) == {"total", "psychosocial", "risk"}


def test_start_back_items_1_to_8_are_agree_or_disagree():
    with pytest.raises(MeasureError, match=r"start_back item '2': 2 is out of range 0-1"):
        score("start_back", answers(1, 2))


# ---------------------------------------------------------------- ÖMPQ-10 (Linton 2011)


def test_ompq10_reverses_items_6_9_and_10():
    # All 0 with duration code 1: the three reversed items score 10 each -> 1 + 30.
    assert score("ompq10", answers(1, *[0] * 9))["scores"] == {"total": 31}
    # Worst answers everywhere (reversed items at 0) -> 100.
    assert score("ompq10", answers(10, 10, 10, 10, 10, 0, 10, 10, 0, 0))["scores"] == {"total": 100}


def test_ompq10_cut_off_50():
    assert "at or above the cut-off" in score("ompq10", answers(5, 6, 4, 3, 5, 2, 6, 4, 5, 5))["interpretation"]  # 55
    assert "below the cut-off" in score("ompq10", answers(5, 6, 4, 3, 5, 7, 6, 4, 8, 6))["interpretation"]  # 42


def test_ompq10_duration_is_coded_1_to_10():
    with pytest.raises(MeasureError, match=r"ompq10 item '1': 0 is out of range 1-10"):
        score("ompq10", answers(0))


def test_ompq10_needs_all_ten():
    assert score("ompq10", answers(5, 6, 4, 3, 5, 2, 6, 4, 5))["valid"] is False


# ---------------------------------------------------------------- NPRS and PSFS


def test_nprs_average_of_now_best_worst():
    assert score("nprs", answers(4, 2, 7))["scores"] == {"now": 4, "best": 2, "worst": 7, "average": 4.3}


def test_nprs_without_worst_gives_no_average():
    entry = score("nprs", answers(4, 2))
    assert entry["scores"] == {"now": 4, "best": 2}
    assert set(entry["not_scored"]) == {"worst", "average"}


def test_psfs_average_of_the_named_activities():
    entry = score("psfs", answers(4, 6, 3), activities=["walking the dog", "gardening", "getting out of a car"])
    assert entry["scores"] == {"average": 4.3}


def test_psfs_refuses_a_rating_for_an_activity_not_named():
    with pytest.raises(MeasureError, match=r"psfs item '3': no such item"):
        score("psfs", answers(4, 6, 3), activities=["walking", "gardening"])


def test_psfs_needs_one_to_five_activities():
    with pytest.raises(MeasureError, match=r"psfs: name between 1 and 5 activities \(got 0\)"):
        score("psfs", {}, activities=[])


def test_activities_belong_to_psfs_only():
    with pytest.raises(MeasureError, match=r"odi: `activities`"):
        score("odi", answers(1), activities=["walking"])


# ---------------------------------------------------------------- every measure


@pytest.mark.parametrize("measure_id", MEASURE_IDS)
def test_all_missing_is_not_scored_never_guessed(measure_id):
    entry = score(measure_id, {}, activities=["walking"] if measure_id == "psfs" else None)
    assert entry["valid"] is False and entry["scores"] == {}
    assert "not scored" in entry["interpretation"]


@pytest.mark.parametrize("bad", [True, 1.5, "2", None])
def test_answer_codes_are_whole_numbers(bad):
    with pytest.raises(MeasureError, match=r"odi item '1': the answer code must be a whole number"):
        score("odi", {"1": bad})


def test_unknown_measure_is_named():
    with pytest.raises(MeasureError, match=r"^womac: unknown measure"):
        score("womac", {"1": 1})


# ---------------------------------------------------------------- change against the MCID


def test_odi_change_against_its_mcid_of_10():
    (better,) = change("odi", {"percent": 40}, {"percent": 28})
    assert (better.change, better.verdict, better.mcid) == (-12, "improved", 10)
    (small,) = change("odi", {"percent": 40}, {"percent": 34})
    assert small.verdict == "within_mcid"
    (worse,) = change("odi", {"percent": 30}, {"percent": 40})
    assert worse.verdict == "worse"
    assert "40% → 28%" in better.text and "MCID of 10" in better.text


def test_lefs_higher_is_better():
    (c,) = change("lefs", {"total": 40}, {"total": 49})
    assert c.verdict == "improved" and c.change == 9


def test_no_mcid_means_no_verdict():
    changes = change("hoos12", {"pain": 50.0, "qol": 40.0}, {"pain": 75.0})
    assert [(c.score, c.verdict) for c in changes] == [("pain", "no_mcid")]


def test_category_scores_have_no_numeric_change():
    changes = change("start_back", {"total": 6, "psychosocial": 3, "risk": "medium"},
                     {"total": 2, "psychosocial": 1, "risk": "low"})
    assert [c.score for c in changes] == ["total", "psychosocial"]


# ---------------------------------------------------------------- python -m intake score


def run_score(tmp_path, measure: str, payload, *flags: str):
    import subprocess
    import sys

    from tests.conftest import ROOT

    path = tmp_path / "answers.json"
    path.write_text(payload if isinstance(payload, str) else __import__("json").dumps(payload), encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "intake", "score", measure, str(path), *flags],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)


def test_cli_score_prints_the_outcomes_entry(tmp_path):
    import json

    result = run_score(tmp_path, "odi", {"answers": answers(2, 0, 3, 1, 2, 3, 1, 0, 2, 1)}, "--json")
    assert result.returncode == 0, result.stderr
    entry = json.loads(result.stdout)
    assert entry["measure"] == "odi" and entry["scores"] == {"percent": 30} and entry["valid"] is True
    assert "moderate disability" in entry["interpretation"]


def test_cli_score_psfs_with_activities(tmp_path):
    result = run_score(tmp_path, "psfs", {"activities": ["walking the dog", "gardening", "getting out of a car"],
                                          "answers": answers(4, 6, 3)})
    assert result.returncode == 0
    assert "average: 4.3" in result.stdout and "Stratford 1995" in result.stdout


@pytest.mark.parametrize(("measure", "payload", "message"), [
    ("odi", {"answers": {"3": 9}}, "odi item '3': 9 is out of range 0-5"),
    ("womac", {"answers": {"1": 1}}, "womac: unknown measure"),
    ("odi", {"answers": {"1": 1}, "extra": 1}, "unknown key 'extra'"),
    ("odi", "{not json", "not valid JSON"),
])
def test_cli_score_exits_2_naming_the_measure_and_item(tmp_path, measure, payload, message):
    result = run_score(tmp_path, measure, payload)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
