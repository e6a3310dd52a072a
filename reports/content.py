"""Case + assessment + knowledge base -> the report model: plain data, no ReportLab.

This is the same trace the screen shows (each conclusion with the findings, direction and
source behind it), arranged for paper. The renderers in `summary.py` and `handout.py` only
lay it out; any wording decision lives here, in the knowledge base or in `handout_text.yaml`.
Strings here are plain text: the renderers pass every one through `reports.text.markup`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from intake.errors import InvalidInput
from intake.facts import case_facts
from intake.form import Slot
from intake.models import RED_FLAG_KEYS, Assessment, Case, Reason
from intake.policy import visit
from intake.policy.urgency import most_urgent_first
from intake.policy.visit import red_flag_decides
from reports.branding import Branding
from reports.outcomes import OutcomeLine, outcome_lines

__all__ = [
    "FindingGroup",
    "FindingRow",
    "Handout",
    "HandoutChoice",
    "HandoutChoiceError",
    "Header",
    "Letter",
    "MuscleItem",
    "OriginItem",
    "RedFlagItem",
    "Reference",
    "SelfCareItem",
    "Step",
    "Summary",
    "TherapyItem",
    "WithheldItem",
    "build_handout",
    "build_summary",
    "case_findings",
    "check_handout_choice",
    "handout_choices",
    "handout_messages",
    "handout_text",
    "name_conditions",
]

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")
HANDOUT_TEXT = Path(__file__).parent / "handout_text.yaml"


@lru_cache(maxsize=1)
def handout_text() -> dict[str, Any]:
    """The report wording that is not clinical knowledge: urgency phrases and the patient's safety box."""
    return yaml.safe_load(HANDOUT_TEXT.read_text(encoding="utf-8"))


# ---------------------------------------------------------------- model


@dataclass(frozen=True)
class Header:
    clinic: Branding
    document: str
    patient_name: str | None
    patient_line: str
    case_ref: str | None
    date: str
    practitioner: str | None
    registration: str | None
    #: When the assessment took place, date and (when known) time in the clinic's time zone.
    when: str = ""


@dataclass(frozen=True)
class Step:
    """One step of the reasoning, as the screen shows it."""

    summary: str
    findings: tuple[str, ...]
    direction: str
    weight: str
    counted: bool
    covered_by: str | None
    citations: tuple[str, ...]


@dataclass(frozen=True)
class OriginItem:
    rank: int
    id: str
    label: str
    likelihood: str
    probability: str
    steps_for: tuple[Step, ...]
    steps_against: tuple[Step, ...]


@dataclass(frozen=True)
class RedFlagItem:
    id: str
    label: str
    plain_label: str
    urgency: str
    urgency_text: str
    findings: tuple[str, ...]
    note: str
    refer_to: str
    citations: tuple[str, ...]


@dataclass(frozen=True)
class Letter:
    """One referral letter (one page, signed): every red flag sent to the same service, most urgent first,
    with what a receiving clinician needs to act and to call back."""

    refer_to: str
    urgency: str
    urgency_text: str
    flags: tuple[RedFlagItem, ...]
    findings: tuple[str, ...]
    other_findings: tuple[str, ...]
    complaint: str = ""
    onset_duration: str = ""
    asked_negative: tuple[str, ...] = ()
    not_asked: tuple[str, ...] = ()
    also_raised: tuple[RedFlagItem, ...] = ()


@dataclass(frozen=True)
class FindingRow:
    label: str
    value: str
    state: str  # positive | negative | not_asked | value


@dataclass(frozen=True)
class FindingGroup:
    title: str
    rows: tuple[FindingRow, ...]


@dataclass(frozen=True)
class MuscleItem:
    label: str
    zones: tuple[str, ...]
    referral_description: str
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class TherapyItem:
    label: str
    kind: str
    for_: tuple[str, ...]
    evidence_note: str
    caution: str | None
    withheld: bool
    withheld_reason: str | None
    citations: tuple[str, ...]


@dataclass(frozen=True)
class WithheldItem:
    label: str
    because: tuple[str, ...]
    reason: str
    citations: tuple[str, ...]


@dataclass(frozen=True)
class Gap:
    label: str
    kind: str
    why: str


