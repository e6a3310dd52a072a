"""The practice case library: which vignettes a student can pick, by title and difficulty, never by answer.

Three shelves: the student library in ``intake/cases`` (difficulty in the id:
``lib-<foundation|intermediate|advanced>-NN-slug``), the worked examples (``intake/cases/examples``,
the project's copy of the shared examples, so a clone of the repository alone has them) and the vignettes instructors upload (kept in the database by
``intake.store``, never in the repository). Pure functions: the caller passes the uploaded
vignettes in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from intake.loader import load_vignette
from intake.models import Case, Expected

__all__ = [
    "DIFFICULTIES",
    "LIBRARY_DIR",
    "SHARED_DIR",
    "UPLOAD_PREFIX",
    "CaseEntry",
    "catalogue",
    "difficulty_from_id",
    "file_entries",
    "load_entry",
    "presenting_title",
]

LIBRARY_DIR = Path(__file__).parents[1] / "cases"
SHARED_DIR = Path(__file__).parents[1] / "cases" / "examples"  # the shared examples, copied into the repository
DIFFICULTIES: tuple[str, ...] = ("foundation", "intermediate", "advanced", "example", "uploaded")
UPLOAD_PREFIX = "uploaded-"
_DIFFICULTY_IN_ID = re.compile(r"^lib-(foundation|intermediate|advanced)-")


@dataclass(frozen=True)
class CaseEntry:
    """One pickable case: its key (stored with each attempt), title and difficulty; no answer."""

    key: str
    title: str
    difficulty: str
    path: Path | None = None
    data: Mapping[str, Any] | None = None


def difficulty_from_id(case_id: str | None, default: str = "uploaded") -> str:
    match = _DIFFICULTY_IN_ID.match(case_id or "")
    if match:
        return match.group(1)
    return "example" if (case_id or "").startswith("example-") else default


# Sites whose form label names a structure (and so, perhaps, the answer): the place in plain words.
_SITE_WORDS = {"sacroiliac": "back of the pelvis", "lateral_hip": "side of the hip"}


def _person(case: Case) -> str:
    sex, age = case.patient.sex, case.patient.age
    word = {"male": "man" if age >= 18 else "boy", "female": "woman" if age >= 18 else "girl"}.get(sex or "", "person")
    return f"{age}-year-old {word}"


def presenting_title(case: Case, number: str | None = None) -> str:
    """A title from the presenting story alone (who, and where it hurts), for a vignette whose own title
    names its answer: the worked examples are titled by their diagnosis."""
    from intake.knowledge import load_knowledge

    kb = load_knowledge()
    sites = [_SITE_WORDS.get(s) or re.sub(r"\s*\(.*?\)", "", kb.label(f"pain_sites.{s}").split(":", 1)[-1]).strip()
             for s in case.history.pain_sites or []]
    where = (", ".join(sites[:-1]) + " and " + sites[-1]) if len(sites) > 1 else "".join(sites)
    lead = f"Worked example {int(number)}: a" if number else "A"
    return f"{lead} {_person(case)}" + (f" with pain in the {where}" if where else "")


@lru_cache(maxsize=4)
def _entries_in(directory: Path) -> tuple[CaseEntry, ...]:
    """The vignettes in a folder of the repository (read-only files: read once per process). The student
    library's titles tell the story without naming the answer; the worked examples are titled by their
    diagnosis, so they are listed by the presenting story instead."""
    out = []
    for path in sorted(directory.glob("*.yaml")):
        case, _ = load_vignette(path)
        key = case.id or path.stem
        example = re.match(r"^example-(\d+)-", key)
        title = presenting_title(case, example.group(1)) if example else case.title or key
        out.append(CaseEntry(key=key, title=title, difficulty=difficulty_from_id(key), path=path))
    return tuple(out)


def file_entries() -> tuple[CaseEntry, ...]:
    """The student library, then the worked examples."""
    entries = _entries_in(LIBRARY_DIR)
    entries += _entries_in(SHARED_DIR)
    return entries


def catalogue(uploaded: Iterable[Any] = ()) -> list[CaseEntry]:
    """Every pickable case: the files, then the uploaded vignettes (records with id, title, difficulty, data)."""
    entries = list(file_entries())
    for record in uploaded:
        entries.append(CaseEntry(key=UPLOAD_PREFIX + record.id, title=record.title or "Uploaded vignette",
                                 difficulty=record.difficulty or "uploaded", data=record.data))
    return entries


def load_entry(entry: CaseEntry) -> tuple[Case, Expected]:
    """The case and its answer; an uploaded vignette was validated when it was stored."""
    case, expected = load_vignette(entry.path if entry.path is not None else dict(entry.data or {}))
    assert expected is not None  # load_vignette requires the block
    return case, expected
