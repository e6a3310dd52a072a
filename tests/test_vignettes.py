"""Every vignette (shared examples and the case library) meets its `expected` block."""

from __future__ import annotations

import pytest

from intake import assess, load_vignette
from tests.conftest import SHARED_CASES, vignette_paths

PATHS = vignette_paths()


def test_the_shared_examples_are_found():
    assert len([p for p in PATHS if p.parent == SHARED_CASES]) >= 12


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_vignette_meets_expected(path):
    case, expected = load_vignette(path)
    assessment = assess(case)
    if expected.origin is not None:
        assert assessment.origins[0].id in expected.acceptable, (
            f"first origin {assessment.origins[0].id} not in {expected.acceptable}: "
            + ", ".join(f"{o.id} {o.probability:.2f}" for o in assessment.origins)
        )
        assert assessment.origins[0].likelihood != "unlikely"
    raised = {flag.id for flag in assessment.red_flags}
    assert set(expected.red_flags) <= raised
    assert assessment.referral == expected.referral
    assert set(expected.muscles) <= {m.id for m in assessment.muscles}
    assert set(expected.withheld) <= {w.id for w in assessment.withheld}
    if not expected.withheld:
        # Nothing clinician-delivered is withheld when the vignette says nothing should be.
        assert not ({"manual_therapy", "manipulation", "dry_needling"} & {w.id for w in assessment.withheld})