@dataclass(frozen=True)
class Reference:
    cite: str
    authors: str
    year: int
    title: str
    published: str
    verified: bool


@dataclass(frozen=True)
class Summary:
    header: Header
    referral: str
    referral_text: str
    red_flags: tuple[RedFlagItem, ...]
    no_red_flag_note: str
    red_flag_gaps: tuple[str, ...]
    precautions: tuple[str, ...]
    origins: tuple[OriginItem, ...]
    pain_sites: tuple[str, ...]
    pain_site_labels: tuple[str, ...]
    muscle_zones: tuple[str, ...]
    side: str | None
    findings: tuple[FindingGroup, ...]
    muscles: tuple[MuscleItem, ...]
    therapies: tuple[TherapyItem, ...]
    withheld: tuple[WithheldItem, ...]
    gaps: tuple[Gap, ...]
    notes: str | None
    safety_net: str
    letters: tuple[Letter, ...]
    provisional_note: str | None
    coexistence_note: str | None
    references: tuple[Reference, ...]
    disclaimer: str
    knowledge_version: str
    outcomes: tuple[OutcomeLine, ...] = ()  # one per measure completed
    #: When a referral decides the visit: the sentence that says so, and how many examination gaps are not proposed.
    deciding: str | None = None
    gaps_held: int = 0
    #: Page 1's overview: the findings that matter, positive and negative, and the tests not done (one line).
    key_positive: tuple[str, ...] = ()
    key_negative: tuple[str, ...] = ()
    not_tested: tuple[str, ...] = ()


@dataclass(frozen=True)
class SelfCareItem:
    title: str
    steps: tuple[str, ...]
    dose: str
    drawing: str


@dataclass(frozen=True)
class HandoutChoice:
    """One exercise or self-care item the practitioner may put on the handout."""

    id: str
    title: str
    label: str
    dose: str
    chosen: bool  # the default choice, following the findings
    withheld_reason: str | None  # not choosable at all, and why
    not_chosen_reason: str | None  # choosable, but not chosen by default, and why


class HandoutChoiceError(InvalidInput):
    """An exercise id that cannot go on this patient's handout; the message names it and why."""


@dataclass(frozen=True)
class Handout:
    header: Header
    referral: str
    alert_title: str | None
    alert_body: tuple[str, ...]
    likely: tuple[tuple[str, str], ...]
    self_care: tuple[SelfCareItem, ...]
    self_care_note: str | None
    seek_today: tuple[str, ...]
    seek_today_title: str
    emergency_now: tuple[str, ...]
    emergency_title: str
    emergency_call: str
    today_call: str
    closing: str
    disclaimer: str
    plain_disclaimer: str
    sources: tuple[str, ...] = field(default_factory=tuple)
    personal_note: str | None = None
    next_appointment: str | None = None
    contact: str | None = None
    #: The patient's language (a catalogue in intake/locale, else "en"), its direction, the handout's own
    #: headings in it (handout_text.yaml ``labels``), and whether a fluent clinician has reviewed it.
    language: str = "en"
    rtl: bool = False
    labels: dict[str, str] = field(default_factory=dict)
    translation_note: str = ""


# ---------------------------------------------------------------- helpers


def _local(moment: dt.datetime, zone: str | None) -> dt.datetime:
    """An aware moment in the clinic's time zone (a naive one is taken as already local)."""
    if moment.tzinfo is None:
        return moment
    if zone:
        from zoneinfo import ZoneInfo

        return moment.astimezone(ZoneInfo(zone))
    return moment.astimezone()


def _date_text(date: dt.date | str | None, zone: str | None = None, language: str = "en") -> str:
    if isinstance(date, str):
        return date
    d = date or dt.date.today()
    if isinstance(d, dt.datetime):
        d = _local(d, zone)
    if language != "en":  # the month in the patient's language (CLDR, through Babel), day and year as digits
        from babel.dates import format_date

        return format_date(dt.date(d.year, d.month, d.day), format="long", locale=language)
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def _when_text(date: dt.date | str | None, zone: str | None = None) -> str:
    """The date, and the time of day when `date` is a moment (the letter says when the patient was seen)."""
    text = _date_text(date, zone)
    if isinstance(date, dt.datetime):
        local = _local(date, zone)
        text += f", {local:%H:%M}"
    return text


