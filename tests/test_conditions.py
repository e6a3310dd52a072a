"""The condition language: three-valued, closed, and strict about what it reads."""

from __future__ import annotations

import pytest

from intake.conditions import ConditionError, compile_condition, explain, keys_in

KINDS = {"a": "bool", "b": "bool", "c": "bool", "n": "number", "v": "value"}


def ev(spec, **facts):
    return compile_condition(spec, KINDS)(facts)


def test_present_and_absent_are_unknown_when_not_asked():
    assert ev({"present": "a"}, a=True) is True
    assert ev({"present": "a"}, a=False) is False
    assert ev({"present": "a"}) is None
    assert ev({"absent": "a"}) is None
    assert ev({"absent": "a"}, a=False) is True


def test_answered_and_missing_are_never_unknown():
    assert ev({"answered": "a"}) is False
    assert ev({"missing": "a"}) is True
    assert ev({"answered": "a"}, a=False) is True


def test_all_any_not_follow_kleene_logic():
    assert ev({"all": [{"present": "a"}, {"present": "b"}]}, a=True) is None
    assert ev({"all": [{"present": "a"}, {"present": "b"}]}, a=False) is False
    assert ev({"any": [{"present": "a"}, {"present": "b"}]}, b=True) is True
    assert ev({"any": [{"present": "a"}, {"present": "b"}]}, a=False) is None
    assert ev({"not": {"present": "a"}}) is None
    assert ev({"not": {"present": "a"}}, a=False) is True


def test_count_at_least_decides_only_when_it_can():
    spec = {"count": {"at_least": 2, "of": [{"present": "a"}, {"present": "b"}, {"present": "c"}]}}
    assert ev(spec, a=True, b=True) is True
    assert ev(spec, a=True) is None
    assert ev(spec, a=False, b=False) is False
    assert ev(spec, a=True, b=False) is None


def test_count_at_most_needs_enough_answers():
    spec = {"count": {"at_most": 0, "min_known": 2, "of": [{"present": "a"}, {"present": "b"}, {"present": "c"}]}}
    assert ev(spec, a=False) is None
    assert ev(spec, a=False, b=False) is True
    assert ev(spec, a=True) is False


def test_numbers_and_values():
    assert ev({"at_most": {"n": 25}}, n=25) is True
    assert ev({"below": {"n": 25}}, n=25) is False
    assert ev({"above": {"n": 50}}) is None
    assert ev({"in": {"v": ["x", "y"]}}, v="y") is True
    assert ev({"equals": {"v": "x"}}, v="z") is False


@pytest.mark.parametrize(
    "spec",
    [
        {"present": "zzz"},
        {"present": "n"},
        {"at_least": {"a": 3}},
        {"at_least": {"n": "three"}},
        {"eval": "1"},
        {"all": []},
        {"present": "a", "absent": "b"},
        {"count": {"of": [{"present": "a"}]}},
        "present a",
    ],
)
def test_bad_conditions_fail_at_compile_time(spec):
    with pytest.raises(ConditionError):
        compile_condition(spec, KINDS)


def test_explain_names_the_keys_that_made_it_true():
    spec = {"count": {"at_least": 2, "of": [{"present": "a"}, {"present": "b"}, {"at_most": {"n": 5}}]}}
    value, keys = explain(spec, {"a": True, "b": False, "n": 3})
    assert value is True and keys == ["a", "n"]
    assert keys_in(spec) == {"a", "b", "n"}
