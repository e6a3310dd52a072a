"""A tiny, closed condition language for clinical rules, compiled once when the knowledge loads.

Rules in the YAML say *when* they apply with these operators and nothing else (no `eval`):

    present: KEY          answered yes / positive / listed            (unknown when not asked)
    absent: KEY           answered no / negative / not listed         (unknown when not asked)
    answered: KEY         asked at all                                 (never unknown)
    missing: KEY          not asked                                    (never unknown)
    equals: {KEY: VALUE}  an enumerated answer, e.g. onset
    in: {KEY: [VALUES]}
    at_least / at_most / above / below: {KEY: NUMBER}
    all: [...]   any: [...]   not: {...}
    count: {of: [...], at_least: N}                 at least N of the conditions hold
    count: {of: [...], at_most: N, min_known: M}    at most N hold, with at least M answered

Evaluation is three-valued (True, False, None = unknown) so that "not asked" never reads as
"negative": a rule fires only when its condition is True.

There is one interpreter: a compiled ``Condition`` gives, in the same pass, its value and the
findings that made it true (``verdict``), so the trace a clinician reads is the decision itself.
Calling it gives the value alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from intake.errors import ConfigurationError

__all__ = ["BOOLEAN_OPS", "NUMBER_OPS", "VALUE_OPS", "Condition", "ConditionError", "Evaluator", "Verdict", "compile_condition", "keys_in",
           "kleene_all", "kleene_any"]

Facts = Mapping[str, Any]
# A condition's value and, when it is true, the keys (in order, once each) that made it so.
Verdict = tuple[bool | None, tuple[str, ...]]
_Judge = Callable[[Facts], Verdict]
_NONE: tuple[str, ...] = ()

# What the knowledge base may say about each kind of key.
BOOLEAN_OPS = {"present", "absent"}
VALUE_OPS = {"equals", "in"}
NUMBER_OPS = {"at_least", "at_most", "above", "below"}


class ConditionError(ConfigurationError):
    """A condition the language does not allow; the message names the operator or key."""


class Condition:
    """A compiled condition: ``verdict(facts)`` is (value, findings read); calling it is the value."""

    __slots__ = ("_judge", "spec")

    def __init__(self, judge: _Judge, spec: Any) -> None:
        self._judge = judge
        self.spec = spec

    def __call__(self, facts: Facts) -> bool | None:
        return self._judge(facts)[0]

    def verdict(self, facts: Facts) -> Verdict:
        return self._judge(facts)


Evaluator = Condition


def compile_condition(spec: Any, key_kinds: Mapping[str, str]) -> Condition:
    """Compile a condition; `key_kinds` maps each known key to 'bool', 'number' or 'value'."""
    return Condition(_compile(spec, key_kinds), spec)


def _compile(spec: Any, key_kinds: Mapping[str, str]) -> _Judge:
    if not isinstance(spec, Mapping) or len(spec) != 1:
        raise ConditionError(f"a condition is a mapping with exactly one operator, got {spec!r}")
    (op, arg), = spec.items()
    if op in ("all", "any"):
        if not isinstance(arg, list) or not arg:
            raise ConditionError(f"'{op}' takes a non-empty list of conditions")
        parts = [_compile(a, key_kinds) for a in arg]
        return _all(parts) if op == "all" else _any(parts)
    if op == "not":
        return _not(_compile(arg, key_kinds), sorted(keys_in(arg)))
    if op == "count":
        return _count(arg, key_kinds)
    if op in ("answered", "missing"):
        key = _key(arg, op, key_kinds, None)
        return _asked(key, op == "answered")
    if op in BOOLEAN_OPS:
        key = _key(arg, op, key_kinds, "bool")
        return _present(key) if op == "present" else _absent(key)
    if op in VALUE_OPS or op in NUMBER_OPS:
        if not isinstance(arg, Mapping) or len(arg) != 1:
            raise ConditionError(f"'{op}' takes a mapping of one key to a value, got {arg!r}")
        (key, target), = arg.items()
        _key(key, op, key_kinds, "number" if op in NUMBER_OPS else "value")
        return _compare(op, key, target)
    raise ConditionError(f"unknown operator {op!r}")


def keys_in(spec: Any) -> set[str]:
    """Every key a condition reads (for gap reporting and knowledge-base lint)."""
    if not isinstance(spec, Mapping):
        return set()
    (op, arg), = spec.items()
    if op in ("all", "any"):
        return set().union(*(keys_in(a) for a in arg))
    if op == "not":
        return keys_in(arg)
    if op == "count":
        return set().union(*(keys_in(a) for a in arg["of"]))
    if isinstance(arg, Mapping):
        return set(arg)
    return {arg}


def _key(arg: Any, op: str, key_kinds: Mapping[str, str], kind: str | None) -> str:
    if not isinstance(arg, str):
        raise ConditionError(f"'{op}' takes a key name, got {arg!r}")
    if arg not in key_kinds:
        raise ConditionError(f"'{op}' names unknown key {arg!r}")
    if kind is not None and key_kinds[arg] != kind:
        raise ConditionError(f"'{op}' needs a {kind} key, but {arg!r} is a {key_kinds[arg]} key")
    return arg


def kleene_all(values: Iterable[bool | None]) -> bool | None:
    """False if any is false, else unknown if any is unknown, else true (stops at the first false)."""
    unknown = False
    for value in values:
        if value is False:
            return False
        unknown = unknown or value is None
    return None if unknown else True


def kleene_any(values: Iterable[bool | None]) -> bool | None:
    """True if any is true, else unknown if any is unknown, else false (stops at the first true)."""
    unknown = False
    for value in values:
        if value is True:
            return True
        unknown = unknown or value is None
    return None if unknown else False


def _dedupe(keys: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(keys))


def _known(keys: Iterable[str], facts: Facts) -> tuple[str, ...]:
    """The keys that were answered: what a negative or counted-down condition read."""
    return tuple(k for k in keys if facts.get(k) is not None)


def _all(parts: list[_Judge]) -> _Judge:
    """True needs every part true, and then every part's findings count."""

    def judge(facts: Facts) -> Verdict:
        unknown = False
        found: list[str] = []
        for part in parts:
            value, keys = part(facts)
            if value is False:
                return False, _NONE
            if value is None:
                unknown = True
            else:
                found.extend(keys)
        return (None, _NONE) if unknown else (True, _dedupe(found))

    return judge