def _humanise(key: str) -> str:
    return key.replace("_", " ")


def _header(case: Case, branding: Branding, document: str, date: dt.date | str | None, practitioner: str | None,
            registration: str | None = None, language: str = "en") -> Header:
    p = case.patient
    bits = [f"{p.age} years"]
    if p.sex and p.sex != "unspecified":
        bits.append(p.sex)
    if p.side:
        bits.append("both sides" if p.side == "bilateral" else f"{p.side} side")
    return Header(
        clinic=branding,
        document=document,
        patient_name=p.name,
        patient_line=" · ".join(bits),
        case_ref=case.id,
        date=_date_text(date if date is not None else case.visit_date, branding.timezone, language),
        practitioner=practitioner or branding.practitioner,
        registration=registration if practitioner else (registration or branding.registration),
        when=_when_text(date, branding.timezone),
    )


def _weight(reason: Reason) -> str:
    e = reason.effect
    if reason.evidence == "clinical_rule":
        return f"×{e:.2g}" if e >= 1 else f"÷{1 / e:.2g}"
    prefix = "LR+" if e >= 1 else "LR−"
    return f"{prefix} {e:.2g}"


def _step(kb, reason: Reason, siblings: Iterable[Reason] = ()) -> Step:
    covering = next((r.summary for r in siblings if r.rule == reason.covered_by), reason.covered_by)
    return Step(
        summary=reason.summary,
        findings=tuple(kb.label(k) for k in reason.findings),
        direction=reason.direction,
        weight=_weight(reason),
        counted=reason.counted,
        covered_by=covering,
        citations=tuple(reason.citations),
    )


def _urgency_text(urgency: str) -> str:
    return handout_text()["urgency"][urgency]


def _red_flag(kb, flag) -> RedFlagItem:
    condition = kb.red_flag_conditions.get(flag.id)
    return RedFlagItem(
        id=flag.id,
        label=flag.label,
        plain_label=condition.plain_label if condition else flag.label,
        urgency=flag.urgency,
        urgency_text=_urgency_text(flag.urgency),
        findings=tuple(kb.label(k) for k in flag.findings),
        note=flag.note,
        refer_to=flag.refer_to,
        citations=tuple(flag.citations),
    )


def _yes_no(value: bool | None) -> tuple[str, str]:
    if value is None:
        return "not asked", "not_asked"
    return ("present", "positive") if value else ("absent", "negative")


def _findings(case: Case, kb) -> tuple[FindingGroup, ...]:
    """One group per section of the form after the patient's details (those head the summary), in
    the form's order: the same questions, grouped and ordered as on the wizard."""

    def row(slot: Slot, value: Any) -> FindingRow:
        label = kb.label(slot.key)
        if value is None:
            return FindingRow(label, "not tested" if slot.kind == "test" else "not asked", "not_asked")
        if slot.kind == "test":
            return FindingRow(label, value, value)
        if isinstance(value, bool):
            text, state = _yes_no(value)
            return FindingRow(label, text, state)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return FindingRow(label, f"{_humanise(str(value))}{slot.unit or ''}", "value")

    def listed(slot: Slot, values: list[str] | None) -> FindingRow:
        label = slot.label or kb.field_labels.get(slot.key, slot.key)
        if values is None:
            return FindingRow(label, "not asked", "not_asked")
        if not values:
            return FindingRow(label, "none", "negative")
        names = [kb.label(f"{slot.key}.{v}").split(": ", 1)[-1] for v in values]
        return FindingRow(label, ", ".join(names), "value")

    groups = []
    for section in kb.form.sections[1:]:
        rows = []
        for slot in section.slots:
            value: Any = case
            for part in slot.path.split("."):
                value = getattr(value, part)
            rows.append(listed(slot, value) if slot.kind == "multi" else row(slot, value))
        groups.append(FindingGroup(section.title, tuple(rows)))
    return tuple(groups)


