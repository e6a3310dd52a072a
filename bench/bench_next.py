"""Benchmark: the whole next-question list (both answers of every unasked finding) per case. Prints figures.

Goal on a 2-core machine: under 20 ms per case, on every example and library case with its tests
removed (the hardest shape: the most candidates). `--smoke` runs one pass over the cases, for CI.
Run: .venv/bin/python bench/bench_next.py [--smoke]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GOAL_MS = 20.0


def cases_without_tests() -> list:
    from intake import load_vignette, validate_case

    paths = sorted((ROOT.parent / "shared" / "cases").glob("*.yaml")) + sorted((ROOT / "intake" / "cases").glob("*.yaml"))
    cases = []
    for path in paths:
        case, _ = load_vignette(path)
        data = case.to_data()
        data.get("exam", {}).pop("tests", None)
        cases.append(validate_case(data))
    return cases


def main(argv: list[str]) -> int:
    from intake.engine import assess_facts
    from intake.facts import case_facts
    from intake.knowledge import load_knowledge

    smoke = "--smoke" in argv
    kb = load_knowledge()
    facts = [case_facts(c) for c in cases_without_tests()]
    runs = 1 if smoke else 30
    for f in facts:  # warm (the index is built once per knowledge base)
        assess_facts(f, kb)
    with_list, without = [], []
    for _ in range(runs):
        for f in facts:
            start = time.perf_counter()
            assess_facts(f, kb, next_questions=False)
            middle = time.perf_counter()
            assessment = assess_facts(f, kb)
            end = time.perf_counter()
            without.append((middle - start) * 1000)
            with_list.append((end - middle) * 1000)
            assert assessment.next_questions is not None
    extra = sorted(w - o for w, o in zip(with_list, without, strict=True))
    with_list.sort()
    count = sum(len(assess_facts(f, kb).next_questions) for f in facts)
    print(f"next questions: {len(facts)} cases (tests removed) x {runs} runs, {count / len(facts):.0f} candidates per case on average")
    print(f"assess with the list: median {statistics.median(with_list):.2f} ms, p95 {with_list[int(len(with_list) * 0.95)]:.2f} ms, "
          f"max {with_list[-1]:.2f} ms (goal: under {GOAL_MS:.0f} ms per case)")
    print(f"the list alone (with minus without): median {statistics.median(extra):.2f} ms, p95 {extra[int(len(extra) * 0.95)]:.2f} ms")
    slow = statistics.median(with_list) >= GOAL_MS
    if slow:
        print("SLOWER THAN THE GOAL")
    return 1 if slow and not smoke else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
