"""The student case library (intake/cases) meets its coverage rules.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from intake import assess, load_knowledge, load_vignette
from intake.engine import screening_applies
from intake.models import ORIGINS, RED_FLAG_CONDITIONS, RED_FLAG_KEYS
from tests.conftest import known_disagreements

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ROOT / "intake" / "cases"
ID_PATTERN = re.compile(r"^lib-(foundation|intermediate|advanced)-(\d{2})-[a-z0-9]+(?:-[a-z0-9]+)*$")
DIFFICULTIES = ("foundation", "intermediate", "advanced")
CLINICIAN_DELIVERED = {"dry_needling", "manipulation", "manual_therapy"}

@cache
def library() -> dict[Path, tuple]:
    return {path: load_vignette(path) for path in sorted(LIBRARY.glob("*.yaml"))}


def expected_of(path: Path):
    return library()[path][1]


def case_of(path: Path):
    return library()[path][0]


PATHS = sorted(LIBRARY.glob("*.yaml"))


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_each_vignette_loads_and_is_named_by_its_id(path):
    case, expected = load_vignette(path)
    assert expected is not None
    assert case.id == path.stem, f"{path.name}: id {case.id!r} must equal the file name"
    assert ID_PATTERN.match(case.id), f"{case.id!r} must read lib-<foundation|intermediate|advanced>-NN-slug"
    assert case.title and case.notes and expected.basis.strip()
    assert "teaching point" in case.notes.lower()
    if expected.origin is not None:
        assert expected.origin in expected.acceptable
    else:
        assert expected.acceptable == [] and expected.red_flags, "origin null is for visits decided by a red flag"


def test_there_are_at_least_24_vignettes():
    assert len(PATHS) >= 24


def test_ids_and_numbers_are_unique_and_differ_from_the_shared_examples():
    ids = [case_of(p).id for p in PATHS]
    assert len(ids) == len(set(ids))
    numbers = [ID_PATTERN.match(i).group(2) for i in ids]
    assert len(numbers) == len(set(numbers)), "each NN is used once across the library"
    shared = {load_vignette(p)[0].id for p in (ROOT / "intake" / "cases" / "examples").glob("*.yaml")}
    assert not set(ids) & shared


def test_each_difficulty_is_present():
    counts = Counter(ID_PATTERN.match(case_of(p).id).group(1) for p in PATHS)
    assert all(counts[d] >= 3 for d in DIFFICULTIES), counts


def test_every_origin_is_the_expected_first_at_least_twice():
    counts = Counter(expected_of(p).origin for p in PATHS)
    assert {o: counts[o] for o in ORIGINS if counts[o] < 2} == {}


def test_every_red_flag_condition_is_raised_at_least_once():
    raised = Counter(flag for p in PATHS for flag in expected_of(p).red_flags)
    assert [c for c in RED_FLAG_CONDITIONS if not raised[c]] == []


@pytest.mark.parametrize("precaution", ["anticoagulant_use", "pregnant"])
def test_each_precaution_changes_the_treatment(precaution):
    cases = [
        p for p in PATHS
        if getattr(case_of(p).red_flags, precaution) is True
        and {"dry_needling", "manipulation"} <= set(expected_of(p).withheld)
        and expected_of(p).referral == "none"
    ]
    assert cases, f"no case where {precaution} withholds dry needling and manipulation without a referral"


def test_every_referral_urgency_and_a_monitor_only_case():
    referrals = Counter(expected_of(p).referral for p in PATHS)
    assert all(referrals[r] for r in ("emergency", "urgent", "routine", "none")), referrals
    monitor_only = [p for p in PATHS if expected_of(p).referral == "none" and expected_of(p).red_flags]
    assert monitor_only, "a case with a flag to watch but no referral (e.g. osteoporosis alone)"


def test_mixed_presentations_accept_two_origins():
    mixed = [p for p in PATHS if len(expected_of(p).acceptable) >= 2]
    assert len(mixed) >= 2


def _answered_red_flag_questions(case) -> int:
    return sum(getattr(case.red_flags, key) is not None for key in RED_FLAG_KEYS)


def test_partial_presentations_list_every_unasked_question_as_a_gap():
    kb = load_knowledge()
    partial = [p for p in PATHS if _answered_red_flag_questions(case_of(p)) < len(RED_FLAG_KEYS) / 2]
    assert len(partial) >= 2
    for path in partial:
        case = case_of(path)
        unanswered = set(assess(case).unanswered)
        applies = screening_applies(case, kb)
        unasked = {q.key for q in kb.screening.values() if q.kind == "red_flag" and applies[q.key] and getattr(case.red_flags, q.key) is None}
        assert unasked <= unanswered, f"{path.stem}: gaps not listed {sorted(unasked - unanswered)}"


def test_the_red_flag_questions_asked_vary_between_cases():
    asked = {frozenset(k for k in RED_FLAG_KEYS if getattr(case_of(p).red_flags, k) is not None) for p in PATHS}
    assert len(asked) >= 8


def test_the_readme_lists_every_case():
    readme = (LIBRARY / "README.md").read_text(encoding="utf-8")
    missing = [case_of(p).id for p in PATHS if f"`{case_of(p).id}`" not in readme]
    assert missing == []


def test_known_disagreements_name_library_cases_with_a_reason():
    ids = {case_of(p).id for p in PATHS}
    for case_id, reason in known_disagreements().items():
        assert case_id in ids, f"{case_id} is not a library case"
        assert len(reason) > 40


def test_nothing_clinician_delivered_is_expected_withheld_without_a_cause():
    for path in PATHS:
        case, expected = library()[path]
        if CLINICIAN_DELIVERED & set(expected.withheld):
            precautions = case.red_flags.anticoagulant_use or case.red_flags.pregnant
            fragile = case.red_flags.osteoporosis or case.red_flags.long_term_corticosteroids
            assert expected.referral != "none" or precautions or fragile, path.stem


def test_the_examples_copy_matches_the_shared_examples_when_they_are_there():
    """The product and the suite read intake/cases/examples; ../shared/cases is where they came from."""
    shared = ROOT.parent / "shared" / "cases"
    if not shared.is_dir():
        pytest.skip("no ../shared/cases beside this clone: the repository's copy is all there is")
    ours = ROOT / "intake" / "cases" / "examples"
    assert sorted(p.name for p in ours.glob("*.yaml")) == sorted(p.name for p in shared.glob("*.yaml"))
    for path in shared.glob("*.yaml"):
        assert (ours / path.name).read_bytes() == path.read_bytes(), path.name


# Words that name a diagnosis rather than tell the story (checked beside each vignette's own answer).
DIAGNOSIS_WORDS = ("osteoarthritis", "syndrome", "radiculopathy", "tendinopathy", "impingement", "pelvic girdle pain",
                   "spondyloarthritis", "stenosis", "thrombosis", "aneurysm", "trigger points")


def _answer_terms(expected, kb) -> set[str]:
    labels = [kb.origins[o].label for o in ([expected.origin] if expected.origin else []) + list(expected.acceptable)]
    labels += [kb.red_flag_conditions[c].label for c in expected.red_flags]
    terms = set()
    for label in labels:
        for part in re.split(r"[()/,]", label.lower()):
            part = re.sub(r"^(suspected|possible)\s+", "", part.strip())
            if len(part) > 3:
                terms.add(part)
    return terms


def test_no_title_in_the_practice_library_names_the_diagnosis():
    from intake.practice.library import catalogue, load_entry

    kb = load_knowledge()
    named = {}
    for entry in catalogue():
        _, expected = load_entry(entry)
        title = entry.title.lower()
        hits = [t for t in sorted(_answer_terms(expected, kb) | set(DIAGNOSIS_WORDS)) if t in title]
        if hits:
            named[entry.key] = (entry.title, hits)
    assert named == {}
    # the check would catch the worked examples' own titles, which name their diagnosis
    case, expected = load_vignette(ROOT / "intake" / "cases" / "examples" / "example-10-cauda-equina-syndrome.yaml")
    assert "cauda equina syndrome" in _answer_terms(expected, kb) and "cauda equina" in case.title.lower()
