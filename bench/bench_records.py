"""Benchmark the clinic's records at scale: filing and opening one, the records page (first page and
total, filtered, by pseudonym, by name), a patient's history, CSV export, backup and restore, and
bytes per record. Prints a table, or one JSON object of the medians with --json.

    .venv/bin/python bench/bench_records.py                      # 10,000 records, temporary SQLite file
    .venv/bin/python bench/bench_records.py --records 100000 --json
    .venv/bin/python bench/bench_records.py --compare 10000,100000  # both sizes, timed interleaved, and the ratios
    .venv/bin/python bench/bench_records.py --database-url postgresql+psycopg://... [--records N]
    .venv/bin/python bench/bench_records.py --smoke               # seconds: checks it runs (the test suite does this)

Goal (issue 17): from 10,000 to 100,000 records (and on to 1,000,000) the page-open, filtered,
pseudonym, history and name-search medians grow by at most 1.5x while the table grows 10x; CSV,
backup and restore memory stays flat; filing stays under 20 ms.

Seeding: a dozen really filed assessments are copied in bulk, each copy with its own id,
pseudonym, patient, practitioner and date in the last two years (inserted oldest first, as a clinic
files them), its version row (the packed
content) and, on SQLite, its name-search terms, as filing writes them. Surnames are made from
syllables (thousands of them), so a name search finds few patients, as in a real clinic; one
patient, Grace Hopper, has five visits under one pseudonym whatever the size, and is the one looked
up by pseudonym, history and name ("hopp").

CSV, Excel, backup and restore each run in a fresh process, so their peak memory (the child's VmHWM)
is theirs alone; the Excel workbook is made in memory, as the records page makes it for a download. On --database-url the run adds a clinic of its own (``bench-...``) and removes
everything it added at the end (with --compare, a schema of its own per size, dropped after); the
backup reads the whole database, and the restore goes into a schema of its own that is dropped
afterwards. With --compare the waits of both sizes are timed in turn, round after round, so a
busy machine slows both alike and the ratio between them holds.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
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
SYLLABLES = ("ba", "ke", "lo", "mi", "nu", "ra", "se", "ti", "vo", "wen", "dal", "fer", "gun", "ish", "mar", "nol",
             "pel", "qui", "ros", "tam", "ul", "ven", "yar", "zed")  # none makes "hopp"
TRACKED = "Grace Hopper"
KEYS = ("file_ms", "open_record_ms", "page_open_ms", "filtered_ms", "pseudonym_ms", "history_ms", "name_search_ms",
        "csv_s", "csv_peak_mb", "xlsx_s", "xlsx_peak_mb", "backup_s", "restore_s", "restore_peak_mb", "bytes_per_record")

CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
what, url = sys.argv[2], sys.argv[3]
started = time.perf_counter()
if what == "csv":
    from intake import record_tables
    from intake.knowledge import load_knowledge
    from intake.storage.store import Store
    store = Store(url)
    me = store.accounts.principal_for_email(sys.argv[5])
    names = record_tables.labels(load_knowledge())
    started = time.perf_counter()
    with open(sys.argv[4], "w", encoding="utf-8-sig", newline="") as out:
        rows = record_tables.write_records_csv(store.records.iter_export(me, labels=names), out)
elif what == "xlsx":  # as the records page makes it for a download: the finished workbook in memory
    from intake import record_tables
    from intake.knowledge import load_knowledge
    from intake.storage.store import Store
    store = Store(url)
    me = store.accounts.principal_for_email(sys.argv[5])
    names = record_tables.labels(load_knowledge())
    started = time.perf_counter()
    made = record_tables.records_xlsx(store.records.iter_export(me, fmt="xlsx", labels=names))
    rows = len(made)
elif what == "backup":
    from intake.storage.backup import backup
    from intake.storage import Database
    db = Database(url)
    started = time.perf_counter()
    rows = backup(db, sys.argv[4], username="bench").total
elif what == "restore":
    from intake.storage.backup import restore
    from intake.storage import Database
    db = Database(url)
    started = time.perf_counter()
    rows = restore(db, sys.argv[4], username="bench").total
# this process's own peak resident memory (interpreter, imports and the work): VmHWM, which exec resets
# (ru_maxrss would carry over the parent's peak from before the fork)
peak_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"seconds": time.perf_counter() - started, "rows": rows, "peak_mb": peak_kb / 1024}))
"""


