"""Read a case (YAML or JSON, file or mapping) and refuse anything outside case format 1 or 2.

Every refusal is a `CaseError` whose problems each name the field and what is wrong with it,
so that the command line, the form and the upload page can show them without a traceback.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ValidationError

from intake.errors import InvalidInput
from intake.models import MAX_INT, Case, Expected, version_2_fields_in

__all__ = ["CaseError", "Problem", "check_values", "load_case", "load_vignette", "parse_text", "validate_case"]

MAX_FILE_BYTES = 1_000_000
#: Limits checked while parsing, before any model sees the data: nesting, how many values, how
#: long a number may be written (a case needs none of these anywhere near the limit).
MAX_DEPTH = 20
MAX_NODES = 20_000
MAX_NUMBER_DIGITS = 15


@dataclass(frozen=True)
class Problem:
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class CaseError(InvalidInput):
    """A case that is not valid (format 1 or 2); `problems` names each field at fault."""

    def __init__(self, problems: list[Problem], source: str | None = None):
        self.problems = problems
        self.source = source
        head = f"{source}: " if source else ""
        lines = [f"{head}not a valid case"] + [f"  - {p}" for p in problems]
        super().__init__("\n".join(lines))


class _StrictSafeLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors/aliases (alias bombs), duplicate and non-text keys, deep
    nesting and too many values (counted while composing, before anything is built), and reads
    numbers as written: ``064`` is 64 (YAML 1.1 would read it as octal 52), ``0x10`` and ``1:30``
    are text (then refused by the format), an over-long number or infinity is refused."""

    _depth = 0
    _nodes = 0

    def compose_node(self, parent, index):
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise yaml.constructor.ConstructorError(
                None, None, f"more than {MAX_NODES:,} values: not a case file", self.peek_event().start_mark)
        if self._depth >= MAX_DEPTH:
            raise yaml.constructor.ConstructorError(
                None, None, f"nested more than {MAX_DEPTH} levels deep: not a case file", self.peek_event().start_mark)
        self._depth += 1
        try:
            return self._compose_node(parent, index)
        finally:
            self._depth -= 1

    def _compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.constructor.ConstructorError(
                None, None, "YAML aliases (*name) are not allowed in a case file", event.start_mark
            )
        event = self.peek_event()
        if getattr(event, "anchor", None):
            raise yaml.constructor.ConstructorError(
                None, None, "YAML anchors (&name) are not allowed in a case file", event.start_mark
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str | int):  # a bool is an int
                raise yaml.constructor.ConstructorError(
                    None, None, "a key must be a word, not a list or a mapping", key_node.start_mark
                )
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} appears twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _yaml_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = loader.construct_scalar(node).replace("_", "")
    if len(text.lstrip("+-")) > MAX_NUMBER_DIGITS:
        raise yaml.constructor.ConstructorError(None, None, f"a number of more than {MAX_NUMBER_DIGITS} digits",
                                                node.start_mark)
    return int(text, 10)  # as written: leading zeros are not octal


def _yaml_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float:
    text = loader.construct_scalar(node)
    if len(text) > MAX_NUMBER_DIGITS + 10:
        raise yaml.constructor.ConstructorError(None, None, "a number written too long", node.start_mark)
    value = yaml.SafeLoader.construct_yaml_float(loader, node)
    if not math.isfinite(value):
        raise yaml.constructor.ConstructorError(None, None, f"{text!r} is not a finite number", node.start_mark)
    return value


# Numbers: decimal only (YAML 1.1 also reads octal, hex, binary and base-60 "1:30" as numbers).
_StrictSafeLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:int"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictSafeLoader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^[-+]?[0-9][0-9_]*$"),
                                        list("-+0123456789"))
_StrictSafeLoader.add_constructor("tag:yaml.org,2002:int", _yaml_int)
_StrictSafeLoader.add_constructor("tag:yaml.org,2002:float", _yaml_float)


