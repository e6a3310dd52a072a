"""Command line: assess, validate, and print reports for cases (format versions 1 and 2); administer the database
(migrate, back up and restore, add clinics and accounts, apply retention periods).

Exit status: 0 on success, 2 for invalid input (a case, a backup file, an unknown clinic, an
account that cannot be made; the message names the problem, on standard error, with no
traceback), 1 for anything else that went wrong (also without a traceback). The database commands
use the app's database: ``$DATABASE_URL``, or SQLite in ``$INTAKE_DATA_DIR`` (``./data``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from intake.engine import assess
from intake.errors import ConfigurationError, IntakeError, InvalidInput, NotAllowed
from intake.knowledge import load_knowledge
from intake.loader import CaseError, load_case
from intake.models import Assessment, Case
from intake.policy import visit
from intake.policy.roles import ROLES

__all__ = ["CommandError", "UsageError", "main", "render_text"]

#: Who the audit log names for changes made here.
CLI_USER = "command line"


class UsageError(InvalidInput):
    """The request cannot be met as given (exit 2); the message names the problem."""


class CommandError(IntakeError, RuntimeError):
    """Something went wrong that is not the input's fault, e.g. the database is unreachable (exit 1)."""


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except CaseError as exc:  # already names the file and each field
        print(exc, file=sys.stderr)
        return 2
    except (InvalidInput, NotAllowed, ConfigurationError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except IntakeError as exc:  # not the input's fault, e.g. the database is unreachable
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: {exc.strerror or exc}: {getattr(exc, 'filename', '') or ''}".rstrip(": "), file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m intake", description="Hip-region pain intake: assess cases and print reports.")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    p = sub.add_parser("assess", help="assess one case (readable text, or --json)")
    p.add_argument("case", type=Path)
    p.add_argument("--json", action="store_true", help="print the assessment as JSON (the shape in case-format.md)")
    p.set_defaults(run=_assess)

    p = sub.add_parser("next", help="the unasked questions and tests, by expected information (or --json)")
    p.add_argument("case", type=Path)
    p.add_argument("--json", action="store_true", help="print next_questions as JSON")
    p.add_argument("--all", action="store_true", help="every candidate, not only the first 10")
    p.set_defaults(run=_next)

    p = sub.add_parser("validate", help="check that case files are valid cases (format version 1 or 2)")
    p.add_argument("cases", type=Path, nargs="+")
    p.set_defaults(run=_validate)

    for name, what in (("report", "clinician summary"), ("handout", "patient handout"),
                       ("referral", "one-page referral letter")):
        p = sub.add_parser(name, help=f"write the {what} PDF for one case")
        p.add_argument("case", type=Path)
        p.add_argument("-o", "--output", type=Path, required=True, help="PDF file to write")
        p.add_argument("--paper", choices=("a4", "letter"), default="a4")
        p.add_argument("--practitioner", default=None, help="practitioner name printed on the report")
        p.add_argument("--registration", default=None, help="the practitioner's professional registration")
        if name == "handout":
            p.add_argument("--exercises", default=None, metavar="ID,ID",
                           help="the exercise and self-care ids to print (default: the case's own handout choice, "
                                "else the choice that follows the findings)")
        p.set_defaults(run=_pdf, document=name)

    p = sub.add_parser("fhir", help="write a FHIR R4 Bundle: answers, referrals, red flags, differential, letter")
    p.add_argument("case", type=Path)
    p.add_argument("-o", "--output", type=Path, required=True, help="JSON file to write")
    p.add_argument("--bundle", choices=("collection", "transaction", "document"), default="collection",
                   help="bundle type (transaction: conditional creates, safe to send twice)")
    p.add_argument("--practitioner", default=None, help="the requesting practitioner (default: the clinic configuration)")
    p.set_defaults(run=_fhir)

    p = sub.add_parser("from-fhir", help="turn a FHIR QuestionnaireResponse for the intake form into a case file")
    p.add_argument("response", type=Path)
    p.add_argument("-o", "--output", type=Path, required=True, help="case file to write (YAML, or JSON for .json)")
    p.set_defaults(run=_from_fhir)

    p = sub.add_parser("fhir-questionnaire", help="write the intake form as a FHIR R4 Questionnaire")
    p.add_argument("-o", "--output", type=Path, required=True, help="JSON file to write")
    p.set_defaults(run=_fhir_questionnaire)

    p = sub.add_parser("score", help="score one outcome measure from a JSON file of answers (readable text, or --json)")
    p.add_argument("measure", help="measure id: nprs, psfs, lefs, hoos12, hoos_ps, odi, start_back, ompq10")
    p.add_argument("answers", type=Path, help='JSON: {"answers": {"1": 2, ...}} (and "activities" for PSFS)')
    p.add_argument("--json", action="store_true", help="print the outcomes entry as JSON")
    p.set_defaults(run=_score)

    p = sub.add_parser("batch-reports", help="write clinician summaries for many cases, using every core")
    p.add_argument("cases", type=Path, nargs="+")
    p.add_argument("-o", "--output-dir", type=Path, required=True)
    p.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    p.set_defaults(run=_batch)
    _admin_parsers(sub)
    return parser


