"""The intake form: which answers exist, their kind, their section, group and order, written once.

``intake/knowledge/form.yaml`` places every field of the case models in one slot of a section
and group; the answer's kind (yes/no, test result, number, choice, several of a list, text)
and its allowed values come from the model's type. Facts, the wizard steps, the PDF findings
table, the FHIR Questionnaire, the practice exam list and the rule-test generators all derive
from the ``Form`` this module builds, so a question cannot be on one of them and missing from
another: at load every model field is in exactly one slot and every slot is a model field.
"""

from __future__ import annotations

import types
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from intake.errors import ConfigurationError
from intake.models import Case

__all__ = ["FORM_FILE", "Form", "FormError", "Group", "Section", "Slot", "SlotHints", "SlotKind", "build_form", "default_form",
           "load_form", "model_answers"]

FORM_FILE = Path(__file__).parent / "knowledge" / "form.yaml"
SlotKind = Literal["flag", "test", "integer", "decimal", "choice", "multi", "text"]
# How each answer kind reads as a fact (intake.facts): a test is positive or not, a list is one
# yes/no per value, free text is never read by the reasoning.
FACT_KIND: dict[str, str] = {"flag": "bool", "test": "bool", "integer": "number", "decimal": "number", "choice": "value"}
_TEST_VALUES = frozenset({"positive", "negative"})


class FormError(ConfigurationError):
    """The form and the case models disagree; the message names form.yaml, the place and the path."""


class SlotHints(BaseModel):
    """How form.yaml may word or lay out an answer (see the file's header)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str | None = None
    question: str | None = None
    help: str | None = None
    placeholder: str | None = None
    unit: str | None = None
    prompt: str | None = None
    none_label: str | None = None
    step: float = 1


class Slot(SlotHints):
    """One answer of the case: where it lives in the case (``path``), its kind and how it is asked."""

    path: str
    kind: SlotKind
    section: str
    group: str
    choices: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None

    @property
    def key(self) -> str:
        """The fact key the rules read (``limp``, ``faber``, ``pain_sites``): the path's last part."""
        return self.path.rsplit(".", 1)[-1]

    @property
    def fact_keys(self) -> tuple[str, ...]:
        """Every fact this answer gives: one per value for a list, none for free text."""
        if self.kind == "multi":
            return tuple(f"{self.key}.{c}" for c in self.choices)
        return () if self.kind == "text" else (self.key,)


@dataclass(frozen=True)
class Group:
    id: str
    title: str | None
    slots: tuple[Slot, ...]
    columns: int = 1
    flow: Literal["across", "down"] = "across"


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    groups: tuple[Group, ...]

    @property
    def slots(self) -> tuple[Slot, ...]:
        return tuple(s for g in self.groups for s in g.slots)


@dataclass(frozen=True)
class Form:
    sections: tuple[Section, ...]
    _by_path: dict[str, Slot] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_path.update({s.path: s for s in self.slots})

    @property
    def slots(self) -> tuple[Slot, ...]:
        return tuple(s for section in self.sections for s in section.slots)

    def section(self, section_id: str) -> Section:
        for section in self.sections:
            if section.id == section_id:
                return section
        raise KeyError(section_id)

    def slot(self, path: str) -> Slot:
        return self._by_path[path]

    def group(self, section_id: str, group_id: str) -> Group:
        for group in self.section(section_id).groups:
            if group.id == group_id:
                return group
        raise KeyError(f"{section_id}.{group_id}")

    @property
    def fact_kinds(self) -> dict[str, str]:
        """Every fact key of a case and how the condition language may compare it."""
        kinds: dict[str, str] = {}
        for slot in self.slots:
            if slot.kind == "multi":
                kinds.update({k: "bool" for k in slot.fact_keys})
            elif slot.kind != "text":
                kinds[slot.key] = FACT_KIND[slot.kind]
        return kinds

    @property
    def list_fields(self) -> dict[str, tuple[str, ...]]:
        """The several-of-a-list answers and their values (``pain_sites``: the regions)."""
        return {s.key: s.choices for s in self.slots if s.kind == "multi"}

    @property
    def test_keys(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.slots if s.kind == "test")

    @property
    def exam_keys(self) -> tuple[str, ...]:
        """Examination answers other than the named tests, lists both whole and per value."""
        out: list[str] = []
        for s in self.slots:
            if s.path.startswith("exam.") and s.kind != "test":
                out.append(s.key)
                if s.kind == "multi":
                    out.extend(s.fact_keys)
        return tuple(out)

    def path_of(self, fact_key: str) -> str:
        """The case path that answers a fact key (``pain_sites.groin`` -> ``history.pain_sites``)."""
        field_key = fact_key.partition(".")[0]
        for slot in self.slots:
            if slot.key == field_key and slot.kind != "text":
                return slot.path
        raise KeyError(fact_key)


# ---------------------------------------------------------------- the models' answers


def _unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """Strip ``| None`` and ``Annotated``: the bare type and the constraints it carried."""
    metadata: list[Any] = []
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation, *extra = get_args(annotation)
            metadata.extend(extra)
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation, metadata
            annotation = args[0]
        else:
            return annotation, metadata