def child(what: str, url: str, path: Path, *extra: str) -> tuple[float, float, int]:
    """(seconds, peak resident MB, rows) of one CSV export, backup or restore in a fresh process."""
    proc = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), what, url, str(path), *extra], capture_output=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{what} failed: {proc.stderr.decode(errors='replace')[-2000:]}")
    result = json.loads(proc.stdout.decode().strip().splitlines()[-1])
    return result["seconds"], result["peak_mb"], result["rows"]


def cases():
    import yaml

    from intake import assess, load_case

    out = []
    for n, stem in enumerate(STEMS):
        data = yaml.safe_load((ROOT / "intake" / "cases" / "examples" / f"{stem}.yaml").read_text(encoding="utf-8"))
        data.pop("expected", None)
        data["patient"]["name"] = f"{FIRST[n]} {SYLLABLES[n].title()}{SYLLABLES[-n - 1]}"
        case = load_case(data)
        out.append((case, assess(case)))
    return out


def median_ms(fn, runs: int) -> float:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings) * 1000


def surname(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(3)).title()


def seed(store, clinic_id: str, principals, templates, count: int, rng: random.Random) -> str:
    """Bulk-insert `count` records (copies of the templates) and Grace Hopper's five visits; her pseudonym."""
    from sqlalchemy import insert

    from intake import record_search
    from intake.storage.records import new_pseudonym, term_rows
    from intake.storage.schema import RecordRow, RecordTermRow, RecordVersionRow

    today = datetime.now(UTC)
    hopper = new_pseudonym()
    terms_too = store.db.dialect == "sqlite"
    people = [(TRACKED, hopper)] * 5 + [(None, None)] * count
    rng.shuffle(people)
    # oldest first, as a clinic files them: the table's physical order is its date order (a scan that
    # ignores the date index reads every older record before the first recent one)
    dates = sorted(today - timedelta(days=rng.uniform(0, 730)) for _ in people)
    with store.db.transaction() as session:
        for start in range(0, len(people), 2000):
            rows, versions, terms = [], [], []
            for (name, pseudonym), when in zip(people[start:start + 2000], dates[start:start + 2000], strict=True):
                template, content = rng.choice(templates)
                who = rng.choice(principals)
                name = name or f"{rng.choice(FIRST)} {surname(rng)}"
                key = record_search.normalise(name)
                record_id = secrets.token_urlsafe(24)
                rows.append({"id": record_id, "clinic_id": clinic_id, "practitioner_id": who.user_id,
                             "pseudonym": pseudonym or new_pseudonym(), "patient_name": name, "patient_key": key,
                             "assessed_at": when, "updated": when, "version": 1, "follows_id": None, **template})
                versions.append({"record_id": record_id, "version": 1, "saved_at": when, "practitioner_id": who.user_id,
                                 "content": content})
                if terms_too:
                    terms += term_rows(record_id, key)
            session.execute(insert(RecordRow), rows)
            session.execute(insert(RecordVersionRow), versions)
            if terms:
                session.execute(insert(RecordTermRow), terms)
    store.db.optimize()
    return hopper


def storage_bytes(store) -> int:
    """Bytes the records take on disk: the SQLite file (after a checkpoint), or PostgreSQL's relations."""
    with store.db.engine.connect() as connection:
        if store.db.dialect == "sqlite":
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            pages = connection.exec_driver_sql("PRAGMA page_count").scalar()
            free = connection.exec_driver_sql("PRAGMA freelist_count").scalar()
            size = connection.exec_driver_sql("PRAGMA page_size").scalar()
            return (pages - free) * size
        return int(connection.exec_driver_sql(
            "SELECT pg_total_relation_size('records') + pg_total_relation_size('record_versions') "
            "+ pg_total_relation_size('record_terms')").scalar())