def _key_findings(groups: tuple[FindingGroup, ...]) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Positive and negative findings for the overview (history, examination, tests; the red-flag screen has
    its own box), and the tests not done."""
    positive, negative, not_tested = [], [], []
    for group in groups:
        if group.title == "Red-flag screen":
            continue
        for row in group.rows:
            if row.state == "positive":
                positive.append(row.label)
            elif row.state == "negative" and row.value != "none":
                negative.append(row.label)
            elif row.state == "not_asked" and row.value == "not tested":
                not_tested.append(row.label)
    return tuple(positive), tuple(negative), tuple(not_tested)


def case_findings(case: Case, kb) -> tuple[FindingGroup, ...]:
    """Every answer as the summary's findings table shows it (the form's sections after the
    patient, in its order; "not asked" kept): also how the records page shows a filed case."""
    return _findings(case, kb)


def _for_label(kb, key: str) -> str:
    if key in kb.origins:
        return kb.origins[key].label
    if key in kb.muscles:
        return kb.muscles[key].label
    return kb.label(key)


def _letters(flags: tuple[RedFlagItem, ...], case: Case, kb, all_findings: set[str],
             not_asked: tuple[str, ...] = ()) -> tuple[Letter, ...]:
    by_service: dict[str, list[RedFlagItem]] = {}
    for flag in flags:
        if flag.urgency == "monitor":
            continue
        by_service.setdefault(flag.refer_to, []).append(flag)
    complaint = presenting_complaint(case, kb)
    onset = _onset_duration(case)
    negative = tuple(kb.label(k) for k in RED_FLAG_KEYS if getattr(case.red_flags, k) is False)
    letters = []
    for service, items in by_service.items():
        items = most_urgent_first(items)
        urgency = items[0].urgency
        named: list[str] = []
        for f in items:
            named.extend(x for x in f.findings if x not in named)
        other = tuple(sorted(x for x in all_findings if x not in named))
        also = tuple(f for f in flags if f.refer_to != service)
        letters.append(Letter(service, urgency, _urgency_text(urgency), tuple(items), tuple(named), other,
                              complaint=complaint, onset_duration=onset, asked_negative=negative, not_asked=not_asked,
                              also_raised=also))
    letters = most_urgent_first(letters)
    return tuple(letters)


def _weeks_text(weeks: float) -> str:
    if weeks < 1:
        days = round(weeks * 7)
        return "under a day" if days == 0 else f"{days} day{'s' if days != 1 else ''}"
    if float(weeks).is_integer():
        return f"{int(weeks)} week{'s' if weeks != 1 else ''}"
    return f"{weeks:.1f} weeks"


def _onset_duration(case: Case) -> str:
    """"Sudden onset, 1 week": how and how long ago the episode began, as recorded (or that it was not)."""
    h = case.history
    onset = handout_text()["letter"]["onset"].get(h.onset) if h.onset else "onset not asked"
    duration = _weeks_text(h.duration_weeks) if h.duration_weeks is not None else "duration not asked"
    return f"{onset[:1].upper()}{onset[1:]}, {duration}"


def _after_colon(text: str) -> str:
    return text.split(":", 1)[1].strip() if ":" in text else text


def presenting_complaint(case: Case, kb) -> str:
    """The complaint as the patient has it, from the recorded history (where it hurts, on which side, what
    comes with it, what makes it worse, how bad): never a stock phrase for the region."""
    h = case.history
    side = {"left": "left side", "right": "right side", "bilateral": "both sides"}.get(case.patient.side or "")
    if h.pain_sites:
        places = _join([_after_colon(kb.label(f"pain_sites.{x}")) for x in h.pain_sites])
        text = f"Pain in the {places}" + (f" ({side})" if side else "")
    else:
        text = "Pain (sites not recorded)" + (f", {side}" if side else "")
    also = [kb.label(k).lower() if kb.label(k)[1:2].islower() else kb.label(k)
            for k in ("back_pain", "paraesthesia", "night_pain", "limp") if getattr(h, k) is True]
    if also:
        text += ", with " + _join(also)
    if h.aggravated_by:
        worse = [_after_colon(kb.label(f"aggravated_by.{x}")) for x in h.aggravated_by]
        worse = [w[len("Worse "):] if w.startswith("Worse ") else w.lower() for w in worse]
        text += "; worse " + _join(worse)
    scores = []
    if h.pain_now is not None:
        scores.append(f"{h.pain_now}/10 now")
    if h.pain_worst is not None:
        scores.append(f"{h.pain_worst}/10 at worst")
    if scores:
        text += "; pain " + ", ".join(scores)
    return text + "."


def _relevant_positives(case: Case, kb) -> set[str]:
    """Positive findings a receiving clinician would want besides the red flags themselves
    (which: knowledge, settings.yaml ``referral_letter``)."""
    facts = case_facts(case)
    policy = kb.settings.referral_letter
    out = {kb.label(key) for key in policy.cite_when_present if facts.get(key) is True}
    if policy.cite_positive_tests:
        out |= {f"{kb.label(key)}: positive" for key in kb.form.test_keys if facts.get(key) is True}
    return out


# ---------------------------------------------------------------- builders


def build_summary(
    case: Case,
    assessment: Assessment,
    kb,
    branding: Branding,
    *,
    date: dt.date | str | None = None,
    practitioner: str | None = None,
    previous_outcomes: dict | None = None,
    registration: str | None = None,
) -> Summary:
    """The clinician summary's content, in reading order (`previous_outcomes`: measure -> scores
    at the patient's previous visit, for the change against each MCID)."""
    header = _header(case, branding, "Clinician summary", date, practitioner, registration)
    found = _findings(case, kb)
    flags = tuple(most_urgent_first(_red_flag(kb, f) for f in assessment.red_flags))
    origins = tuple(
        OriginItem(
            rank=n,
            id=o.id,
            label=o.label,
            likelihood=o.likelihood,
            probability=f"{o.probability * 100:.0f}%",
            steps_for=tuple(_step(kb, r, o.because) for r in o.because if r.direction == "for"),
            steps_against=tuple(_step(kb, r, o.because) for r in o.because if r.direction == "against"),
        )
        for n, o in enumerate(assessment.origins, start=1)
    )
    muscles = tuple(
        MuscleItem(
            label=m.label,
            zones=tuple(_humanise(z) for z in m.referral_zones),
            referral_description=kb.muscles[m.id].referral_description if m.id in kb.muscles else "",
            steps=tuple(_step(kb, r, m.because) for r in m.because),
        )
        for m in assessment.muscles
    )
    therapies = tuple(
        TherapyItem(
            label=t.label,
            kind=_humanise(t.kind),
            for_=tuple(_for_label(kb, k) for k in t.for_),
            evidence_note=t.evidence_note,
            caution=t.caution,
            withheld=t.withheld is not None,
            withheld_reason=(t.withheld_reason or t.withheld) if t.withheld is not None else None,
            citations=tuple(t.citations),
        )
        for t in assessment.therapies
    )
    withheld = tuple(
        WithheldItem(
            label=_humanise(w.id).capitalize(),
            because=tuple(kb.label(k) if k in kb.findings else _humanise(k) for k in w.because),
            reason=w.reason,
            citations=tuple(w.citations),
        )
        for w in assessment.withheld
    )
    gap_keys = {g.key for g in assessment.gaps}
    proposed = visit.gaps_to_propose(assessment)  # in an emergency, only the red-flag questions still unasked
    gaps = [Gap(g.label, _humanise(g.kind), g.why) for g in proposed]
    extra = [k for k in assessment.unanswered if k not in gap_keys]
    every_gap = len(assessment.gaps) + len(extra)
    if visit.decided_by_referral(assessment):
        extra = [k for k in extra if k in RED_FLAG_KEYS]
    gaps += [Gap(kb.label(k), "not asked", "") for k in extra]
    gaps_held = every_gap - len(gaps)
    red_flag_gaps = tuple(
        dict.fromkeys(
            [g.label for g in assessment.gaps if g.kind == "red_flag"]
            + [kb.label(k) for k in assessment.unanswered if k in RED_FLAG_KEYS and k not in gap_keys]
        )
    )
    zones: list[str] = []
    for m in assessment.muscles:
        zones.extend(z for z in m.referral_zones if z not in zones)
    pain_sites = tuple(case.history.pain_sites or ())
    sources: list[str] = []
    for o in assessment.origins:
        for r in o.because:
            sources.extend(r.sources)
    for f in assessment.red_flags:
        sources.extend(f.sources)
    for m in assessment.muscles:
        for r in m.because:
            sources.extend(r.sources)
    for t in assessment.therapies:
        sources.extend(t.sources)
    for w in assessment.withheld:
        sources.extend(w.sources)
    sources.extend(handout_text()["sources"])
    references = tuple(
        sorted(
            (
                Reference(s.cite, s.authors, s.year, s.title, s.published, s.verified)
                for s in (kb.sources[i] for i in dict.fromkeys(sources) if i in kb.sources)
            ),
            key=lambda r: (r.cite.lower(), r.year),
        )
    )
    return Summary(
        header=header,
        referral=assessment.referral,
        referral_text=handout_text()["referral"][assessment.referral],
        red_flags=flags,
        no_red_flag_note=kb.settings.no_red_flag_note,
        red_flag_gaps=red_flag_gaps,
        precautions=tuple(kb.label(x) if x in kb.findings else x for x in assessment.precautions),
        origins=origins,
        pain_sites=pain_sites,
        pain_site_labels=tuple(_pain_site_label(kb, s) for s in pain_sites),
        muscle_zones=tuple(zones),
        side=case.patient.side,
        findings=found,
        muscles=muscles,
        therapies=therapies,
        withheld=withheld,
        gaps=tuple(gaps),
        notes=case.notes,
        safety_net=assessment.safety_net,
        letters=_letters(flags, case, kb, _relevant_positives(case, kb), red_flag_gaps),
        provisional_note=assessment.provisional_note,
        coexistence_note=assessment.coexistence_note,
        references=references,
        disclaimer=assessment.disclaimer,
        knowledge_version=assessment.knowledge_version,
        outcomes=outcome_lines(assessment, previous_outcomes),
        deciding=visit.deciding_sentence(assessment),
        gaps_held=gaps_held,
        **dict(zip(("key_positive", "key_negative", "not_tested"), _key_findings(found), strict=True)),
    )


