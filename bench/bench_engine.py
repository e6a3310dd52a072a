"""Benchmark: knowledge-base load (cold, in a fresh process) and assess() per case. Prints figures.

Goals on a 2-core machine: assess under 1 ms per case (median); knowledge loaded once, under 200 ms.
Run: .venv/bin/python bench/bench_engine.py [--smoke]   (--smoke: seconds, checks it runs; the test suite does this)
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

COLD_LOAD = """
import time
t = time.perf_counter()
from intake.knowledge import load_knowledge
load_knowledge()
print((time.perf_counter() - t) * 1000)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="one cold load and two runs per case (figures mean nothing)")
    args = parser.parse_args()
    loads_n, runs = (1, 2) if args.smoke else (5, 200)
    loads = [float(subprocess.run([sys.executable, "-c", COLD_LOAD], capture_output=True, text=True, cwd=ROOT, check=True).stdout)
             for _ in range(loads_n)]
    print(f"knowledge load, cold process (import + parse + compile): median {statistics.median(loads):.1f} ms (goal < 200 ms)")

    from intake import assess, load_vignette
    from intake.knowledge import load_knowledge

    kb = load_knowledge()
    paths = sorted((ROOT / "intake" / "cases" / "examples").glob("*.yaml")) + sorted((ROOT / "intake" / "cases").glob("*.yaml"))
    cases = [load_vignette(p)[0] for p in paths]
    for case in cases:  # warm
        assess(case, kb)
    from intake.engine import assess_facts
    from intake.facts import case_facts

    timings = []
    for _ in range(runs):
        for case in cases:
            start = time.perf_counter()
            assess_facts(case_facts(case), kb, next_questions=False)  # the reasoning; bench_next.py times the list
            timings.append(time.perf_counter() - start)
    timings.sort()
    ms = [t * 1000 for t in timings]
    print(f"assess without the next-question list: {len(cases)} cases x {runs} runs; median {statistics.median(ms):.3f} ms, "
          f"p95 {ms[int(len(ms) * 0.95)]:.3f} ms, max {ms[-1]:.3f} ms (goal: median < 1 ms)")
    json_times = []
    for case in cases:
        a = assess(case, kb)
        start = time.perf_counter()
        a.model_dump(mode="json")
        json_times.append((time.perf_counter() - start) * 1000)
    print(f"assessment to JSON: median {statistics.median(json_times):.3f} ms")


if __name__ == "__main__":
    main()