def _json_depth(text: str) -> int:
    """How deeply brackets nest (outside strings): checked before json.loads, which recurses."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_DEPTH:
                return deepest
        elif char in "]}":
            depth -= 1
    return deepest


def _json_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise _BadNumber(f"a number of more than {MAX_NUMBER_DIGITS} digits")
    return int(text)


def _json_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value) or len(text) > MAX_NUMBER_DIGITS + 10:
        raise _BadNumber(f"{text[:30]!r} is not a finite number of sensible length")
    return value


def _json_constant(text: str) -> Any:
    raise _BadNumber(f"{text} is not a finite number")


class _BadNumber(ValueError):
    pass


def parse_text(text: str, source: str | None = None) -> Any:
    """Parse YAML or JSON text (JSON is valid YAML, but JSON errors read better from json)."""
    if len(text) > MAX_FILE_BYTES:
        raise CaseError([Problem("", f"the file is over {MAX_FILE_BYTES:,} characters; a case file is smaller")], source)
    if not text.strip():
        raise CaseError([Problem("", "the file is empty")], source)
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        if _json_depth(text) > MAX_DEPTH:
            raise CaseError([Problem("", f"not a case file: nested more than {MAX_DEPTH} levels deep")], source)
        try:
            data = json.loads(text, object_pairs_hook=_json_no_duplicates, parse_int=_json_int,
                              parse_float=_json_float, parse_constant=_json_constant)
        except _BadNumber as exc:
            raise CaseError([Problem("", f"not valid JSON: {exc}")], source) from None
        except RecursionError:
            raise CaseError([Problem("", "not a case file: nested too deeply")], source) from None
        except json.JSONDecodeError as exc:
            raise CaseError(
                [Problem("", f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})")], source
            ) from None
        except _DuplicateKey as exc:
            raise CaseError([Problem("", f"not valid JSON: key {exc.key!r} appears twice")], source) from None
        _count_json(data, source)
        return data
    try:
        return yaml.load(text, Loader=_StrictSafeLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        what = exc.problem or exc.context or "unreadable YAML"
        raise CaseError([Problem("", f"not valid YAML: {what}{where}")], source) from None
    except yaml.YAMLError as exc:
        raise CaseError([Problem("", f"not valid YAML: {exc}")], source) from None
    except RecursionError:
        raise CaseError([Problem("", "not a case file: nested too deeply")], source) from None


def _count_json(data: Any, source: str | None) -> None:
    count, stack = 0, [data]
    while stack:
        node = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise CaseError([Problem("", f"not a case file: more than {MAX_NODES:,} values")], source)
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def check_values(data: Any, path: str = "") -> list[Problem]:
    """Values no case may hold, whatever the field, each named: text with a NUL character (which
    PostgreSQL cannot store), a number that is not finite, a whole number beyond 32 bits, nesting
    deeper than any case has. For data that did not come through ``parse_text`` too (an upload's
    mapping, a restored record)."""
    problems: list[Problem] = []
    stack: list[tuple[Any, str, int]] = [(data, path, 0)]
    while stack and len(problems) < 20:
        node, where, depth = stack.pop()
        if depth > MAX_DEPTH:
            problems.append(Problem(where, f"nested more than {MAX_DEPTH} levels deep"))
        elif isinstance(node, dict):
            for key, value in node.items():
                name = f"{where}.{key}" if where else str(key)
                if not isinstance(key, str):
                    problems.append(Problem(where, f"the key {str(key)[:40]!r} is not a word"))
                elif "\x00" in key:
                    problems.append(Problem(where, "a key holds a NUL character"))
                else:
                    stack.append((value, name, depth + 1))
        elif isinstance(node, list):
            stack.extend((value, f"{where}[{n}]", depth + 1) for n, value in enumerate(node))
        elif isinstance(node, str):
            if "\x00" in node:
                problems.append(Problem(where, "the text holds a NUL character"))
        elif isinstance(node, bool):
            continue
        elif isinstance(node, int):
            if abs(node) > MAX_INT:
                problems.append(Problem(where, f"{node if abs(node) < 10**20 else 'the number'} is beyond the "
                                        f"largest whole number a case may hold ({MAX_INT:,})"))
        elif isinstance(node, float) and not math.isfinite(node):
            problems.append(Problem(where, f"{node} is not a finite number"))
    return problems


class _DuplicateKey(ValueError):
    def __init__(self, key: str):
        self.key = key


def _json_no_duplicates(pairs: list[tuple[str, Any]]) -> dict:
    out: dict = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def _read(path: Path) -> Any:
    source = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise CaseError([Problem("", f"the file is {size:,} bytes; a case file is at most {MAX_FILE_BYTES:,}")], source)
        raw = path.read_bytes()
    except CaseError:
        raise
    except OSError as exc:
        raise CaseError([Problem("", f"cannot read the file: {exc.strerror or exc}")], source) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CaseError([Problem("", "the file is not UTF-8 text")], source) from None
    return parse_text(text, source)


def _split_expected(data: Any, source: str | None) -> tuple[dict, Any]:
    if not isinstance(data, Mapping):
        kind = "a list" if isinstance(data, list) else type(data).__name__
        raise CaseError([Problem("", f"a case is a mapping of keys to values, but this is {kind}")], source)
    data = dict(data)
    expected = data.pop("expected", None)
    return data, expected


def validate_case(data: Mapping, source: str | None = None) -> Case:
    """Validate an already-parsed mapping (no `expected` block allowed here)."""
    if not isinstance(data, Mapping):
        raise CaseError([Problem("", "a case is a mapping of keys to values")], source)
    problems = check_values(dict(data))
    if problems:
        raise CaseError(problems, source)
    if data.get("case_format") == 1 and not isinstance(data.get("case_format"), bool):
        used = version_2_fields_in(dict(data))
        if used:
            raise CaseError([Problem(path, "needs case_format: 2") for path in used], source)
    try:
        return Case.model_validate(dict(data))
    except ValidationError as exc:
        raise CaseError(describe_errors(exc, Case, data), source) from None


def load_case(path_or_mapping: str | Path | Mapping) -> Case:
    """Load a case; a vignette's `expected` block is set aside, as the format says."""
    case, _ = load_vignette(path_or_mapping, require_expected=False)
    return case