# ---------------------------------------------------------------- database administration


def _admin_parsers(sub) -> None:
    where = " ($DATABASE_URL, or SQLite in $INTAKE_DATA_DIR)"
    p = sub.add_parser("migrate", help="bring the database schema up to date" + where)
    p.set_defaults(run=_migrate)

    p = sub.add_parser("backup", help="write every table to a gzip-compressed JSON file" + where)
    p.add_argument("-o", "--output", type=Path, required=True, help="backup file to write (e.g. intake-2026-11-21.json.gz)")
    p.set_defaults(run=_backup)

    p = sub.add_parser("restore", help="load a backup into an empty database (or replace everything with --replace)")
    p.add_argument("backup", type=Path)
    p.add_argument("--replace", action="store_true",
                   help="delete everything in the database first (one transaction), and trust the backup's accounts: "
                        "without it they arrive with no password or sign-in e-mail")
    p.set_defaults(run=_restore)

    p = sub.add_parser("clinic", help="clinics: add")
    clinic = p.add_subparsers(required=True, metavar="ACTION")
    q = clinic.add_parser("add", help="add a clinic (the first one takes over drafts saved before sign-in)")
    q.add_argument("name")
    q.set_defaults(run=_clinic_add)

    p = sub.add_parser("user", help="accounts: add, password")
    user = p.add_subparsers(required=True, metavar="ACTION")
    # allow_abbrev=False: no option here may be shortened (so `--password X` is refused, never taken as --password-stdin)
    q = user.add_parser("add", help="add an account to a clinic (the password is asked for, never an argument)",
                        allow_abbrev=False)
    q.add_argument("--clinic", required=True, help="the clinic's name")
    q.add_argument("--username", required=True)
    q.add_argument("--name", required=True, help="display name")
    q.add_argument("--role", choices=ROLES, default="practitioner")
    q.add_argument("--email", default=None, help="e-mail address for single sign-on")
    q.add_argument("--no-password", action="store_true", help="single sign-on only (needs --email)")
    q.add_argument("--password-stdin", action="store_true", help="read the password from the first line of standard input")
    q.set_defaults(run=_user_add)
    q = user.add_parser("password", help="set a new password for an account", allow_abbrev=False)
    q.add_argument("--username", required=True)
    q.add_argument("--password-stdin", action="store_true", help="read the password from the first line of standard input")
    q.set_defaults(run=_user_password)

    p = sub.add_parser("purge", help="delete the records every clinic's retention period has passed (for cron)")
    p.set_defaults(run=_purge)


def _database_errors(doing: str):
    """Database and migration failures as an IntakeError (exit 1) with the driver's first line, no traceback."""
    from intake.storage.failures import failures_named

    return failures_named(doing)


@contextmanager
def _store() -> Iterator:
    """The app's store on the app's database (migrated to the current schema, as the app does on start)."""
    from intake.storage.store import Store

    with _database_errors("cannot open the database"):
        store = Store()
    try:
        with _database_errors("database error"):
            yield store
    finally:
        store.dispose()


def _migrate(args: argparse.Namespace) -> int:
    from intake.storage import Database
    from intake.storage.database import current_revision, head_revision, upgrade

    with _database_errors("cannot migrate the database"):
        db = Database(migrate=False)
        try:
            with db.engine.connect() as connection:
                before = current_revision(connection)
            upgrade(db.engine)
            with db.engine.connect() as connection:
                after = current_revision(connection)
        finally:
            db.dispose()
    if before == after:
        print(f"database schema already at revision {after} (head {head_revision()})")
    else:
        print(f"database schema migrated from revision {before or 'none'} to {after} (head {head_revision()})")
    return 0


