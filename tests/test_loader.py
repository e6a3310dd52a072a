"""The loader refuses anything outside the v1 format with a message naming the field."""

from __future__ import annotations

import json
import os

import pytest

from intake import CaseError, load_case, load_vignette
from tests.conftest import SHARED_CASES

MINIMAL = {"case_format": 1, "patient": {"age": 40}}


def problems(data) -> list[str]:
    with pytest.raises(CaseError) as info:
        load_case(data)
    return [str(p) for p in info.value.problems]


def with_(**sections):
    data = json.loads(json.dumps(MINIMAL))
    for section, value in sections.items():
        data[section] = value
    return data


def test_minimal_case_is_valid_and_omitted_means_not_asked():
    case = load_case(MINIMAL)
    assert case.red_flags.saddle_anaesthesia is None
    assert case.exam.tests.slr is None
    assert case.history.pain_sites is None


def test_unknown_key_is_named_with_a_suggestion():
    msgs = problems(with_(red_flags={"saddle_anesthesia": True}))
    assert msgs[0].startswith("red_flags.saddle_anesthesia: unknown key")
    assert "did you mean 'saddle_anaesthesia'" in msgs[0]


def test_unknown_top_level_key_and_expected_outside_a_vignette_loader():
    assert problems(with_(diagnosis="hip"))[0].startswith("diagnosis: unknown key")


def test_value_outside_its_list():
    msgs = problems(with_(history={"pain_sites": ["groin", "hip"]}))
    assert msgs == [msgs[0]] and msgs[0].startswith("history.pain_sites[1]: 'hip' is not one of the allowed values")


def test_test_result_outside_its_list():
    assert problems(with_(exam={"tests": {"faber": "pos"}}))[0].startswith("exam.tests.faber: 'pos' is not one of")


def test_number_out_of_range():
    assert problems({"case_format": 1, "patient": {"age": 121}}) == ["patient.age: 121 is out of range: must be at most 120"]
    assert problems(with_(history={"pain_now": -1}))[0].startswith("history.pain_now: -1 is out of range")
    assert problems(with_(exam={"hip_internal_rotation_deg": 95}))[0].startswith("exam.hip_internal_rotation_deg: 95")


@pytest.mark.parametrize(
    ("data", "field", "expected_word"),
    [
        ({"case_format": 1, "patient": {"age": "forty"}}, "patient.age", "a whole number"),
        ({"case_format": 1, "patient": {"age": 40.5}}, "patient.age", "a whole number"),
        (with_(red_flags={"pregnant": "yes"}), "red_flags.pregnant", "true or false"),
        (with_(red_flags={"pregnant": 1}), "red_flags.pregnant", "true or false"),
        (with_(history={"pain_sites": "groin"}), "history.pain_sites", "a list"),
        (with_(history={"duration_weeks": True}), "history.duration_weeks", "a number"),
        (with_(patient=[40]), "patient", "a mapping"),
    ],
)
def test_wrong_type(data, field, expected_word):
    msgs = problems(data)
    assert any(m.startswith(f"{field}: wrong type: expected {expected_word}") for m in msgs), msgs


def test_missing_required_fields():
    assert problems({"patient": {"age": 3}}) == ["case_format: required but missing"]
    assert problems({"case_format": 1}) == ["patient: required but missing"]
    assert problems({"case_format": 3, "patient": {"age": 3}})[0].startswith("case_format: 3 is not one of")
    assert problems({"case_format": True, "patient": {"age": 3}})[0].startswith("case_format:")


def test_identifier_and_notes_limits():
    assert problems(with_(id="has space"))[0].startswith("id: 'has space' is not allowed")
    assert problems(with_(notes="x" * 10_001))[0].startswith("notes: too long: at most 10000 characters")
    assert load_case(with_(notes="Zoë 李雷 " * 1000)).notes