def load_vignette(path_or_mapping: str | Path | Mapping, require_expected: bool = True) -> tuple[Case, Expected | None]:
    if isinstance(path_or_mapping, Mapping):
        source, data = None, path_or_mapping
    else:
        source = str(path_or_mapping)
        data = _read(Path(path_or_mapping))
    data, expected_raw = _split_expected(data, source)
    case = validate_case(data, source)
    if expected_raw is None:
        if require_expected:
            raise CaseError([Problem("expected", "a vignette needs an `expected` block")], source)
        return case, None
    try:
        expected = Expected.model_validate(expected_raw)
    except ValidationError as exc:
        problems = describe_errors(exc, Expected, expected_raw)
        raise CaseError([Problem(f"expected.{p.field}" if p.field else "expected", p.message) for p in problems], source) from None
    return case, expected


# ---------------------------------------------------------------- error wording


def describe_errors(exc: ValidationError, model: type[BaseModel], data: Any) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for err in exc.errors(include_url=False):
        loc = [part for part in err["loc"] if not _is_union_tag(part) and part != "[key]"]
        message = _message(err, model, loc)
        if err["type"] == "value_error":
            # A cross-field check names its own field first ("activities: ..."): put it in the path.
            name, sep, rest = message.partition(": ")
            if sep and name in _allowed_keys(model, loc):
                loc, message = [*loc, name], rest
        field = _dotted(loc)
        if (field, message) in seen:
            continue
        seen.add((field, message))
        problems.append(Problem(field, message))
    return problems


def _is_union_tag(part: Any) -> bool:
    return isinstance(part, str) and (part.startswith(("literal[", "list[", "function-")) or part in {"int", "float", "bool", "str"})


def _dotted(loc: list) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _message(err: Mapping[str, Any], model: type[BaseModel], loc: list) -> str:
    kind = err["type"]
    value = err.get("input")
    ctx = err.get("ctx") or {}
    if kind == "extra_forbidden":
        name = str(loc[-1]) if loc else "?"
        allowed = _allowed_keys(model, loc[:-1])
        close = difflib.get_close_matches(name, allowed, n=1)
        suggestion = f" (did you mean {close[0]!r}?)" if close else ""
        return f"unknown key{suggestion}; allowed here: {', '.join(allowed)}" if allowed else "unknown key"
    if kind == "missing":
        return "required but missing"
    if kind == "value_error":
        return str(ctx.get("error") or err.get("msg", "invalid value"))
    if kind == "literal_error":
        expected = ctx.get("expected", "")
        hint = ""
        options = [o.strip().strip("'") for o in str(expected).replace(" or ", ", ").split(",")]
        if isinstance(value, str):
            matches = difflib.get_close_matches(value, options, n=1)
            hint = f" (did you mean {matches[0]!r}?)" if matches else ""
        return f"{value!r} is not one of the allowed values{hint}: {expected}"
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        bounds = {"greater_than_equal": "at least", "less_than_equal": "at most", "greater_than": "more than", "less_than": "less than"}
        limit = next(iter(ctx.values()), "?")
        return f"{value!r} is out of range: must be {bounds[kind]} {limit}"
    if kind == "string_too_long":
        return f"too long: at most {ctx.get('max_length')} characters (got {len(value) if isinstance(value, str) else '?'})"
    if kind == "string_pattern_mismatch":
        if loc and loc[-1] != "id":
            return f"{value!r} is not an item number: use the instrument's item numbers as text, \"1\" first"
        return f"{value!r} is not allowed: use letters, digits, '-' or '_' (at most 64)"
    if kind == "value_error":
        return str(ctx.get("error", err.get("msg", "invalid value")))
    type_words = {
        "bool_type": "true or false", "int_type": "a whole number", "float_type": "a number",
        "string_type": "text", "list_type": "a list", "model_type": "a mapping of keys to values",
        "dict_type": "a mapping of keys to values", "model_attributes_type": "a mapping of keys to values",
    }
    if kind in type_words:
        return f"wrong type: expected {type_words[kind]}, got {_describe_value(value)}"
    return err.get("msg", "invalid value")


def _describe_value(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a true/false)"
    if isinstance(value, (int, float)):
        return f"{value!r} (a number)"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"{shown!r} (text)"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    return type(value).__name__


def _allowed_keys(model: type[BaseModel], loc: list) -> list[str]:
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return []
        current = _model_in(field.annotation)
        if current is None:
            return []
    return list(getattr(current, "model_fields", {}))


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None