def _backup(args: argparse.Namespace) -> int:
    from intake.storage import Database
    from intake.storage.backup import backup

    with _database_errors("cannot back up the database"):
        db = Database(migrate=False)  # a backup never changes the schema it copies
        try:
            summary = backup(db, args.output, username=CLI_USER)
        finally:
            db.dispose()
    print(f"wrote {args.output}: {summary.total:,} rows from {len(summary.rows)} tables (schema revision {summary.revision})")
    return 0


def _restore(args: argparse.Namespace) -> int:
    from intake.storage import Database
    from intake.storage.backup import contents, restore

    found = contents(args.backup)  # read through before anything is written
    print(f"{args.backup} brings in {found.describe()}", flush=True)
    with _database_errors("cannot restore the database"):
        db = Database(migrate=False)  # restore migrates inside its own transaction
        try:
            summary = restore(db, args.backup, replace=args.replace, username=CLI_USER)
        finally:
            db.dispose()
    print(f"restored {args.backup} (taken {summary.created:%Y-%m-%d %H:%M} UTC, schema revision {summary.revision}): "
          f"{summary.total:,} rows")
    if summary.accounts_untrusted:
        print(f"{summary.accounts_untrusted:,} accounts were restored without their passwords and sign-in e-mail "
              "addresses (a backup file is not trusted with them): set each password with `intake user password --username NAME`, "
              "or restore with --replace if this backup is your own.")
    return 0


def _clinic_add(args: argparse.Namespace) -> int:
    with _store() as store:
        first = not store.accounts.clinics()
        clinic = store.accounts.create_clinic(args.name, claim_unowned=first)
    print(f"added clinic {clinic.name!r}" + (" (it takes over the drafts, attempts and vignettes saved before sign-in)"
                                              if first else ""))
    return 0


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        line = sys.stdin.readline()
        if not line:
            raise UsageError("--password-stdin: nothing on standard input")
        return line.rstrip("\r\n")
    import getpass

    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise UsageError("the two passwords differ")
    return first


def _user_add(args: argparse.Namespace) -> int:
    if args.no_password and not args.email:
        raise UsageError("--no-password needs --email (the account signs in through single sign-on)")
    if args.no_password and args.password_stdin:
        raise UsageError("--no-password and --password-stdin contradict each other")
    with _store() as store:
        clinic = store.accounts.clinic_by_name(args.clinic)
        if clinic is None:
            raise UsageError(f"no clinic called {args.clinic!r} (add it with: python -m intake clinic add NAME)")
        password = None if args.no_password else _read_password(args)
        added = store.accounts.add_practitioner(clinic.id, args.username, args.name, password=password, email=args.email,
                                                role=args.role)
    print(f"added {added.username} ({added.role}) to {clinic.name}")
    return 0


def _user_password(args: argparse.Namespace) -> int:
    from intake.storage.accounts import normalise_username

    with _store() as store:
        user_id = store.accounts.id_of(args.username)
        if user_id is None:
            raise UsageError(f"no account with the username {normalise_username(args.username)!r}")
        store.accounts.set_password(None, user_id, _read_password(args))
    print(f"password changed for {normalise_username(args.username)}")
    return 0


def _purge(args: argparse.Namespace) -> int:
    with _store() as store:
        clinics = {c.name: c.retention_days for c in store.accounts.clinics()}
        purged = store.records.purge_all()
    if not purged:
        print("no clinic has a retention period: nothing purged")
        return 0
    for name, count in sorted(purged.items()):
        print(f"{name}: {count} record{'s' if count != 1 else ''} purged (kept {clinics.get(name)} days)")
    print(f"total: {sum(purged.values())} purged")
    return 0


def _assess(args: argparse.Namespace) -> int:
    case = load_case(args.case)
    assessment = assess(case)
    if args.json:
        print(json.dumps(assessment.model_dump(mode="json"), indent=2, ensure_ascii=False))
    else:
        print(render_text(case, assessment))
    return 0


