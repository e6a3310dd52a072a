"""The condition language: three-valued, closed, and strict about what it reads."""

from __future__ import annotations

import pytest

from intake.conditions import ConditionError, compile_condition, keys_in, kleene_all, kleene_any

KINDS = {"a": "bool", "b": "bool", "c": "bool", "n": "number", "v": "value", "onset": "value"}


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


def verdict(spec, **facts):
    return compile_condition(spec, KINDS).verdict(facts)


def test_the_trace_names_the_keys_that_made_it_true():
    spec = {"count": {"at_least": 2, "of": [{"present": "a"}, {"present": "b"}, {"at_most": {"n": 5}}]}}
    assert verdict(spec, a=True, b=False, n=3) == (True, ("a", "n"))
    assert keys_in(spec) == {"a", "b", "n"}


def test_calling_a_condition_is_its_verdicts_value():
    spec = {"all": [{"present": "a"}, {"any": [{"absent": "b"}, {"above": {"n": 2}}]}]}
    condition = compile_condition(spec, KINDS)
    for facts in ({}, {"a": True}, {"a": True, "b": False}, {"a": True, "b": True, "n": 1}, {"a": False}):
        assert condition(facts) is condition.verdict(facts)[0]
    assert condition.spec == spec


@pytest.mark.parametrize(
    ("spec", "facts", "expected"),
    [
        ({"present": "a"}, {"a": True}, (True, ("a",))),
        ({"present": "a"}, {"a": False}, (False, ())),
        ({"present": "a"}, {}, (None, ())),
        ({"absent": "a"}, {"a": False}, (True, ("a",))),
        ({"absent": "a"}, {"a": True}, (False, ())),
        ({"absent": "a"}, {}, (None, ())),
        ({"answered": "a"}, {"a": False}, (True, ("a",))),
        ({"answered": "a"}, {}, (False, ())),
        ({"missing": "a"}, {}, (True, ("a",))),
        ({"missing": "a"}, {"a": True}, (False, ())),
        ({"at_least": {"n": 3}}, {"n": 3}, (True, ("n",))),
        ({"at_least": {"n": 3}}, {"n": 2}, (False, ())),
        ({"at_most": {"n": 3}}, {"n": 3}, (True, ("n",))),
        ({"at_most": {"n": 3}}, {"n": 4}, (False, ())),
        ({"above": {"n": 3}}, {"n": 4}, (True, ("n",))),
        ({"above": {"n": 3}}, {"n": 3}, (False, ())),
        ({"below": {"n": 3}}, {"n": 2}, (True, ("n",))),
        ({"below": {"n": 3}}, {"n": 3}, (False, ())),
        ({"below": {"n": 3}}, {}, (None, ())),
        ({"equals": {"v": "x"}}, {"v": "x"}, (True, ("v",))),
        ({"equals": {"v": "x"}}, {"v": "y"}, (False, ())),
        ({"in": {"v": ["x", "y"]}}, {"v": "y"}, (True, ("v",))),
        ({"in": {"v": ["x", "y"]}}, {"v": "z"}, (False, ())),
        # all: every part's findings, in order, once; false or unknown give none
        ({"all": [{"present": "a"}, {"present": "b"}, {"present": "a"}]}, {"a": True, "b": True}, (True, ("a", "b"))),
        ({"all": [{"present": "a"}, {"present": "b"}]}, {"a": True}, (None, ())),
        ({"all": [{"present": "a"}, {"present": "b"}]}, {"b": False}, (False, ())),
        ({"all": [{"present": "a"}, {"present": "b"}]}, {"a": True, "b": False}, (False, ())),
        # any: the findings of every true part, not only the first
        ({"any": [{"present": "a"}, {"present": "b"}, {"present": "c"}]}, {"a": True, "c": True}, (True, ("a", "c"))),
        ({"any": [{"present": "a"}, {"present": "b"}]}, {"a": False, "b": False}, (False, ())),
        ({"any": [{"present": "a"}, {"present": "b"}]}, {"a": False}, (None, ())),
        ({"any": [{"missing": "a"}, {"present": "b"}]}, {"b": True}, (True, ("a", "b"))),
        # not: true is made of what the inner condition read and was answered, sorted
        ({"not": {"any": [{"present": "b"}, {"present": "a"}]}}, {"a": False, "b": False}, (True, ("a", "b"))),
        ({"not": {"all": [{"present": "b"}, {"present": "a"}]}}, {"a": False}, (True, ("a",))),
        ({"not": {"present": "a"}}, {"a": True}, (False, ())),
        ({"not": {"present": "a"}}, {}, (None, ())),
        # count at least: the findings of the true parts
        ({"count": {"at_least": 2, "of": [{"present": "a"}, {"present": "b"}, {"present": "c"}]}}, {"a": True, "b": True, "c": True},
         (True, ("a", "b", "c"))),
        ({"count": {"at_least": 2, "of": [{"present": "a"}, {"present": "b"}, {"present": "c"}]}}, {"a": True, "b": True, "c": False},
         (True, ("a", "b"))),
        ({"count": {"at_least": 2, "of": [{"present": "a"}, {"present": "b"}, {"present": "c"}]}}, {"a": True, "c": False}, (None, ())),
        ({"count": {"at_least": 2, "of": [{"present": "a"}, {"present": "b"}, {"present": "c"}]}}, {"a": True, "b": False, "c": False},
         (False, ())),
        ({"count": {"at_least": 1, "of": [{"present": "a"}]}}, {}, (None, ())),
        # count at most: the answered keys it read; too many true is false; too few answered unknown
        ({"count": {"at_most": 1, "of": [{"present": "c"}, {"present": "a"}, {"present": "b"}]}}, {"a": True, "b": False, "c": False},
         (True, ("c", "a", "b"))),
        ({"count": {"at_most": 1, "of": [{"present": "a"}, {"present": "b"}]}}, {"a": True, "b": True}, (False, ())),
        ({"count": {"at_most": 1, "of": [{"present": "a"}, {"present": "b"}]}}, {"a": True}, (None, ())),
        ({"count": {"at_most": 1, "min_known": 1, "of": [{"present": "a"}, {"present": "b"}]}}, {"a": True}, (True, ("a",))),
        ({"count": {"at_most": 0, "min_known": 1, "of": [{"present": "a"}, {"present": "b"}]}}, {}, (None, ())),
        ({"count": {"at_most": 0, "min_known": 1, "of": [{"present": "a"}, {"present": "a"}]}}, {"a": False}, (True, ("a",))),
        # a true part that read nothing answered still makes `any` true
        ({"any": [{"count": {"at_most": 1, "min_known": 0, "of": [{"present": "a"}]}}, {"present": "b"}]}, {}, (True, ())),
        # values longer than one letter: `equals` compares the whole value, never its letters
        ({"equals": {"onset": "sudden"}}, {"onset": "sudden"}, (True, ("onset",))),
        ({"equals": {"onset": "sudden"}}, {"onset": "s"}, (False, ())),
        ({"in": {"onset": ["sudden", "gradual"]}}, {"onset": "gradual"}, (True, ("onset",))),
        ({"in": {"onset": ["sudden"]}}, {"onset": "after_trauma"}, (False, ())),
    ],
)
def test_each_operator_gives_its_value_and_what_it_read(spec, facts, expected):
    assert verdict(spec, **facts) == expected
    assert compile_condition(spec, KINDS)(facts) is expected[0]


