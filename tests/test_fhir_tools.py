"""FHIR checked by tools this project did not write (tests/fhir_tools, installed by scripts/test.sh):
the official R4 JSON schema with ajv, Medplum's R4 validator, and Medplum's FHIR router on its
in-memory repository, to which every example's transaction Bundle is posted twice."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from collections import Counter
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest

from intake import assess, load_case
from intake.fhir import questionnaire
from intake.fhir_bundle import Sender, bundle
from tests.conftest import LIBRARY_CASES, ROOT, SHARED_CASES

TOOLS = ROOT / "tests" / "fhir_tools"
CASES = sorted(SHARED_CASES.glob("*.yaml")) + sorted(LIBRARY_CASES.glob("*.yaml"))
SENDER = Sender(clinic="Riverside Physio", practitioner="Alice Moreau", registration="HCPC PH123456")
WHEN = datetime(2026, 11, 30, 9, 15, tzinfo=UTC)


def run_checks(files: list[Path]) -> dict[str, dict]:
    if shutil.which("node") is None or not (TOOLS / "node_modules" / "@medplum" / "fhir-router").is_dir():
        pytest.fail("the FHIR checkers are not installed: run ./scripts/test.sh (it runs npm ci in tests/fhir_tools)")
    done = subprocess.run(["node", "--experimental-websocket", "check.mjs", *map(str, files)], cwd=TOOLS,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


@cache
def _all_checked(tmp: str) -> dict[str, dict]:
    folder = Path(tmp)
    files = [folder / "questionnaire.json"]
    files[0].write_text(questionnaire().model_dump_json(exclude_none=True))
    for path in CASES:
        case = load_case(path)
        for kind in ("transaction", "document"):
            out = folder / f"{path.stem}.{kind}.json"
            out.write_text(bundle(case, assess(case), kind=kind, sender=SENDER, letter=b"%PDF-1.4 letter", authored=WHEN,
                                  subject="P-7KQ2M9XD").model_dump_json(exclude_none=True))
            files.append(out)
    return run_checks(files)


@pytest.fixture(scope="module")
def checked(tmp_path_factory) -> dict[str, dict]:
    return {Path(k).name: v for k, v in _all_checked(str(tmp_path_factory.mktemp("fhir"))).items()}


def test_the_questionnaire_passes_the_official_schema_and_medplum(checked):
    assert checked["questionnaire.json"] == {"schema": [], "medplum": []}


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_every_bundle_passes_the_schema_and_medplum_and_a_transaction_lands_once(path, checked):
    case = load_case(path)
    for kind in ("transaction", "document"):
        report = checked[f"{path.stem}.{kind}.json"]
        assert report["schema"] == [] and report["medplum"] == [], (kind, report)
        assert all(issues == [] for issues in report["entries"]), (kind, report["entries"])
    server = checked[f"{path.stem}.transaction.json"]["server"]
    assert set(server["first"]["statuses"]) == {"201"}  # all created the first time ...
    assert set(server["second"]["statuses"]) == {"200"}  # ... and matched, not created, when sent again
    sent = bundle(case, assess(case), kind="transaction", sender=SENDER, letter=b"%PDF-1.4 letter", authored=WHEN)
    assert server["counts"] == dict(Counter(e.resource.get_resource_type() for e in sent.entry))  # each once, after two posts
    present = sum(v is True for v in case.red_flags.model_dump().values()) + sum(
        v == "positive" for v in case.exam.tests.model_dump().values())
    assert server["counts"].get("Observation", 0) == present + len(assess(case).red_flags)
    assert len(server["links"]) == sum(f.urgency != "monitor" for f in assess(case).red_flags)
    for links in server["links"]:  # each referral, read back from the server: requester, answers, letter, differential
        assert links[:4] == ["PractitionerRole", "QuestionnaireResponse", "DocumentReference", "ClinicalImpression"]
        assert set(links[4:]) == {"Observation"}


def test_the_checkers_do_refuse_what_is_wrong(tmp_path):
    """The checks above can fail: a broken Questionnaire and a broken Bundle are refused by each tool."""
    form = questionnaire().model_dump(mode="json", exclude_none=True)
    broken = copy.deepcopy(form)
    broken["status"] = "finished"  # not a publication status
    del broken["item"][0]["item"][0]["linkId"]  # every item needs a linkId
    (tmp_path / "q.json").write_text(json.dumps(broken))
    case = load_case(SHARED_CASES / "example-10-cauda-equina-syndrome.yaml")
    data = bundle(case, assess(case), kind="transaction", sender=SENDER, authored=WHEN).model_dump(mode="json", exclude_none=True)
    request = next(e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "ServiceRequest")
    del request["subject"]  # a ServiceRequest must have a subject
    request["priority"] = "soon"
    (tmp_path / "b.json").write_text(json.dumps(data))
    report = run_checks([tmp_path / "q.json", tmp_path / "b.json"])
    q, b = report[str(tmp_path / "q.json")], report[str(tmp_path / "b.json")]
    assert q["schema"] and q["medplum"]
    assert b["schema"] and any(b["entries"])