def _any(parts: list[_Judge]) -> _Judge:
    """True when a part is true; every true part's findings count, so all parts are read."""

    def judge(facts: Facts) -> Verdict:
        verdicts = [part(facts) for part in parts]
        found = [k for value, keys in verdicts if value for k in keys]
        if found or any(value for value, _ in verdicts):
            return True, _dedupe(found)
        return (None if any(value is None for value, _ in verdicts) else False), _NONE

    return judge


def _not(inner: _Judge, read: list[str]) -> _Judge:
    """Not true is made of the answers the inner condition read (say, the tests that were negative)."""

    def judge(facts: Facts) -> Verdict:
        value = inner(facts)[0]
        if value is None:
            return None, _NONE
        return (False, _NONE) if value else (True, _known(read, facts))

    return judge


def _asked(key: str, answered: bool) -> _Judge:
    def judge(facts: Facts) -> Verdict:
        value = (facts.get(key) is not None) == answered
        return value, (key,) if value else _NONE

    return judge


def _present(key: str) -> _Judge:
    def judge(facts: Facts) -> Verdict:
        value = facts.get(key)
        return value, (key,) if value else _NONE

    return judge


def _absent(key: str) -> _Judge:
    def judge(facts: Facts) -> Verdict:
        value = facts.get(key)
        if value is None:
            return None, _NONE
        return (False, _NONE) if value else (True, (key,))

    return judge


def _count(arg: Any, key_kinds: Mapping[str, str]) -> _Judge:
    if not isinstance(arg, Mapping) or "of" not in arg:
        raise ConditionError("'count' takes {of: [...], at_least: N} or {of: [...], at_most: N, min_known: M}")
    unknown_keys = set(arg) - {"of", "at_least", "at_most", "min_known"}
    if unknown_keys:
        raise ConditionError(f"'count' does not take {sorted(unknown_keys)}")
    parts = [_compile(a, key_kinds) for a in arg["of"]]
    if ("at_least" in arg) == ("at_most" in arg):
        raise ConditionError("'count' takes exactly one of at_least or at_most")
    if "at_least" in arg:
        need = int(arg["at_least"])

        def at_least(facts: Facts) -> Verdict:
            verdicts = [p(facts) for p in parts]
            values = [v for v, _ in verdicts]
            true = values.count(True)
            if true >= need:
                return True, _dedupe(k for v, keys in verdicts if v for k in keys)
            return (False if true + values.count(None) < need else None), _NONE

        return at_least
    limit, min_known = int(arg["at_most"]), int(arg.get("min_known", len(parts)))
    read = [k for a in arg["of"] for k in sorted(keys_in(a))]

    def at_most(facts: Facts) -> Verdict:
        values = [p(facts)[0] for p in parts]
        if values.count(True) > limit:
            return False, _NONE
        if len(values) - values.count(None) >= min_known:
            return True, _dedupe(_known(read, facts))
        return None, _NONE

    return at_most


def _compare(op: str, key: str, target: Any) -> _Judge:
    if op in VALUE_OPS:
        options = frozenset([target] if op == "equals" else target)
        compare: Callable[[Any], bool] = options.__contains__
    elif not isinstance(target, (int, float)) or isinstance(target, bool):
        raise ConditionError(f"'{op}' compares {key!r} with a number, got {target!r}")
    else:
        compare = {
            "at_least": lambda v: v >= target,
            "at_most": lambda v: v <= target,
            "above": lambda v: v > target,
            "below": lambda v: v < target,
        }[op]

    def judge(facts: Facts) -> Verdict:
        value = facts.get(key)
        if value is None:
            return None, _NONE
        return (True, (key,)) if compare(value) else (False, _NONE)

    return judge