def _pain_site_label(kb, site: str) -> str:
    text = kb.label(f"pain_sites.{site}")
    return text.split(":", 1)[1].strip() if ":" in text else text


def handout_choices(case: Case, assessment: Assessment, kb) -> tuple[HandoutChoice, ...]:
    """The exercises and self-care the assessment suggested, as the practitioner chooses among them: a
    withheld one cannot be chosen (with the reason); the default leaves out what the findings argue against."""
    from intake.facts import case_facts

    facts = None
    out = []
    for t in assessment.therapies:
        record = kb.therapies.get(t.id)
        if record is None or record.self_care is None:
            continue
        sc = record.self_care
        withheld = (t.withheld_reason or t.withheld) if t.withheld is not None else None
        against = None
        if withheld is None and sc.not_chosen_when:
            facts = facts if facts is not None else case_facts(case)
            against = next((r.reason for r in sc.not_chosen_when if kb.compiled[r.id](facts) is True), None)
        out.append(HandoutChoice(t.id, sc.title, t.label, sc.dose, withheld is None and against is None, withheld, against))
    return tuple(out)


def check_handout_choice(choices: tuple[HandoutChoice, ...], wanted: list[str], kb) -> None:
    """Refuse, by name, an id that is not an exercise, not suggested for this patient, or withheld."""
    by_id = {c.id: c for c in choices}
    for ident in wanted:
        choice = by_id.get(ident)
        if choice is None:
            known = kb.therapies.get(ident)
            if known is None or known.self_care is None:
                names = ", ".join(sorted(t for t, r in kb.therapies.items() if r.self_care)) or "none"
                raise HandoutChoiceError(f"{ident!r} is not an exercise or self-care item (known: {names})")
            offered = ", ".join(c.id for c in choices if c.withheld_reason is None) or "none"
            raise HandoutChoiceError(f"{ident!r} was not suggested for this patient (suggested: {offered})")
        if choice.withheld_reason:
            raise HandoutChoiceError(f"{ident!r} is withheld for this patient: {choice.withheld_reason}")


