"""The evidence explorer's content: every test described and sourced, figures consistent with the rules."""

from __future__ import annotations

import shutil

import pytest
import yaml

from intake.evidence import entries, entry_for, search
from intake.knowledge import KNOWLEDGE_DIR, KnowledgeError
from intake.models import TESTS


def test_every_test_a_rule_reads_says_how_to_perform_it_and_who_it_was_studied_in(kb):
    read = {k for keys in kb.rule_keys.values() for k in keys}
    for key in TESTS:
        if key not in read:
            continue
        entry = entry_for(key)
        assert entry is not None, key
        assert entry.perform and len(entry.perform) > 40, key
        assert entry.citations, key
        assert entry.rules, key


def test_slump_shows_the_published_pair_and_the_rules_that_read_it():
    entry = entry_for("slump")
    radicular = next(a for a in entry.accuracy if a.origin == "lumbar_radicular")
    assert (radicular.sensitivity, radicular.specificity) == (0.84, 0.83)
    assert (radicular.lr_positive, radicular.lr_negative) == (4.9, 0.19)
    assert radicular.basis == "published"
    assert {"radicular.slump_positive", "radicular.slump_negative"} <= {r.rule for r in entry.rules}
    assert "Majlesi 2008" in "; ".join(radicular.citations)
    assert entry.population and "MRI" in entry.population


def test_sensitivity_and_specificity_are_worked_out_from_a_rule_pair_where_none_is_published():
    trochanter = next(a for a in entry_for("greater_trochanter_palpation").accuracy if a.origin == "lateral_hip")
    assert trochanter.basis == "published"  # Sn 80% published (Sp unverified)
    referred = next(a for a in entry_for("back_pain").accuracy if a.origin == "lumbar_referred")
    assert referred.basis == "from the clinical rule weights"  # moderate x2 for, x1/2 against
    assert referred.sensitivity / (1 - referred.specificity) == pytest.approx(referred.lr_positive)
    assert (1 - referred.sensitivity) / referred.specificity == pytest.approx(referred.lr_negative)
    scour = next(a for a in entry_for("scour").accuracy if a.origin == "hip_joint")
    assert (scour.basis, scour.sensitivity) == ("clinical rule weight, one side", None)


def test_an_unverified_figure_is_shown_as_such():
    entry = entry_for("greater_trochanter_palpation")
    assert not entry.verified
    assert any("not verified against the original" in c for a in entry.accuracy for c in a.citations)
    assert entry_for("sij_thigh_thrust").verified


def test_search_and_the_origin_filter():
    assert [e.key for e in search("slump")][:1] == ["slump"]
    sacroiliac = {e.key for e in search("", "sacroiliac")}
    assert {"sij_distraction", "sij_thigh_thrust", "gaenslen"} <= sacroiliac
    assert "slump" not in sacroiliac
    assert len(search("")) == len(entries())
    assert entry_for("tender_muscles.piriformis").key == "tender_muscles.piriformis"


def test_a_wrong_evidence_file_is_refused_with_the_field_named(tmp_path):
    folder = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, folder)
    data = yaml.safe_load((folder / "evidence.yaml").read_text(encoding="utf-8"))
    data["evidence"]["slump"]["sources"] = ["nobody2099"]
    (folder / "evidence.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"evidence\.yaml: slump: field 'sources': unknown source 'nobody2099'"):
        entries(folder)
