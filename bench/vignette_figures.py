"""Print the reasoning figures of issue 12 over a folder of vignettes (default: the held-out set).

    .venv/bin/python bench/vignette_figures.py [FOLDER ...] [--list]

Origin top-1 counts vignettes with an expected origin whose first-ranked origin is acceptable;
red flags, referral, muscles and withholding count every vignette. Under-triage is a referral
less urgent than expected (the one figure that must be zero).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from intake import assess, load_vignette  # noqa: E402
from intake.knowledge import URGENCY_ORDER  # noqa: E402

DEFAULT = ROOT / "tests" / "data" / "heldout"
LEVEL = {"none": -1, **URGENCY_ORDER}


def figures(paths: list[Path], show: bool) -> dict[str, tuple[int, int]]:
    tally = {k: [0, 0] for k in ("origin top-1", "red flags raised", "referral exact", "muscles", "withholding applied")}
    under: list[str] = []
    for path in paths:
        case, expected = load_vignette(path)
        got = assess(case)
        checks = {
            "red flags raised": set(expected.red_flags) <= {f.id for f in got.red_flags},
            "referral exact": got.referral == expected.referral,
            "muscles": set(expected.muscles) <= {m.id for m in got.muscles},
            "withholding applied": set(expected.withheld) <= {w.id for w in got.withheld},
        }
        if expected.origin is not None:
            checks["origin top-1"] = got.origins[0].id in expected.acceptable and got.origins[0].likelihood != "unlikely"
        for name, ok in checks.items():
            tally[name][0] += ok
            tally[name][1] += 1
        if LEVEL[got.referral] < LEVEL[expected.referral]:
            under.append(f"{path.stem}: {got.referral} for {expected.referral}")
        if show:
            wrong = [n for n, ok in checks.items() if not ok]
            first = f"{got.origins[0].id} {got.origins[0].probability:.2f}"
            print(f"{'ok ' if not wrong else 'XX '} {path.stem}: first {first}, referral {got.referral}" + (f"  wrong: {', '.join(wrong)}" if wrong else ""))
    for name, (ok, n) in tally.items():
        print(f"{name:22s} {ok}/{n}" + (f" = {100 * ok / n:.0f} %" if n else ""))
    print(f"{'under-triage':22s} {len(under)}" + "".join(f"\n  - {u}" for u in under))
    return {k: (v[0], v[1]) for k, v in tally.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path, default=[DEFAULT])
    parser.add_argument("--list", action="store_true", help="one line per vignette")
    args = parser.parse_args()
    paths = sorted(p for folder in args.folders for p in folder.glob("*.yaml"))
    print(f"{len(paths)} vignettes from {', '.join(str(f) for f in args.folders)}")
    figures(paths, args.list)


if __name__ == "__main__":
    main()