def build_handout(
    case: Case,
    assessment: Assessment,
    kb,
    branding: Branding,
    *,
    date: dt.date | str | None = None,
    practitioner: str | None = None,
    self_care: list[str] | None = None,
    registration: str | None = None,
    doses: dict[str, str] | None = None,
    personal_note: str | None = None,
    next_appointment: str | None = None,
    contact: str | None = None,
) -> Handout:
    """The patient handout's content: plain words, self-care the engine suggested and did not withhold.

    `self_care`: the ids the practitioner chose (default: the choice that follows the findings); `doses`
    replaces an item's dose; `personal_note`, `next_appointment` and `contact` are printed as typed.
    Whatever is not given comes from the choice kept with the case (``case.handout``), so a handout
    re-issued from a record is the one the patient was given. Everything else is in the patient's
    language (``patient.language``) where its catalogue has it (intake.i18n; English otherwise), and
    the handout then says whether a fluent clinician reviewed it.
    """
    from intake.i18n import translator

    plan = case.handout
    if plan is not None:
        self_care = plan.exercises if self_care is None else self_care
        doses = plan.doses if doses is None else doses
        personal_note = plan.personal_note if personal_note is None else personal_note
        next_appointment = plan.next_appointment if next_appointment is None else next_appointment
        contact = plan.contact if contact is None else contact
    t = translator(case.patient.language)
    code = t.language.code
    words = handout_text()
    header = _header(case, branding, t(words["document"]), date, practitioner, registration, language=code)
    referral = assessment.referral
    alert_title = None
    alert_body: tuple[str, ...] = ()
    action_sources: list[str] = []
    if red_flag_decides(referral):
        alert = words["alert"][referral]
        conditions = [t(kb.red_flag_conditions[f.id].plain_label) if f.id in kb.red_flag_conditions else f.label
                      for f in assessment.red_flags if f.urgency == referral]
        alert_title = t(alert["title"])
        alert_body = (t(alert["body"], conditions=name_conditions(conditions, t)), *(t(m) for m in alert.get("more", ())))
        # The deciding rule's own action where it has one (a leaking aneurysm: an ambulance, not A&E).
        rules = {r.id: r for r in kb.red_flag_rules}
        own = [r for f in assessment.red_flags if f.urgency == referral
               for r in (rules.get(i) for i in f.rules) if r is not None and r.urgency == referral and r.patient_action]
        if own and own[0].patient_action is not None:
            action, action_sources = own[0].patient_action, own[0].sources
            number = branding.emergency_number or t(words["emergency_number_default"])
            alert_title = t(action.title)
            alert_body = (t(action.body, number=number),
                          *(t(m) for m in (action.more or alert.get("more", ()))))
    likely = []
    for o in assessment.origins:
        if o.likelihood == "unlikely" or o.id not in kb.origins:
            continue
        likely.append((t(kb.origins[o.id].plain_label), t(kb.origins[o.id].plain_explanation)))
        if len(likely) == 2:
            break
    choices = handout_choices(case, assessment, kb)
    chosen = {c.id for c in choices if c.chosen} if self_care is None else set(self_care)
    items: list[SelfCareItem] = []
    if not red_flag_decides(referral):
        for c in choices:
            if c.withheld_reason is not None or c.id not in chosen:
                continue  # never print what the engine withheld, whatever was selected
            sc = kb.therapies[c.id].self_care
            typed = ((doses or {}).get(c.id) or "").strip()  # a dose the practitioner typed is printed as typed
            items.append(SelfCareItem(t(sc.title), tuple(t(step) for step in sc.how), typed or t(sc.dose), sc.drawing))
    if red_flag_decides(referral):
        note = t(words["self_care_after_check"])
    elif not items:
        note = t(words["no_self_care"])
    else:
        note = None
    b = branding
    emergency_call = (t(words["emergency_call"], number=b.emergency_number) if b.emergency_number
                      else t(words["emergency_call_default"]))
    today_call = t(words["today_call"], service=b.urgent_advice) if b.urgent_advice else t(words["today_call_default"])
    return Handout(
        header=header,
        referral=referral,
        alert_title=alert_title,
        alert_body=alert_body,
        likely=tuple(likely) if referral not in ("emergency",) else (),
        self_care=tuple(items),
        self_care_note=note,
        seek_today=tuple(t(x) for x in words["seek_today"]["items"]),
        seek_today_title=t(words["seek_today"]["title"]),
        emergency_now=tuple(t(x) for x in words["emergency_now"]["items"]),
        emergency_title=t(words["emergency_now"]["title"]),
        emergency_call=emergency_call,
        today_call=today_call,
        closing=t(words["closing"]),
        disclaimer=t(assessment.disclaimer),
        plain_disclaimer=t(words["plain_disclaimer"]),
        sources=tuple(kb.sources[s].citation for s in dict.fromkeys([*action_sources, *words["sources"]]) if s in kb.sources),
        personal_note=(personal_note or "").strip() or None,
        next_appointment=(next_appointment or "").strip() or None,
        contact=(contact or "").strip() or None,
        language=code,
        rtl=t.rtl,
        labels={key: t(text) for key, text in words["labels"].items()}
        | {f"drawing.{w}": t(w) for w in words["drawing_labels"]},
        translation_note=t.review_note(),
    )


