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
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = ["ConditionError", "Evaluator", "compile_condition", "explain", "keys_in", "kleene_all", "kleene_any"]

Facts = Mapping[str, Any]
Evaluator = Callable[[Facts], bool | None]

# What the knowledge base may say about each kind of key.
BOOLEAN_OPS = {"present", "absent"}
VALUE_OPS = {"equals", "in"}
NUMBER_OPS = {"at_least", "at_most", "above", "below"}


class ConditionError(ValueError):
    """A condition the language does not allow; the message names the operator or key."""


def compile_condition(spec: Any, key_kinds: Mapping[str, str]) -> Evaluator:
    """Compile a condition; `key_kinds` maps each known key to 'bool', 'number' or 'value'."""
    if not isinstance(spec, Mapping) or len(spec) != 1:
        raise ConditionError(f"a condition is a mapping with exactly one operator, got {spec!r}")
    (op, arg), = spec.items()
    if op in ("all", "any"):
        if not isinstance(arg, list) or not arg:
            raise ConditionError(f"'{op}' takes a non-empty list of conditions")
        parts = [compile_condition(a, key_kinds) for a in arg]
        return _all(parts) if op == "all" else _any(parts)
    if op == "not":
        inner = compile_condition(arg, key_kinds)
        return lambda facts: None if (v := inner(facts)) is None else not v
    if op == "count":
        return _count(arg, key_kinds)
    if op in ("answered", "missing"):
        key = _key(arg, op, key_kinds, None)
        if op == "answered":
            return lambda facts: facts.get(key) is not None
        return lambda facts: facts.get(key) is None
    if op in BOOLEAN_OPS:
        key = _key(arg, op, key_kinds, "bool")
        if op == "present":
            return lambda facts: facts.get(key)
        return lambda facts: None if (v := facts.get(key)) is None else not v
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


def _all(parts: list[Evaluator]) -> Evaluator:
    return lambda facts: kleene_all(part(facts) for part in parts)


def _any(parts: list[Evaluator]) -> Evaluator:
    return lambda facts: kleene_any(part(facts) for part in parts)


def _count(arg: Any, key_kinds: Mapping[str, str]) -> Evaluator:
    if not isinstance(arg, Mapping) or "of" not in arg:
        raise ConditionError("'count' takes {of: [...], at_least: N} or {of: [...], at_most: N, min_known: M}")
    unknown_keys = set(arg) - {"of", "at_least", "at_most", "min_known"}
    if unknown_keys:
        raise ConditionError(f"'count' does not take {sorted(unknown_keys)}")
    parts = [compile_condition(a, key_kinds) for a in arg["of"]]
    if ("at_least" in arg) == ("at_most" in arg):
        raise ConditionError("'count' takes exactly one of at_least or at_most")
    if "at_least" in arg:
        need = int(arg["at_least"])

        def at_least(facts: Facts) -> bool | None:
            values = [p(facts) for p in parts]
            true = values.count(True)
            if true >= need:
                return True
            return False if true + values.count(None) < need else None

        return at_least
    limit, min_known = int(arg["at_most"]), int(arg.get("min_known", len(parts)))

    def at_most(facts: Facts) -> bool | None:
        values = [p(facts) for p in parts]
        true = values.count(True)
        if true > limit:
            return False
        return True if len(values) - values.count(None) >= min_known else None

    return at_most


def _compare(op: str, key: str, target: Any) -> Evaluator:
    if op == "equals":
        return lambda facts: None if (v := facts.get(key)) is None else v == target
    if op == "in":
        options = frozenset(target)
        return lambda facts: None if (v := facts.get(key)) is None else v in options
    if not isinstance(target, (int, float)) or isinstance(target, bool):
        raise ConditionError(f"'{op}' compares {key!r} with a number, got {target!r}")
    compare = {
        "at_least": lambda v: v >= target,
        "at_most": lambda v: v <= target,
        "above": lambda v: v > target,
        "below": lambda v: v < target,
    }[op]
    return lambda facts: None if (v := facts.get(key)) is None else compare(v)


def explain(spec: Any, facts: Facts) -> tuple[bool | None, list[str]]:
    """Evaluate a condition again, returning the keys that made it true (for the trace).

    Slower than the compiled form; the engine calls it only for rules that fired.
    """
    (op, arg), = spec.items()
    if op in ("all", "any"):
        results = [explain(a, facts) for a in arg]
        values = [v for v, _ in results]
        if op == "all":
            value = kleene_all(values)
            keys = [k for _, ks in results for k in ks] if value else []
        else:
            value = kleene_any(values)
            keys = [k for v, ks in results if v for k in ks]
        return value, _dedupe(keys)
    if op == "not":
        inner, _ = explain(arg, facts)
        value = None if inner is None else not inner
        return value, sorted(k for k in keys_in(arg) if facts.get(k) is not None) if value else []
    if op == "count":
        results = [explain(a, facts) for a in arg["of"]]
        values = [v for v, _ in results]
        true = values.count(True)
        if "at_least" in arg:
            need = int(arg["at_least"])
            value = True if true >= need else (False if true + values.count(None) < need else None)
            keys = [k for v, ks in results if v for k in ks]
        else:
            known = len(values) - values.count(None)
            value = False if true > int(arg["at_most"]) else (True if known >= int(arg.get("min_known", len(values))) else None)
            keys = [k for a in arg["of"] for k in sorted(keys_in(a)) if facts.get(k) is not None]
        return value, _dedupe(keys) if value else []
    key = next(iter(arg)) if isinstance(arg, Mapping) else arg
    if op == "answered":
        value = facts.get(key) is not None
    elif op == "missing":
        value = facts.get(key) is None
    elif op == "present":
        value = facts.get(key)
    elif op == "absent":
        value = None if facts.get(key) is None else not facts.get(key)
    else:
        value = _compare(op, key, arg[key])(facts)
    # An unasked answer is never a finding: `missing` can make a rule fire but names no key.
    return value, [key] if value and op != "missing" else []


def _dedupe(keys: list[str]) -> list[str]:
    return list(dict.fromkeys(keys))
