"""A process killed while filing loses nothing it confirmed, on SQLite and PostgreSQL.

A child process files assessments from drafts in a loop and prints each record id only after
``file`` has returned (the moment the app tells the practitioner "saved"). The parent reads a few
ids, kills the child with SIGKILL at a random moment, opens the database afresh and checks that
every confirmed record is there whole (case and assessment JSON, its version row, its audit entry,
its draft gone), that nothing half-filed exists, and that the database itself is sound.
"""

from __future__ import annotations

import json
import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from db_support import World, case_and_assessment
from sqlalchemy import select, text

from intake.db import Database
from intake.db.schema import AuditRow, DraftRow, RecordRow, RecordVersionRow
from intake.storage.packing import unpack

ROOT = Path(__file__).resolve().parents[1]
KILL_POINTS = 3

CHILD = r"""
import json, sys
from intake.accounts import Principal
from intake.models import Assessment
from intake.loader import load_case
from intake.store import Store

spec = json.loads(open(sys.argv[1], encoding="utf-8").read())
scoped = Store(spec["url"]).scoped(Principal(**spec["principal"]))
pairs = [(load_case(c), Assessment.model_validate(a)) for c, a in spec["cases"]]
print("ready", flush=True)
n = 0
while True:
    case, assessment = pairs[n % len(pairs)]
    draft = scoped.create({"patient": {"age": 40 + n % 50}}, step="review", consent=True)
    record = scoped.file(draft.id, case, assessment)
    sys.stdout.write(f"{record.id} {draft.id} {n % len(pairs)}\n")
    sys.stdout.flush()
    n += 1
"""

STEMS = ("example-10-cauda-equina-syndrome", "example-01-hip-osteoarthritis", "example-12-back-pain-with-cancer-history")


def _reader(stream, lines: queue.Queue) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


def run_and_kill(spec_path: Path, rng: random.Random) -> tuple[list[tuple[str, str, int]], str]:
    """Start the child, let it confirm a few records, SIGKILL it; every line it printed before dying."""
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(spec_path)], cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=os.environ | {"PYTHONPATH": str(ROOT)})
    lines: queue.Queue = queue.Queue()
    reader = threading.Thread(target=_reader, args=(child.stdout, lines), daemon=True)
    reader.start()
    confirmed: list[str] = []
    try:
        first = lines.get(timeout=60)
        assert first == "ready\n", f"child did not start: {first!r} {child.stderr.read() if first is None else ''}"
        wanted = rng.randint(2, 6)
        while len(confirmed) < wanted:
            line = lines.get(timeout=30)
            assert line is not None, f"child died: {child.stderr.read()}"
            confirmed.append(line)
        # Somewhere inside the next filing (or two): ~1-15 ms into a 5-30 ms operation.
        time.sleep(rng.uniform(0.001, 0.015))
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    reader.join(timeout=30)
    while (line := lines.get_nowait()) is not None:
        confirmed.append(line)
    assert child.returncode == -signal.SIGKILL
    # A pipe write under 4 KiB is atomic, so a printed line is whole; keep only those that are.
    parsed = [line.split() for line in confirmed if line.endswith("\n")]
    return [(record_id, draft_id, int(index)) for record_id, draft_id, index in parsed], child.stderr.read()


def check_database(url: str, dialect: str, expected: list[tuple[dict, dict]], confirmed: list[tuple[str, str, int]]) -> None:
    db = Database(url)  # a fresh engine; also runs the migration check, as the app does on start
    try:
        with db.engine.connect() as connection:
            if dialect == "sqlite":
                assert connection.execute(text("PRAGMA integrity_check")).scalars().all() == ["ok"]
                assert connection.execute(text("PRAGMA foreign_key_check")).all() == []
        with db.reading() as session:
            records = {r.id: r for r in session.scalars(select(RecordRow))}
            versions = {}
            for v in session.scalars(select(RecordVersionRow)):
                versions.setdefault(v.record_id, []).append(v)
            created = [a.record_id for a in session.scalars(select(AuditRow).where(AuditRow.action == "create",
                                                                                   AuditRow.kind == "assessment"))]
            drafts = set(session.scalars(select(DraftRow.id)))

        for record_id, draft_id, index in confirmed:
            case_data, assessment_data = expected[index]
            row = records.get(record_id)
            assert row is not None, f"confirmed record {record_id} lost"
            assert row.version == 1
            [version] = versions[record_id]
            assert version.version == 1
            assert unpack(version.content) == {"case": case_data, "assessment": assessment_data}
            assert draft_id not in drafts
        # All or nothing for the one being filed when the child died, too.
        assert sorted(created) == sorted(records)
        assert sorted(versions) == sorted(records)
        assert all(len(v) == 1 for v in versions.values())
    finally:
        db.dispose()


def test_killed_while_filing_loses_nothing_confirmed(db_url, tmp_path):
    dialect = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)

    from intake.store import Store

    store = Store(db_url)
    world = World(store)
    principal = world.a_prac
    store.dispose()
    pairs = [case_and_assessment(stem) for stem in STEMS]
    expected = [(case.to_data(), assessment.model_dump(mode="json", by_alias=True)) for case, assessment in pairs]
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"url": db_url, "principal": principal.__dict__, "cases": expected}), encoding="utf-8")

    all_confirmed: list[tuple[str, str, int]] = []
    for point in range(KILL_POINTS):
        confirmed, stderr = run_and_kill(spec, rng)
        assert len(confirmed) >= 2, f"seed {seed}, kill {point}: {stderr}"
        all_confirmed += confirmed
        check_database(db_url, dialect, expected, all_confirmed)
