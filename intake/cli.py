"""Command line: assess, validate, and print reports for version-1 cases.

Exit status: 0 on success, 2 for an invalid case (the message names the field, on standard
error, with no traceback), 1 for anything else that went wrong (also without a traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from intake.engine import assess
from intake.knowledge import load_knowledge
from intake.loader import CaseError, load_case
from intake.models import Assessment, Case

__all__ = ["ConfigError", "main", "render_text"]


class ConfigError(ValueError):
    """A configuration file (e.g. clinic branding) is wrong; the message names the field."""


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except CaseError as exc:
        print(exc, file=sys.stderr)
        return 2
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
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

    p = sub.add_parser("validate", help="check that case files are valid version-1 cases")
    p.add_argument("cases", type=Path, nargs="+")
    p.set_defaults(run=_validate)

    for name, what in (("report", "clinician summary"), ("handout", "patient handout")):
        p = sub.add_parser(name, help=f"write the {what} PDF for one case")
        p.add_argument("case", type=Path)
        p.add_argument("-o", "--output", type=Path, required=True, help="PDF file to write")
        p.add_argument("--paper", choices=("a4", "letter"), default="a4")
        p.add_argument("--practitioner", default=None, help="practitioner name printed on the report")
        p.set_defaults(run=_pdf, document=name)

    p = sub.add_parser("fhir", help="write a FHIR R4 collection Bundle (QuestionnaireResponse + any ServiceRequest)")
    p.add_argument("case", type=Path)
    p.add_argument("-o", "--output", type=Path, required=True, help="JSON file to write")
    p.set_defaults(run=_fhir)

    p = sub.add_parser("fhir-questionnaire", help="write the intake form as a FHIR R4 Questionnaire")
    p.add_argument("-o", "--output", type=Path, required=True, help="JSON file to write")
    p.set_defaults(run=_fhir_questionnaire)

    p = sub.add_parser("batch-reports", help="write clinician summaries for many cases, using every core")
    p.add_argument("cases", type=Path, nargs="+")
    p.add_argument("-o", "--output-dir", type=Path, required=True)
    p.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    p.set_defaults(run=_batch)
    return parser


def _assess(args: argparse.Namespace) -> int:
    case = load_case(args.case)
    assessment = assess(case)
    if args.json:
        print(json.dumps(assessment.model_dump(mode="json"), indent=2, ensure_ascii=False))
    else:
        print(render_text(case, assessment))
    return 0


def _validate(args: argparse.Namespace) -> int:
    status = 0
    for path in args.cases:
        try:
            load_case(path)
        except CaseError as exc:
            print(exc, file=sys.stderr)
            status = 2
        else:
            print(f"{path}: valid version-1 case")
    return status


def _pdf(args: argparse.Namespace) -> int:
    import reports  # heavy (fonts); imported only for this command

    case = load_case(args.case)
    render = reports.render_summary if args.document == "report" else reports.render_handout
    try:
        data = render(case, assess(case), paper=args.paper, practitioner=args.practitioner)
    except reports.BrandingError as exc:
        raise ConfigError(str(exc)) from None
    args.output.write_bytes(data)
    print(f"wrote {args.output} ({len(data):,} bytes)")
    return 0


def _fhir(args: argparse.Namespace) -> int:
    from intake.fhir import bundle

    case = load_case(args.case)
    args.output.write_text(bundle(case, assess(case)).model_dump_json(indent=2, exclude_none=True), encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


def _fhir_questionnaire(args: argparse.Namespace) -> int:
    from intake.fhir import questionnaire

    args.output.write_text(questionnaire().model_dump_json(indent=2, exclude_none=True), encoding="utf-8")
    print(f"wrote {args.output}")
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
    lines += ["", "Differential (most likely first)"]
    for n, origin in enumerate(assessment.origins, 1):
        lines.append(f"  {n}. {origin.label}: {origin.likelihood} ({origin.probability:.0%})")
        for reason in origin.because:
            sign = "+" if reason.direction == "for" else "-"
            weight = f"x{reason.effect:.2f}" if reason.counted else f"covered by {reason.covered_by}"
            lines.append(f"       {sign} {reason.summary} [{weight}; {reason.evidence.replace('_', ' ')}; {'; '.join(reason.citations)}]")
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
    lines += ["", assessment.safety_net, "", assessment.disclaimer]
    return "\n".join(lines)