def test_every_problem_is_reported_at_once():
    msgs = problems({"case_format": 1, "patient": {"age": 300, "sex": "m"}, "red_flags": {"fever": True}})
    fields = {m.split(":")[0] for m in msgs}
    assert fields == {"patient.age", "patient.sex", "red_flags.fever"}


def test_empty_file(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("   \n")
    assert problems(path) == ["the file is empty"]


def test_unreadable_file(tmp_path):
    assert problems(tmp_path / "missing.yaml")[0].startswith("cannot read the file")
    assert problems(tmp_path)[0].startswith("cannot read the file")  # a directory
    if os.geteuid() != 0:  # root can read anything
        locked = tmp_path / "locked.yaml"
        locked.write_text("case_format: 1")
        locked.chmod(0)
        assert problems(locked)[0].startswith("cannot read the file")


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("case_format: 1\npatient: {age: 3, name: Søren}".encode("latin-1"))
    assert problems(path) == ["the file is not UTF-8 text"]


def test_yaml_alias_bomb_is_refused_quickly(tmp_path):
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for n in range(1, 9):
        prev = chr(ord("a") + n - 1)
        cur = chr(ord("a") + n)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines))
    msgs = problems(path)
    assert "anchors" in msgs[0] and "not allowed" in msgs[0]


