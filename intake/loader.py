"""Read a case (YAML or JSON, file or mapping) and refuse anything outside case format 1 or 2.

Every refusal is a `CaseError` whose problems each name the field and what is wrong with it,
so that the command line, the form and the upload page can show them without a traceback.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ValidationError

from intake.errors import InvalidInput
from intake.models import Case, Expected, version_2_fields_in

__all__ = ["CaseError", "Problem", "load_case", "load_vignette", "parse_text", "validate_case"]

MAX_FILE_BYTES = 1_000_000


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
    """SafeLoader that refuses anchors/aliases (alias bombs) and duplicate keys."""

    def compose_node(self, parent, index):
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
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} appears twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def parse_text(text: str, source: str | None = None) -> Any:
    """Parse YAML or JSON text (JSON is valid YAML, but JSON errors read better from json)."""
    if not text.strip():
        raise CaseError([Problem("", "the file is empty")], source)
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            return json.loads(text, object_pairs_hook=_json_no_duplicates)
        except json.JSONDecodeError as exc:
            raise CaseError(
                [Problem("", f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})")], source
            ) from None
        except _DuplicateKey as exc:
            raise CaseError([Problem("", f"not valid JSON: key {exc.key!r} appears twice")], source) from None
    try:
        return yaml.load(text, Loader=_StrictSafeLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        what = exc.problem or exc.context or "unreadable YAML"
        raise CaseError([Problem("", f"not valid YAML: {what}{where}")], source) from None
    except yaml.YAMLError as exc:
        raise CaseError([Problem("", f"not valid YAML: {exc}")], source) from None


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