class Bench:
    """One database seeded with `records` records of a clinic of its own, and the measurements on it."""

    def __init__(self, url: str, records: int, work: Path, *, owned: bool, say):
        from intake.storage.records import record_content, summary_columns
        from intake.storage.store import Store

        self.url, self.records, self.work, self.owned = url, records, work, owned
        self.store = Store(url)
        self.rng = random.Random(20261201 + records)
        self.tag = secrets.token_hex(4)
        self.clinic = self.store.accounts.create_clinic(f"bench-{self.tag}")
        self.principals = []
        for n in range(3):
            email = f"bench-{self.tag}-{n}@example.org"
            self.store.accounts.add_practitioner(self.clinic.id, f"bench-{self.tag}-{n}", f"Practitioner {n}", email=email,
                                                 role="admin" if n == 0 else "practitioner")
            self.principals.append(self.store.accounts.principal_for_email(email))
        self.me = self.principals[0]
        self.figures: dict[str, float] = {}
        self.notes: dict[str, str] = {}
        self.pairs = cases()
        templates = [(summary_columns(c, a), record_content(c, a)) for c, a in self.pairs]
        for columns, _ in templates:
            for key in ("patient_name", "patient_key"):
                columns.pop(key)
        before = storage_bytes(self.store)
        start = time.perf_counter()
        self.hopper = seed(self.store, self.clinic.id, self.principals, templates, records, self.rng)
        self.figures["bytes_per_record"] = round((storage_bytes(self.store) - before) / (records + 5))
        say(f"{self.store.db.dialect}: seeded {records + 5:,} records in {time.perf_counter() - start:.1f} s")

    def file_and_open(self, saves: int, runs: int) -> None:
        from sqlalchemy import select

        from intake.storage.schema import RecordRow

        scoped = self.store.scoped(self.principals[1])
        timings = []
        for n in range(saves):
            case, assessment = self.pairs[n % len(self.pairs)]
            draft = scoped.create({"patient": {"age": 50}}, step="review", consent=True)
            start = time.perf_counter()
            scoped.file(draft.id, case, assessment)
            timings.append(time.perf_counter() - start)
        self.figures["file_ms"] = statistics.median(timings) * 1000
        with self.store.db.reading() as session:
            ids = list(session.scalars(select(RecordRow.id).where(RecordRow.clinic_id == self.clinic.id).limit(200)))
        self.figures["open_record_ms"] = median_ms(lambda: self.store.records.get(self.me, self.rng.choice(ids)), runs)

    def waits(self) -> dict[str, object]:
        """What a user waits for on the records page and a record's page: name -> a call to time."""
        from intake.storage.records import RecordFilter

        records, me = self.store.records, self.me
        where = RecordFilter(origin="lumbar_referred", red_flag="any", date_from=date.today() - timedelta(days=365),
                             date_to=date.today())
        looks = {"page_open_ms": RecordFilter(), "filtered_ms": where, "pseudonym_ms": RecordFilter(patient=self.hopper),
                 "name_search_ms": RecordFilter(patient="hopp")}
        for key, look in looks.items():
            page = records.page(me, look)  # warm, and what it found
            self.notes[key] = f"{len(page.rows)} shown, {'more than ' if page.more else ''}{page.total:,} in all"
        assert len(records.history(me, self.hopper)) == 5
        calls = {key: (lambda look=look: records.page(me, look)) for key, look in looks.items()}
        calls["history_ms"] = lambda: records.history(me, self.hopper)
        return calls

    def heavy(self) -> None:
        """CSV of every row, backup and restore, each in a fresh process."""
        f = self.figures
        work = self.work / self.tag
        work.mkdir()
        f["csv_s"], f["csv_peak_mb"], self.csv_rows = child("csv", self.url, work / "all.csv", f"bench-{self.tag}-0@example.org")
        f["xlsx_s"], f["xlsx_peak_mb"], self.xlsx_bytes = child("xlsx", self.url, work / "unused",
                                                                f"bench-{self.tag}-0@example.org")
        f["backup_s"], self.backup_peak, self.backup_rows = child("backup", self.url, work / "backup.json.gz")
        self.backup_mb = (work / "backup.json.gz").stat().st_size / 1e6
        with restore_target(self.store, work) as target:
            f["restore_s"], f["restore_peak_mb"], self.restored_rows = child("restore", target, work / "backup.json.gz")
        (work / "backup.json.gz").unlink()
        (work / "all.csv").unlink()

    def close(self) -> None:
        if not self.owned:  # someone else's database: take away everything this run added
            from sqlalchemy import delete, select

            from intake.storage.schema import (
                AuditRow,
                ClinicRow,
                DraftRow,
                PractitionerRow,
                RecordRow,
                RecordTermRow,
                RecordVersionRow,
            )

            ids = [p.user_id for p in self.principals]
            with self.store.db.transaction() as session:
                records = select(RecordRow.id).where(RecordRow.clinic_id == self.clinic.id)
                session.execute(delete(RecordVersionRow).where(RecordVersionRow.record_id.in_(records)))
                session.execute(delete(RecordTermRow).where(RecordTermRow.record_id.in_(records)))
                session.execute(delete(RecordRow).where(RecordRow.clinic_id == self.clinic.id))
                session.execute(delete(DraftRow).where(DraftRow.clinic_id == self.clinic.id))
                session.execute(delete(AuditRow).where(AuditRow.clinic_id == self.clinic.id))
                session.execute(delete(PractitionerRow).where(PractitionerRow.id.in_(ids)))
                session.execute(delete(ClinicRow).where(ClinicRow.id == self.clinic.id))
        self.store.dispose()

    def result(self) -> dict[str, float]:
        return {key: round(self.figures[key], 3) for key in KEYS}

    def table(self, runs: int) -> list[str]:
        r, n = self.result(), self.notes
        rows = [
            ("file an assessment (ClinicStore.file of a draft)", f"{r['file_ms']:.1f} ms", "under 20 ms"),
            ("open a record (audited view)", f"{r['open_record_ms']:.1f} ms", ""),
            (f"records page opens: first page + total ({n['page_open_ms']})", f"{r['page_open_ms']:.1f} ms", "flat"),
            (f"filtered: origin + last 365 days + any red flag ({n['filtered_ms']})", f"{r['filtered_ms']:.1f} ms", "flat"),
            (f"exact pseudonym ({n['pseudonym_ms']})", f"{r['pseudonym_ms']:.1f} ms", "flat"),
            ("a patient's other visits (history by pseudonym)", f"{r['history_ms']:.1f} ms", "flat"),
            (f"name search 'hopp' ({n['name_search_ms']})", f"{r['name_search_ms']:.1f} ms", "flat"),
            (f"CSV of every row ({self.csv_rows:,} rows), own process", f"{r['csv_s']:.2f} s, peak {r['csv_peak_mb']:.0f} MB",
             "memory flat"),
            (f"Excel of every row ({self.xlsx_bytes / 1e6:.1f} MB workbook), own process",
             f"{r['xlsx_s']:.2f} s, peak {r['xlsx_peak_mb']:.0f} MB", "the file, no more"),
            (f"backup ({self.backup_rows:,} rows, {self.backup_mb:.1f} MB), own process",
             f"{r['backup_s']:.2f} s, peak {self.backup_peak:.0f} MB", "memory flat"),
            (f"restore into an empty database ({self.restored_rows:,} rows)",
             f"{r['restore_s']:.2f} s, peak {r['restore_peak_mb']:.0f} MB", "memory flat"),
            ("bytes per record (records, versions, name terms, indexes)", f"{r['bytes_per_record']:,.0f}", ""),
        ]
        width = max(len(row[0]) for row in rows)
        return [f"{self.records + 5:,} records on {self.store.db.dialect}; medians of {runs} runs"] + [
            f"  {what:<{width}}  {figure:>22}  {goal}" for what, figure, goal in rows]


