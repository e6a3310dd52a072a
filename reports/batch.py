"""Re-issue many reports at once: one PDF per case, over every core, with a progress bar.

For a clinic re-printing a day's or a month's summaries. Each worker process loads the
knowledge base and the fonts once and then renders case after case. A case that cannot be
read is reported by file name and field (never its contents) and the batch carries on.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from tqdm import tqdm

__all__ = ["BatchResult", "render_many"]


@dataclass(frozen=True)
class BatchResult:
    written: tuple[Path, ...]
    failed: tuple[tuple[Path, str], ...]


def _render_one(job: tuple[str, str, str, str | None, bool]) -> tuple[str, str | None, str | None]:
    """Render one case; returns (case path, written path or None, error message or None)."""
    from intake import assess
    from intake.loader import CaseError, load_case
    from reports import render_handout, render_summary

    path, out_dir, paper, date, handout = job
    try:
        case = load_case(path)
        assessment = assess(case)
        data = (render_handout if handout else render_summary)(case, assessment, paper=paper, date=date)
    except CaseError as exc:
        return path, None, str(exc)
    except (OSError, ValueError) as exc:
        return path, None, f"{Path(path).name}: {type(exc).__name__}: {exc}"
    suffix = "-handout.pdf" if handout else "-summary.pdf"
    target = Path(out_dir) / (Path(path).stem + suffix)
    target.write_bytes(data)
    return path, str(target), None


def render_many(
    paths: Iterable[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    jobs: int | None = None,
    *,
    paper: str | None = None,
    date: str | None = None,
    handout: bool = False,
    progress: bool = True,
) -> BatchResult:
    """Render a summary (or, with `handout=True`, a handout) for every case file into `out_dir`.

    `jobs` is the number of worker processes (default: every core). Returns what was written
    and, for each case that failed, its path and a message naming the problem.
    """
    from intake.knowledge import load_knowledge
    from reports.branding import load_branding

    load_knowledge()  # loaded once here, inherited by the forked workers
    branding = load_branding()  # a bad clinic.toml stops the batch before any work, with its message
    chosen_paper = paper or branding.paper
    case_paths: Sequence[str] = [str(p) for p in paths]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    workers = max(1, min(jobs or os.cpu_count() or 1, len(case_paths) or 1))
    work = [(p, str(out), chosen_paper, date, handout) for p in case_paths]
    written: list[Path] = []
    failed: list[tuple[Path, str]] = []
    bar = tqdm(total=len(work), unit="report", disable=not progress, desc="Rendering")
    try:
        if workers == 1:
            results = map(_render_one, work)
            for result in results:
                _collect(result, written, failed)
                bar.update()
        else:
            with get_context("fork" if os.name == "posix" else "spawn").Pool(workers) as pool:
                for result in pool.imap_unordered(_render_one, work, chunksize=max(1, min(16, len(work) // (workers * 8) or 1))):
                    _collect(result, written, failed)
                    bar.update()
    finally:
        bar.close()
    order = {p: i for i, p in enumerate(case_paths)}
    written.sort()
    failed.sort(key=lambda item: order.get(str(item[0]), 0))
    return BatchResult(tuple(written), tuple(failed))


def _collect(result: tuple[str, str | None, str | None], written: list[Path], failed: list[tuple[Path, str]]) -> None:
    path, target, error = result
    if target is not None:
        written.append(Path(target))
    else:
        failed.append((Path(path), error or "unknown error"))
