"""Benchmark: filing an assessment, a filtered records list and a CSV export over 10,000 records. Prints figures.

Goals on a 2-core machine: saving an assessment (ClinicStore.file of a draft) under 20 ms (median of
200); the filtered list (origin + date range + any red flag: first page of 200 plus the total) under
300 ms (median); exporting 10,000 rows to CSV with pandas under 3 s. Excel is timed for information.

Runs on a temporary SQLite file by default. With ``--database-url URL`` (or ``$DATABASE_URL``) it runs
on that database instead, e.g. PostgreSQL: it adds a clinic of its own (``bench-...``), seeds it, and
removes everything it added at the end. The 10,000 records are bulk-inserted copies of a few really
filed assessments (varied dates, patients, practitioners), each with its version row.

Run: .venv/bin/python bench/bench_records.py [--database-url postgresql+psycopg://...] [--records 10000]
"""

from __future__ import annotations

import argparse
import io
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

STEMS = (
    "example-01-hip-osteoarthritis", "example-02-hip-impingement-young-athlete", "example-03-gluteal-tendinopathy",
    "example-04-l5-radiculopathy", "example-05-centralising-low-back-pain", "example-06-sacroiliac-joint-pain",
    "example-07-deep-gluteal-syndrome", "example-08-tfl-trigger-points-on-anticoagulants", "example-09-hip-spine-syndrome",
    "example-10-cauda-equina-syndrome", "example-11-fracture-after-fall-from-height", "example-12-back-pain-with-cancer-history",
)
FIRST = ("Ada", "Grace", "Alan", "Mary", "John", "Fatima", "Wei", "Olu", "Zoë", "Pedro", "Anna", "Ravi")
LAST = ("Lovelace", "Hopper", "Turing", "Seacole", "Snow", "Al-Fihri", "Zhang", "Adeyemi", "Ünal", "Costa", "Berg", "Patel")


def cases():
    import yaml

    from intake import assess, load_case

    out = []
    for n, stem in enumerate(STEMS):
        data = yaml.safe_load((ROOT.parent / "shared" / "cases" / f"{stem}.yaml").read_text(encoding="utf-8"))
        data.pop("expected", None)
        data["patient"]["name"] = f"{FIRST[n]} {LAST[n]}"
        case = load_case(data)
        out.append((case, assess(case)))
    return out


def median_ms(timings: list[float]) -> float:
    return statistics.median(timings) * 1000