def test_duplicate_keys_are_refused(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text("case_format: 1\npatient: {age: 3}\npatient: {age: 4}\n")
    assert "key 'patient' appears twice" in problems(path)[0]
    path.write_text('{"case_format": 1, "patient": {"age": 3, "age": 4}}')
    assert "key 'age' appears twice" in problems(path)[0]


def test_bad_yaml_and_json_name_the_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("case_format: 1\npatient: [unclosed\n")
    assert "line" in problems(path)[0]
    path.write_text('{"case_format": 1,}')
    assert problems(path)[0].startswith("not valid JSON")


def test_a_list_at_the_top_is_not_a_case(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- 1\n- 2\n")
    assert problems(path) == ["a case is a mapping of keys to values, but this is a list"]


def test_oversized_file(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("notes: '" + "x" * 1_100_000 + "'")
    assert "a case file is at most" in problems(path)[0]


def test_json_and_yaml_are_equivalent(tmp_path):
    case = load_case(SHARED_CASES / "example-01-hip-osteoarthritis.yaml")
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case.to_data()))
    assert load_case(path) == case


def test_vignette_expected_block_is_set_aside():
    path = SHARED_CASES / "example-10-cauda-equina-syndrome.yaml"
    case = load_case(path)
    assert "expected" not in case.to_data()
    _, expected = load_vignette(path)
    assert expected.referral == "emergency" and expected.red_flags == ["cauda_equina"]


def test_case_round_trips_through_its_own_output():
    for path in sorted(SHARED_CASES.glob("*.yaml")):
        case = load_case(path)
        assert load_case(case.to_data()) == case


# ---------------------------------------------------------------- case format 2

V2 = {"case_format": 2, "patient": {"age": 40}}


def test_version_1_refuses_every_version_2_field_by_name():
    from intake.models import V2_FIELDS

    for path in V2_FIELDS:
        data = json.loads(json.dumps(MINIMAL))
        node = data
        *parents, leaf = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = {
            "visit_date": "2026-11-30", "outcomes": [{"measure": "nprs", "answers": {"1": 3}}], "language": "en",
            "neuro_deficit_level": "l5", "handout": {"personal_note": "See you on Friday."},
        }.get(leaf, "positive" if parents[-1:] == ["tests"] else True)
        if leaf == "neuro_deficit_level":
            node["neuro_deficit"] = True
        assert problems(data) == [f"{path}: needs case_format: 2"], path
        data["case_format"] = 2
        assert load_case(data).case_format == 2


def test_version_1_names_every_version_2_field_it_uses():
    msgs = problems({"case_format": 1, "patient": {"age": 40, "language": "fr"}, "red_flags": {"systemically_unwell": False}})
    assert msgs == ["patient.language: needs case_format: 2", "red_flags.systemically_unwell: needs case_format: 2"]


def test_version_1_case_keeps_its_meaning_under_version_2():
    """The same answers read the same whichever version the file declares."""
    one = load_case({**MINIMAL, "history": {"limp": True}, "exam": {"tests": {"faber": "negative"}}})
    two = load_case({**V2, "history": {"limp": True}, "exam": {"tests": {"faber": "negative"}}})
    assert one.model_dump(exclude={"case_format"}) == two.model_dump(exclude={"case_format"})


def test_visit_date_is_an_iso_date_not_in_the_future():
    import datetime as dt

    assert load_case({**V2, "visit_date": "2026-11-30"}).visit_date == dt.date(2026, 11, 30)
    assert load_case({**V2, "visit_date": dt.date(2026, 11, 30)}).to_data()["visit_date"] == "2026-11-30"
    assert problems({**V2, "visit_date": "2999-01-01"}) == ["visit_date: 2999-01-01 is in the future"]
    assert problems({**V2, "visit_date": "2026-02-30"}) == ["visit_date: '2026-02-30' is not a real calendar date"]
    assert problems({**V2, "visit_date": "30/11/2026"}) == ["visit_date: '30/11/2026' is not a date written YYYY-MM-DD"]
    assert problems({**V2, "visit_date": 1764460800}) == ["visit_date: expected a date written YYYY-MM-DD"]


def test_patient_language_is_a_bcp47_tag():
    for tag in ("en", "es", "fr", "de", "ar", "pt-BR", "zh-Hant-TW", "es-419"):
        assert load_case({**V2, "patient": {"age": 40, "language": tag}}).patient.language == tag
    for tag in ("en_US", "english", "e", "pt-", ""):
        assert problems({**V2, "patient": {"age": 40, "language": tag}})[0].startswith("patient.language:"), tag


def test_neuro_deficit_level_needs_a_deficit():
    exam = {"neuro_deficit": True, "neuro_deficit_level": "upper_lumbar"}
    assert load_case({**V2, "exam": exam}).exam.neuro_deficit_level == "upper_lumbar"
    for deficit in (False, None):
        msgs = problems({**V2, "exam": {"neuro_deficit": deficit, "neuro_deficit_level": "l5"}})
        assert msgs == ["exam.neuro_deficit_level: given only with neuro_deficit: true"]
    assert problems({**V2, "exam": {"neuro_deficit": True, "neuro_deficit_level": "l4"}})[0].startswith(
        "exam.neuro_deficit_level: 'l4' is not one of the allowed values"
    )


def test_outcomes_are_checked_for_shape():
    good = {"measure": "psfs", "date": "2026-11-29", "activities": ["walking the dog"], "answers": {"1": 4}}
    assert load_case({**V2, "outcomes": [good]}).outcomes[0].answers == {"1": 4}
    cases = [
        ({"measure": "sf36", "answers": {}}, "outcomes[0].measure: 'sf36' is not one of the allowed values"),
        ({"measure": "odi", "answers": {"one": 2}}, "outcomes[0]: odi item 'one': no such item"),
        ({"measure": "odi", "answers": {"1": "2"}}, "outcomes[0].answers.1: wrong type: expected a whole number"),
        ({"measure": "odi", "answers": {"1": 2.5}}, "outcomes[0].answers.1: wrong type: expected a whole number"),
        ({"measure": "odi", "answers": {"1": -1}}, "outcomes[0]: odi item '1': -1 is out of range 0-5"),
        ({"measure": "odi", "answers": {"1": 1}, "activities": ["x"]}, "outcomes[0]: odi: `activities` belongs to a patient-specific"),
        ({"measure": "odi", "answers": {"1": 1}, "score": 3}, "outcomes[0].score: unknown key"),
    ]
    for entry, message in cases:
        msgs = problems({**V2, "outcomes": [entry]})
        assert msgs[0].startswith(message), (entry, msgs)