def _next(args: argparse.Namespace) -> int:
    assessment = assess(load_case(args.case))
    questions = assessment.next_questions
    if args.json:
        print(json.dumps([q.model_dump(mode="json") for q in questions], indent=2, ensure_ascii=False))
        return 0
    print(f"Referral: {assessment.referral.upper()}")
    deciding = visit.deciding_sentence(assessment)
    if deciding:  # as on screen: the referral first, and no more examination pushed (the ranking stays the engine's)
        print(deciding)
        questions = [q for q in questions if q.kind == "red_flag"]
    shown = questions if args.all else questions[:10]
    if not shown:
        print("Nothing left to ask that any rule reads.")
    for n, q in enumerate(shown, 1):
        p = "  -  " if q.p_positive is None else f"{q.p_positive:5.0%}"
        print(f"{n:3}. [{q.kind}] {q.label} ({q.key}): {q.expected_information:.2f} bits, p(yes) {p.strip()}; {q.phrase}")
    if len(shown) < len(questions):
        print(f"... {len(questions) - len(shown)} more (--all)")
    print("")
    print(assessment.disclaimer)
    return 0


def _validate(args: argparse.Namespace) -> int:
    status = 0
    for path in args.cases:
        try:
            case = load_case(path)
        except CaseError as exc:
            print(exc, file=sys.stderr)
            status = 2
        else:
            print(f"{path}: valid case (format version {case.case_format})")
    return status


def _pdf(args: argparse.Namespace) -> int:
    import reports  # heavy (fonts); imported only for this command

    case = load_case(args.case)
    renderers: dict[str, Callable[..., bytes]] = {"report": reports.render_summary, "handout": reports.render_handout,
                                                  "referral": reports.render_referral}
    render = renderers[args.document]
    assessment = assess(case)
    extra: dict[str, Any] = {}
    if args.document == "handout":
        from reports.content import HandoutChoiceError, check_handout_choice, handout_choices

        kb = load_knowledge()
        offered = handout_choices(case, assessment, kb)
        plan = case.handout
        kept = [("handout.exercises", plan.exercises or []), ("handout.doses", list(plan.doses or {}))] if plan else []
        given = [("--exercises", [x.strip() for x in args.exercises.split(",") if x.strip()])] \
            if args.exercises is not None else []
        for where, wanted in kept + given:
            try:
                check_handout_choice(offered, wanted, kb)
            except HandoutChoiceError as exc:
                raise UsageError(f"{where}: {exc}") from None
        if given:
            extra["self_care"] = given[0][1]
    try:
        data = render(case, assessment, paper=args.paper, practitioner=args.practitioner,
                      registration=args.registration, **extra)
    except reports.NoReferral as exc:
        raise UsageError(f"{args.case}: {exc}") from None
    args.output.write_bytes(data)
    print(f"wrote {args.output} ({len(data):,} bytes)")
    return 0


def _fhir(args: argparse.Namespace) -> int:
    import reports  # the referral letter PDF goes in the bundle
    from intake.fhir_bundle import bundle, letter_case, sender_from_branding

    case = load_case(args.case)
    assessment = assess(case)
    try:
        branding = reports.load_branding()
        letter = reports.render_referral(letter_case(case), assessment, practitioner=args.practitioner, branding=branding)
    except reports.NoReferral:
        letter = None  # nothing to refer, so no letter goes with the answers
    made = bundle(case, assessment, kind=args.bundle, sender=sender_from_branding(branding, args.practitioner), letter=letter)
    args.output.write_text(made.model_dump_json(indent=2, exclude_none=True), encoding="utf-8")
    print(f"wrote {args.output} ({args.bundle} bundle, {len(made.entry or [])} resources)")
    return 0


def _from_fhir(args: argparse.Namespace) -> int:
    import yaml

    from intake.fhir_import import case_from_response

    if args.response.stat().st_size > 1_000_000:
        raise UsageError(f"{args.response}: larger than 1 MB; not a QuestionnaireResponse for this form")
    case = case_from_response(args.response.read_text(encoding="utf-8-sig"), source=str(args.response))
    data = case.to_data()
    if args.output.suffix.lower() == ".json":
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    else:
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output} (case, age {case.patient.age})")
    return 0


