"""The knowledge base lints itself: complete, consistent, cited."""

from __future__ import annotations

import shutil

import pytest
import yaml

from intake.facts import CASE_KEY_KINDS
from intake.knowledge import KnowledgeError, load_knowledge
from intake.models import MUSCLES, ORIGINS, RED_FLAG_CONDITIONS, RED_FLAG_KEYS, REGIONS
from tests.conftest import ROOT

KNOWLEDGE = ROOT / "intake" / "knowledge"


def all_rules(kb):
    for origin in kb.origins.values():
        yield from origin.rules
    for muscle in kb.muscles.values():
        yield from muscle.rules


def test_every_origin_muscle_and_condition_is_covered(kb):
    assert set(kb.origins) == set(ORIGINS)
    assert set(kb.muscles) == set(MUSCLES)
    assert {r.condition for r in kb.red_flag_rules} == set(RED_FLAG_CONDITIONS)


def test_every_origin_has_evidence_for_and_against(kb):
    for origin in kb.origins.values():
        effects = [kb.effect_of(r) for r in origin.rules]
        assert any(e > 1 for e in effects), origin.id
        assert any(e < 1 for e in effects), origin.id
        assert origin.key_tests, origin.id


def test_every_red_flag_key_fires_alone(kb):
    for key in RED_FLAG_KEYS:
        if kb.screening[key].kind == "precaution":
            continue
        assert any(r.when == {"present": key} for r in kb.red_flag_rules), key


def test_precautions_withhold_needling_and_manipulation(kb):
    for key in ("anticoagulant_use", "pregnant"):
        withheld = {c for w in kb.withholding if w.when == {"present": key} for c in w.withholds}
        assert {"dry_needling", "manipulation"} <= withheld, key


def test_every_rule_and_therapy_cites_a_known_source(kb):
    cited = set()
    for rule in list(all_rules(kb)) + kb.red_flag_rules + kb.withholding:
        assert rule.sources
        assert set(rule.sources) <= set(kb.sources)
        cited |= set(rule.sources)
    for therapy in kb.therapies.values():
        assert set(therapy.sources) <= set(kb.sources)
        cited |= set(therapy.sources)
    for source in kb.sources.values():
        assert source.authors and 1900 < source.year < 2100


def test_every_source_is_used(kb):
    used = set(kb.settings.clinical_strength_sources) | set(kb.settings.coexistence_sources)
    for rule in list(all_rules(kb)) + kb.red_flag_rules + kb.withholding:
        used |= set(rule.sources)
    for origin in kb.origins.values():
        used |= set(origin.prior.sources)
    for muscle in kb.muscles.values():
        used |= set(muscle.sources)
    for therapy in kb.therapies.values():
        used |= set(therapy.sources)
    used |= set(kb.muscle_palpation.sources) | set(kb.muscle_referral_map.sources)
    assert set(kb.sources) - used == set()


def test_every_case_key_has_a_label(kb):
    assert set(CASE_KEY_KINDS) <= set(kb.findings)


def test_rule_ids_are_unique_and_every_referral_zone_is_a_region(kb):
    ids = [r.id for r in all_rules(kb)] + [r.id for r in kb.red_flag_rules] + [w.id for w in kb.withholding]
    assert len(ids) == len(set(ids))
    for muscle in kb.muscles.values():
        assert set(muscle.referral_zones) <= set(REGIONS)


def test_each_self_care_item_has_patient_wording(kb):
    for therapy in kb.therapies.values():
        if therapy.kind != "manual_therapy":
            assert therapy.self_care is not None, therapy.id
            assert therapy.self_care.dose and therapy.self_care.how


@pytest.fixture
def broken_copy(tmp_path):
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target)

    def edit(file: str, change):
        path = target / file
        data = yaml.safe_load(path.read_text())
        change(data)
        path.write_text(yaml.safe_dump(data, allow_unicode=True))
        return target

    return edit


def test_an_unknown_finding_is_refused_naming_file_rule_and_field(broken_copy):
    def change(data):
        data["origins"][0]["rules"][0]["when"] = {"present": "pain_sites.hip"}

    with pytest.raises(KnowledgeError, match=r"origins.yaml: rule hip.groin_pain: field 'when': 'present' names unknown key 'pain_sites.hip'"):
        load_knowledge(broken_copy("origins.yaml", change))


def test_an_unknown_source_is_refused(broken_copy):
    def change(data):
        data["rules"][0]["sources"] = ["nobody2099"]

    with pytest.raises(KnowledgeError, match=r"red_flags.yaml: rule cauda_equina.saddle_anaesthesia: field 'sources': unknown source 'nobody2099'"):
        load_knowledge(broken_copy("red_flags.yaml", change))


def test_a_rule_without_a_source_is_refused(broken_copy):
    def change(data):
        data["muscles"][0]["rules"][0]["sources"] = []

    with pytest.raises(KnowledgeError, match=r"muscles.yaml: muscles gluteus_medius: field 'rules.0.sources'"):
        load_knowledge(broken_copy("muscles.yaml", change))


def test_a_red_flag_key_without_a_rule_is_refused(broken_copy):
    def change(data):
        data["rules"] = [r for r in data["rules"] if r["when"] != {"present": "osteoporosis"}]

    with pytest.raises(KnowledgeError, match="red-flag key 'osteoporosis' has no rule that fires on it alone"):
        load_knowledge(broken_copy("red_flags.yaml", change))


def test_a_rule_whose_lr_is_1_is_refused(broken_copy):
    def change(data):
        rule = next(r for o in data["origins"] for r in o["rules"] if "lr" in r)
        rule["lr"] = 1.0

    with pytest.raises(KnowledgeError, match="an `lr` of 1 moves nothing"):
        load_knowledge(broken_copy("origins.yaml", change))


def test_a_rule_with_both_kinds_of_weight_is_refused(broken_copy):
    def change(data):
        data["origins"][0]["rules"][0]["strength"] = "weak"

    with pytest.raises(KnowledgeError, match="give either `lr`"):
        load_knowledge(broken_copy("origins.yaml", change))