def _bounds(metadata: list[Any], info: Any) -> tuple[float | None, float | None]:
    """The allowed range of a number, or (None, longest) of a text."""
    low = high = None
    for item in [*metadata, *info.metadata]:
        for constraint in getattr(item, "metadata", [item]):
            low = getattr(constraint, "ge", low)
            high = getattr(constraint, "le", getattr(constraint, "max_length", high))
    return low, high


def _answer_kind(annotation: Any, info: Any) -> tuple[SlotKind, tuple[str, ...], float | None, float | None]:
    bare, metadata = _unwrap(annotation)
    if get_origin(bare) is list:
        (item,) = get_args(bare)
        return "multi", tuple(get_args(_unwrap(item)[0])), None, None
    if get_origin(bare) is Literal:
        values = tuple(str(v) for v in get_args(bare))
        return ("test" if set(values) == _TEST_VALUES else "choice"), values, None, None
    low, high = _bounds(metadata, info)
    if bare is str:
        return "text", (), None, high
    if bare is bool or (isinstance(bare, type) and issubclass(bare, bool)):
        return "flag", (), None, None
    if bare is int:
        return "integer", (), low, high
    if bare is float:
        return "decimal", (), low, high
    raise FormError(f"intake/models.py: a field of type {annotation!r} has no answer kind the form knows")


def model_answers(model: type[BaseModel] = Case) -> dict[str, tuple[SlotKind, tuple[str, ...], float | None, float | None]]:
    """Every answer the case models hold, by path, in model order: the parts of a case that are
    themselves models (patient, history, red_flags, exam and exam.tests); the case's own scalars
    (format, id, title, notes) describe the file, not the patient, and a part marked
    ``answers: False`` (the handout's choices) describes a document."""
    out: dict[str, tuple[SlotKind, tuple[str, ...], float | None, float | None]] = {}

    def walk(m: type[BaseModel], prefix: str) -> None:
        for name, info in m.model_fields.items():
            if isinstance(info.json_schema_extra, dict) and info.json_schema_extra.get("answers") is False:
                continue
            bare, _ = _unwrap(info.annotation)
            if isinstance(bare, type) and issubclass(bare, BaseModel):
                walk(bare, f"{prefix}{name}.")
            elif prefix:
                out[prefix + name] = _answer_kind(info.annotation, info)

    walk(model, "")
    return out


# ---------------------------------------------------------------- form.yaml


class _RawSlot(SlotHints):
    key: str


class _RawGroup(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    title: str | None = None
    columns: int = 1
    flow: Literal["across", "down"] = "across"
    fields: list[str | _RawSlot]


class _RawSection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    title: str
    groups: list[_RawGroup]


class _RawForm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sections: list[_RawSection]


def build_form(data: Any, model: type[BaseModel] = Case, where: str = "form.yaml") -> Form:
    """Type the form, and refuse it unless it places every model answer exactly once."""
    try:
        raw = _RawForm.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        raise FormError(f"{where}: field {'.'.join(str(p) for p in first['loc'])!r}: {first['msg']}") from None
    answers = model_answers(model)
    placed: dict[str, str] = {}
    ids: set[str] = set()
    sections = []
    for raw_section in raw.sections:
        if raw_section.id in ids:
            raise FormError(f"{where}: section id {raw_section.id!r} is used twice")
        ids.add(raw_section.id)
        groups = []
        for raw_group in raw_section.groups:
            at = f"{where}: section {raw_section.id}, group {raw_group.id}"
            if f"{raw_section.id}.{raw_group.id}" in ids:
                raise FormError(f"{at}: group id is used twice in the section")
            ids.add(f"{raw_section.id}.{raw_group.id}")
            slots = []
            for item in raw_group.fields:
                raw_slot = _RawSlot(key=item) if isinstance(item, str) else item
                path = raw_slot.key
                if path not in answers:
                    raise FormError(f"{at}: {path!r} is not a field of the case models (intake/models.py)")
                if path in placed:
                    raise FormError(f"{at}: {path!r} is already placed in {placed[path]}")
                placed[path] = f"section {raw_section.id}, group {raw_group.id}"
                kind, choices, low, high = answers[path]
                slots.append(Slot(path=path, kind=kind, section=raw_section.id, group=raw_group.id, choices=choices,
                                  low=low, high=high, **raw_slot.model_dump(exclude={"key"})))
            groups.append(Group(raw_group.id, raw_group.title, tuple(slots), raw_group.columns, raw_group.flow))
        sections.append(Section(raw_section.id, raw_section.title, tuple(groups)))
    missing = [p for p in answers if p not in placed]
    if missing:
        raise FormError(f"{where}: no slot for {', '.join(missing)} (every field of the case models needs one)")
    form = Form(tuple(sections))
    keys = [k for s in form.slots for k in (s.key,) if s.kind != "text"]
    doubled = sorted({k for k in keys if keys.count(k) > 1})
    if doubled:
        raise FormError(f"{where}: fact key {', '.join(doubled)} is answered by two fields; the rules could not tell them apart")
    return form


@lru_cache(maxsize=8)
def load_form(path: str | Path = FORM_FILE, model: type[BaseModel] = Case) -> Form:
    """Read and check a form file; cached, because it is read-only and shared."""
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise FormError(f"{p.name}: cannot be read: {exc}") from None
    return build_form(data, model, p.name)


def default_form() -> Form:
    return load_form(FORM_FILE, Case)