def handout_messages(kb) -> list[tuple[str, str]]:
    """(message, where it comes from) for every text the handout can print in the patient's language:
    the catalogues' share of the handout (scripts/extract_patient_messages.py)."""
    words = handout_text()
    out = [(words["document"], "handout_text.yaml:document")]
    for urgency in ("emergency", "urgent"):
        alert = words["alert"][urgency]
        out += [(alert["title"], f"handout_text.yaml:alert.{urgency}"), (alert["body"], f"handout_text.yaml:alert.{urgency}")]
        out += [(m, f"handout_text.yaml:alert.{urgency}.more") for m in alert["more"]]
    out.append((" and ", "handout_text.yaml:alert (joins the last two conditions)"))
    out.append((", ", "handout_text.yaml:alert (separates the other conditions; Arabic uses its own comma)"))
    for key in ("self_care_after_check", "no_self_care", "emergency_call", "emergency_call_default", "today_call",
                "today_call_default", "closing", "plain_disclaimer"):
        out.append((words[key], f"handout_text.yaml:{key}"))
    for box in ("seek_today", "emergency_now"):
        out.append((words[box]["title"], f"handout_text.yaml:{box}"))
        out += [(x, f"handout_text.yaml:{box}.items") for x in words[box]["items"]]
    out += [(text, f"handout_text.yaml:labels.{key}") for key, text in words["labels"].items()]
    out += [(text, "handout_text.yaml:drawing_labels") for text in words["drawing_labels"]]
    out.append((kb.settings.disclaimer, "settings.yaml:disclaimer"))
    for condition_id, condition in kb.red_flag_conditions.items():
        out.append((condition.plain_label, f"red_flags.yaml:conditions.{condition_id}"))
    for rule in kb.red_flag_rules:  # a rule's own emergency action replaces the alert (a leaking aneurysm)
        if rule.patient_action is not None:
            action = rule.patient_action
            out += [(action.title, f"red_flags.yaml:{rule.id}.patient_action"), (action.body, f"red_flags.yaml:{rule.id}.patient_action")]
            out += [(m, f"red_flags.yaml:{rule.id}.patient_action.more") for m in action.more]
    out.append((words["emergency_number_default"], "handout_text.yaml:emergency_number_default (fills {number} in a rule's own action)"))
    for origin_id, origin in kb.origins.items():
        if origin.plain_label:
            out += [(origin.plain_label, f"origins.yaml:{origin_id}"), (origin.plain_explanation, f"origins.yaml:{origin_id}")]
    for therapy_id, therapy in kb.therapies.items():
        sc = therapy.self_care
        if sc is not None:
            out += [(sc.title, f"therapies.yaml:{therapy_id}"), (sc.dose, f"therapies.yaml:{therapy_id}.dose")]
            out += [(step, f"therapies.yaml:{therapy_id}.how") for step in sc.how]
    return out


def name_conditions(labels: list[str], t) -> str:
    """The conditions' plain labels as one phrase in the patient's language ("A, B and C"; Arabic "A، B وC"),
    for the handout's alert and the patient page's advice alike."""
    return _join(labels, t(" and "), t(", "))


def _join(items: list[str], conjunction: str = " and ", separator: str = ", ") -> str:
    items = list(dict.fromkeys(items))
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return separator.join(items[:-1]) + conjunction + items[-1]