def interleaved(benches: list[Bench], runs: int) -> None:
    """Time every wait on every database in turn, `runs` rounds: load on a shared machine falls on
    each size alike, so the ratios between sizes mean something."""
    calls = [b.waits() for b in benches]
    timings = [{key: [] for key in c} for c in calls]
    for _ in range(runs):
        for key in calls[0]:
            for bench_calls, times in zip(calls, timings, strict=True):
                start = time.perf_counter()
                bench_calls[key]()
                times[key].append(time.perf_counter() - start)
    for bench, times in zip(benches, timings, strict=True):
        bench.figures |= {key: statistics.median(t) * 1000 for key, t in times.items()}


@contextmanager
def restore_target(store, work: Path):
    """An empty database to restore into: a SQLite file, or a PostgreSQL schema of its own (dropped after)."""
    if store.db.dialect != "postgresql":
        yield f"sqlite:///{work / 'restored.sqlite3'}"
        return
    with schema(store.db.url) as url:
        yield url


@contextmanager
def schema(url: str):
    """A new PostgreSQL schema on `url`'s database, as a URL whose search path is it; dropped after."""
    from sqlalchemy import create_engine

    name = f"bench_{secrets.token_hex(4)}"
    engine = create_engine(url)
    with engine.connect() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {name}")
        connection.commit()
    try:
        yield _with_search_path(url, name)
    finally:
        with engine.connect() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {name} CASCADE")
            connection.commit()
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", "").strip() or None)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--compare", type=lambda text: [int(n) for n in text.split(",")], metavar="N,M",
                        help="seed one database of each size and time them interleaved; print the ratios")
    parser.add_argument("--runs", type=int, default=30, help="timings per median")
    parser.add_argument("--saves", type=int, default=100)
    parser.add_argument("--json", action="store_true", help="print one JSON object of the medians, nothing else")
    parser.add_argument("--smoke", action="store_true", help="200 records, a few runs (checks it runs; figures mean nothing)")
    args = parser.parse_args()
    if args.smoke:
        args.records, args.runs, args.saves = 200, 2, 2
        args.compare = [100, 200] if args.compare else None
    say = (lambda *_: None) if args.json else print
    sizes = args.compare or [args.records]

    with tempfile.TemporaryDirectory(prefix="bench-records-") as tmp, ExitStack() as stack:
        work = Path(tmp)
        benches = []
        for n in sizes:
            if args.database_url and args.compare:  # a schema of its own for each size
                url, owned = stack.enter_context(schema(args.database_url)), True
            elif args.database_url:
                url, owned = args.database_url, False
            else:
                url, owned = f"sqlite:///{work / f'bench-{n}.sqlite3'}", True
            bench = Bench(url, n, work, owned=owned, say=say)
            stack.callback(bench.close)
            benches.append(bench)
        for bench in benches:
            bench.file_and_open(args.saves, args.runs)
        interleaved(benches, args.runs)
        for bench in benches:
            bench.heavy()
        results = {str(b.records): b.result() for b in benches}
        if len(benches) == 2:
            small, large = (b.result() for b in benches)
            results["ratio"] = {k: round(large[k] / small[k], 2) if small[k] else None for k in KEYS}
        if args.json:
            print(json.dumps(results[str(sizes[0])] if len(benches) == 1 else results))
            return
        for bench in benches:
            print("\n".join(bench.table(args.runs)))
        if "ratio" in results:
            print(f"{sizes[1]:,} against {sizes[0]:,} records (goal: at most 1.5x for the page, filter, pseudonym, "
                  "history and name search; memory flat):")
            for key in KEYS:
                print(f"  {key:<18} {results['ratio'][key]}x")


def _with_search_path(url: str, schema: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


if __name__ == "__main__":
    main()