def _fhir_questionnaire(args: argparse.Namespace) -> int:
    from intake.fhir import questionnaire

    args.output.write_text(questionnaire().model_dump_json(indent=2, exclude_none=True), encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


def _score(args: argparse.Namespace) -> int:
    from intake.measures import score

    try:
        data = json.loads(args.answers.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise UsageError(f"{args.answers}: not valid JSON: {exc.msg} (line {exc.lineno})") from None
    if not isinstance(data, dict) or not isinstance(data.get("answers"), dict):
        raise UsageError(f'{args.answers}: expected {{"answers": {{"1": 2, ...}}}}')
    unknown = sorted(set(data) - {"answers", "activities"})
    if unknown:
        raise UsageError(f"{args.answers}: unknown key {unknown[0]!r}; allowed: answers, activities")
    activities = data.get("activities")
    if activities is not None and not (isinstance(activities, list) and all(isinstance(a, str) for a in activities)):
        raise UsageError(f"{args.answers}: `activities` must be a list of text")
    entry = score(args.measure, data["answers"], activities=activities)  # a MeasureError is an InvalidInput: main says it
    if args.json:
        shown = {k: entry[k] for k in ("measure", "scores", "valid", "interpretation", "not_scored")}
        print(json.dumps(shown, indent=2, ensure_ascii=False))
    else:
        print(entry["interpretation"])
        for name, value in entry["scores"].items():
            print(f"  {name}: {value}")
        print(f"Source: {'; '.join(entry['citations'])}. {entry['attribution']}")
    return 0


def _batch(args: argparse.Namespace) -> int:
    from reports.batch import render_many

    args.output_dir.mkdir(parents=True, exist_ok=True)
    result = render_many(args.cases, args.output_dir, jobs=args.jobs)
    print(f"wrote {len(result.written)} summaries to {args.output_dir}")
    for path, message in result.failed:
        print(f"{path}: {message}", file=sys.stderr)
    return 2 if result.failed else 0


def render_text(case: Case, assessment: Assessment) -> str:
    """The assessment as readable text for a terminal: red flags first, then the reasoning."""
    kb = load_knowledge()
    lines: list[str] = []
    title = case.title or case.id or "Case"
    lines += [title, "=" * len(title), ""]
    lines.append(f"Referral: {assessment.referral.upper()}")
    if assessment.red_flags:
        for flag in assessment.red_flags:
            findings = ", ".join(kb.label(k) for k in flag.findings)
            lines += [f"  [{flag.urgency.upper()}] {flag.label}: {findings}", f"    {flag.refer_to}", f"    {flag.note}",
                      f"    Sources: {'; '.join(flag.citations)}"]
    else:
        lines.append(f"  {assessment.red_flag_note}")
    lines += ["", "Differential (most likely first)" + (", PROVISIONAL" if assessment.differential_provisional else "")]
    if assessment.provisional_note:
        lines.append(f"  {assessment.provisional_note}")
    for n, origin in enumerate(assessment.origins, 1):
        lines.append(f"  {n}. {origin.label}: {origin.likelihood} ({origin.probability:.0%})")
        for reason in origin.because:
            sign = "+" if reason.direction == "for" else "-"
            weight = f"x{reason.effect:.2f}" if reason.counted else f"covered by {reason.covered_by}"
            lines.append(f"       {sign} {reason.summary} [{weight}; {reason.evidence.replace('_', ' ')}; {'; '.join(reason.citations)}]")
    if assessment.coexistence_note:
        lines.append(f"  {assessment.coexistence_note}")
    if assessment.muscles:
        lines += ["", "Suspected muscles"]
        for muscle in assessment.muscles:
            lines.append(f"  - {muscle.label}: " + "; ".join(r.summary for r in muscle.because))
    if assessment.therapies:
        lines += ["", "Treatment options"]
        for therapy in assessment.therapies:
            status = f"WITHHELD ({therapy.withheld}): {therapy.withheld_reason}" if therapy.withheld else "suggested"
            lines.append(f"  - {therapy.label} [for {', '.join(therapy.for_)}]: {status}")
            if therapy.caution:
                lines.append(f"      caution: {therapy.caution}")
    if assessment.withheld:
        lines += ["", "Withheld"]
        for item in assessment.withheld:
            because = ", ".join(kb.label(k) if k in kb.findings else k for k in item.because)
            lines.append(f"  - {item.id.replace('_', ' ')} (because: {because}): {item.reason} [{'; '.join(item.citations)}]")
    if assessment.gaps:
        lines += ["", "Not asked or not tested"]
        lines += [f"  - {gap.label}: {gap.why}" for gap in assessment.gaps]
    if assessment.outcomes:
        lines += ["", "Outcome measures"]
        for outcome in assessment.outcomes:
            lines.append(f"  - {outcome.interpretation} [{'; '.join(outcome.citations)}]")
            if outcome.plan:
                lines.append(f"      plan: {outcome.plan['text']} [{'; '.join(outcome.plan['citations'])}]")
            lines.append(f"      {outcome.attribution}")
    lines += ["", assessment.safety_net, "", assessment.disclaimer]
    return "\n".join(lines)