@pytest.mark.parametrize("spec", [{"equals": {"v": "x"}}, {"in": {"v": ["x", "y"]}}, {"not": {"equals": {"v": "x"}}},
                                  {"not": {"in": {"v": ["x"]}}}])
def test_an_unknown_answer_stays_unknown_under_equals_and_in(spec):
    """Not asked is never 'some other value': `not equals` of an unasked answer is unknown, not true."""
    assert verdict(spec) == (None, ())
    assert verdict(spec, v=None) == (None, ())


def test_numbers_are_compared_with_numbers_only():
    with pytest.raises(ConditionError, match="compares 'n' with a number"):
        compile_condition({"at_least": {"n": True}}, KINDS)
    with pytest.raises(ConditionError, match="'in' takes a mapping of one key"):
        compile_condition({"in": {"v": ["x"], "n": 1}}, KINDS)
    with pytest.raises(ConditionError, match=r"^'equals' needs a value key, but 'n' is a number key$"):
        compile_condition({"equals": {"n": 1}}, KINDS)


COUNT_SHAPE = "'count' takes {of: [...], at_least: N} or {of: [...], at_most: N, min_known: M}"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"count": [{"present": "a"}]}, COUNT_SHAPE),
        ({"count": {"at_least": 1}}, COUNT_SHAPE),
        ({"count": {"of": [{"present": "a"}], "at_least": 1, "at_most": 1}}, "'count' takes exactly one of at_least or at_most"),
        ({"count": {"of": [{"present": "a"}]}}, "'count' takes exactly one of at_least or at_most"),
        ({"count": {"of": [{"present": "a"}], "at_least": 1, "most": 1}}, "'count' does not take ['most']"),
        ({"any": {"present": "a"}}, "'any' takes a non-empty list of conditions"),
        ({"all": []}, "'all' takes a non-empty list of conditions"),
        ({"answered": ["a"]}, "'answered' takes a key name, got ['a']"),
        ({"missing": "zzz"}, "'missing' names unknown key 'zzz'"),
        ({"present": "n"}, "'present' needs a bool key, but 'n' is a number key"),
        ({"at_least": {"n": "three"}}, "'at_least' compares 'n' with a number, got 'three'"),
        ({"equals": "v"}, "'equals' takes a mapping of one key to a value, got 'v'"),
        ({"sometimes": "a"}, "unknown operator 'sometimes'"),
        ({}, "a condition is a mapping with exactly one operator, got {}"),
    ],
)
def test_errors_name_the_operator_or_key(spec, message):
    with pytest.raises(ConditionError) as caught:
        compile_condition(spec, KINDS)
    assert str(caught.value) == message


def test_keys_in_reads_every_operator():
    spec = {"all": [{"not": {"present": "a"}}, {"count": {"at_least": 1, "of": [{"equals": {"v": "x"}}]}}, {"missing": "n"}]}
    assert keys_in(spec) == {"a", "v", "n"}
    assert keys_in("not a condition") == set()


@pytest.mark.parametrize(("values", "all_", "any_"), [
    ([], True, False), ([True, True], True, True), ([True, None], None, True), ([False, None], False, None),
    ([None, None], None, None), ([False, False], False, False), ([None, True, False], False, True),
])
def test_kleene_logic(values, all_, any_):
    assert kleene_all(values) is all_
    assert kleene_any(values) is any_
