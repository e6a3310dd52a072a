"""What the first screens load: the PDF package (fonts), the FHIR models, pandas, altair and openpyxl
load on the pages that use them, so the sign-in screen and the first wizard step do not wait for them
(issue 17: 2.4 s of imports before the first screen)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("pandas", "altair", "openpyxl", "reportlab", "fhir.resources")

PROBE = r"""
import json, sys
sys.path[:0] = [sys.argv[1], sys.argv[1] + "/tests"]
from test_app_support import new_app
loaded = {}
at = new_app(signed_in=False)
assert [t.value for t in at.title] == ["Hip pain intake"], "not the sign-in screen"
loaded["sign_in"] = [m for m in sys.argv[2:] if m in sys.modules]
at = new_app()
assert not at.exception and at.session_state["step"] == "patient", "not the first wizard step"
loaded["first_step"] = [m for m in sys.argv[2:] if m in sys.modules]
print(json.dumps(loaded))
"""


def test_the_sign_in_screen_and_the_first_step_load_none_of_the_heavy_packages(tmp_path):
    env = {"INTAKE_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", PROBE, str(ROOT), *HEAVY], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded == {"sign_in": [], "first_step": []}