def p95_ms(timings: list[float]) -> float:
    return sorted(timings)[int(len(timings) * 0.95)] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", "").strip() or None)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--saves", type=int, default=200)
    args = parser.parse_args()

    from sqlalchemy import delete, insert, select

    from intake.storage.records import RecordFilter, new_pseudonym
    from intake.storage.schema import AuditRow, ClinicRow, DraftRow, PractitionerRow, RecordRow, RecordVersionRow
    from intake.storage.store import Store

    tmp = None
    url = args.database_url
    if url is None:
        tmp = tempfile.TemporaryDirectory(prefix="bench-records-")
        url = f"sqlite:///{Path(tmp.name) / 'bench.sqlite3'}"
    store = Store(url)
    print(f"database: {store.db.dialect} ({'temporary file' if tmp else 'from --database-url / DATABASE_URL'})")
    rng = random.Random(20261121)
    tag = secrets.token_hex(4)
    clinic = store.accounts.create_clinic(f"bench-{tag}")
    principals = []
    for n in range(3):
        store.accounts.add_practitioner(clinic.id, f"bench-{tag}-{n}", f"Practitioner {n}", email=f"bench-{tag}-{n}@example.org",
                                        role="admin" if n == 0 else "practitioner")
        principals.append(store.accounts.principal_for_email(f"bench-{tag}-{n}@example.org"))
    me = principals[0]
    try:
        pairs = cases()
        # ------------------------------------------------------------ seed
        start = time.perf_counter()
        templates = []
        for case, assessment in pairs:
            record = store.records.file(me, case, assessment)
            with store.db.reading() as session:
                templates.append(session.get(RecordRow, record.id))
        today = datetime.now(UTC)
        with store.db.transaction() as session:
            for chunk_start in range(0, args.records, 1000):
                rows, versions = [], []
                for _ in range(min(1000, args.records - chunk_start)):
                    template = rng.choice(templates)
                    who = rng.choice(principals)
                    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
                    when = today - timedelta(days=rng.uniform(0, 730))
                    record_id = secrets.token_urlsafe(24)
                    rows.append({
                        "id": record_id, "clinic_id": clinic.id, "practitioner_id": who.user_id, "pseudonym": new_pseudonym(),
                        "patient_name": name, "patient_key": name.casefold(), "assessed_at": when, "updated": when, "version": 1,
                        "follows_id": None, "origins": template.origins, "red_flags": template.red_flags,
                        "referral": template.referral, "muscles": template.muscles, "knowledge_version": template.knowledge_version,
                        "case_data": template.case_data, "assessment_data": template.assessment_data,
                    })
                    versions.append({"record_id": record_id, "version": 1, "saved_at": when, "practitioner_id": who.user_id,
                                     "case_data": template.case_data, "assessment_data": template.assessment_data})
                session.execute(insert(RecordRow), rows)
                session.execute(insert(RecordVersionRow), versions)
        total = store.records.list(me)[1]
        print(f"seeded {total:,} records in {time.perf_counter() - start:.1f} s "
              f"({len(templates)} filed assessments copied with varied dates, patients and practitioners)")

        # ------------------------------------------------------------ save
        scoped = store.scoped(principals[1])
        timings = []
        for n in range(args.saves):
            case, assessment = pairs[n % len(pairs)]
            draft = scoped.create({"patient": {"age": 50}}, step="review", consent=True)
            start = time.perf_counter()
            scoped.file(draft.id, case, assessment)
            timings.append(time.perf_counter() - start)
        print(f"save an assessment (ClinicStore.file of a draft): {args.saves} saves; median {median_ms(timings):.1f} ms, "
              f"p95 {p95_ms(timings):.1f} ms (goal: median < 20 ms)")

        # ------------------------------------------------------------ list
        where = RecordFilter(origin="lumbar_referred", red_flag="any", date_from=date.today() - timedelta(days=365),
                             date_to=date.today())
        rows, matched = store.records.list(me, where)  # warm
        timings = []
        for _ in range(30):
            start = time.perf_counter()
            rows, matched = store.records.list(me, where, limit=200)
            timings.append(time.perf_counter() - start)
        print(f"filtered list (origin + last 365 days + any red flag; first page of {len(rows)} and the total {matched:,} "
              f"of {store.records.list(me)[1]:,}): median {median_ms(timings):.1f} ms, p95 {p95_ms(timings):.1f} ms "
              f"(goal: median < 300 ms)")
        timings = []
        for _ in range(30):
            start = time.perf_counter()
            store.records.list(me, RecordFilter(patient="hopp"), limit=200)
            timings.append(time.perf_counter() - start)
        print(f"  name search ('hopp'): median {median_ms(timings):.1f} ms")

        # ------------------------------------------------------------ export
        import pandas as pd

        timings = []
        for _ in range(5):
            start = time.perf_counter()
            exported = store.records.export_rows(me)
            csv = io.StringIO()
            pd.DataFrame(exported).to_csv(csv, index=False)
            timings.append(time.perf_counter() - start)
        print(f"export {len(exported):,} rows to CSV (export_rows + pandas): median {median_ms(timings) / 1000:.2f} s, "
              f"{len(csv.getvalue()) / 1e6:.1f} MB (goal: < 3 s)")
        start = time.perf_counter()
        exported = store.records.export_rows(me, fmt="xlsx")
        excel = io.BytesIO()
        pd.DataFrame(exported).to_excel(excel, index=False)
        print(f"  the same to Excel (openpyxl), for information: {time.perf_counter() - start:.2f} s, {len(excel.getvalue()) / 1e6:.1f} MB")
    finally:
        if tmp is None:  # someone else's database: take away everything this run added
            ids = [p.user_id for p in principals]
            with store.db.transaction() as session:
                records = select(RecordRow.id).where(RecordRow.clinic_id == clinic.id)
                session.execute(delete(RecordVersionRow).where(RecordVersionRow.record_id.in_(records)))
                session.execute(delete(RecordRow).where(RecordRow.clinic_id == clinic.id))
                session.execute(delete(DraftRow).where(DraftRow.clinic_id == clinic.id))
                session.execute(delete(AuditRow).where(AuditRow.clinic_id == clinic.id))
                session.execute(delete(PractitionerRow).where(PractitionerRow.id.in_(ids)))
                session.execute(delete(ClinicRow).where(ClinicRow.id == clinic.id))
        store.dispose()
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    main()
