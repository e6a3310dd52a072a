"""Typed models of a case (format versions 1 and 2) and of the assessment (../shared/case-format.md).

The case models are the contract every part of the product speaks, so they are strict:
unknown keys, values outside their lists, out-of-range numbers and wrong types are refused.
Every field is optional except where the format says otherwise, because an omitted
answer means "not asked", never "negative". Version 2 only adds optional fields; a
version-1 case that uses one is refused with the field named (`V2_FIELDS`).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, model_validator

__all__ = [
    "ACTIVITIES",
    "ANSWER_REQUIRES",
    "MAX_INT",
    "MEASURES",
    "MEASURE_IDS",
    "MUSCLES",
    "NEURO_LEVELS",
    "ORIGINS",
    "RED_FLAG_CONDITIONS",
    "RED_FLAG_KEYS",
    "REGIONS",
    "TESTS",
    "V2_FIELDS",
    "Activity",
    "Assessment",
    "Case",
    "Exam",
    "Expected",
    "Gap",
    "HandoutPlan",
    "History",
    "Muscle",
    "MuscleFinding",
    "NextQuestion",
    "OriginFinding",
    "OriginId",
    "Outcome",
    "OutcomeScore",
    "Patient",
    "Reason",
    "RedFlagCondition",
    "RedFlagFinding",
    "RedFlags",
    "Referral",
    "Region",
    "TherapySuggestion",
    "Urgency",
    "WithheldClass",
    "Withholding",
    "version_2_fields_in",
]

Region = Literal[
    "low_back", "sacroiliac", "buttock", "groin", "anterior_thigh", "lateral_hip",
    "lateral_thigh", "posterior_thigh", "knee", "below_knee", "foot",
]
Activity = Literal[
    "walking", "stairs", "squatting", "sitting", "prolonged_standing", "rising_from_sitting",
    "lying_on_affected_side", "bending_forward", "lumbar_extension", "putting_on_shoes_socks",
    "crossing_legs", "coughing_sneezing", "running",
]
Muscle = Literal[
    "gluteus_medius", "gluteus_minimus", "gluteus_maximus", "piriformis", "quadratus_lumborum",
    "iliopsoas", "tensor_fasciae_latae", "lumbar_multifidus", "hamstrings", "adductors",
]
TestId = Literal[
    "faber", "fadir", "scour", "hip_ir_pain", "active_hip_flexion_lateral_pain",
    "active_hip_extension_pain", "log_roll", "trendelenburg", "single_leg_stance_30s",
    "resisted_external_derotation", "greater_trochanter_palpation", "thomas", "ober", "slr",
    "crossed_slr", "slump", "prone_knee_bend", "lumbar_movement_reproduces_pain",
    "centralisation", "sij_distraction", "sij_thigh_thrust", "sij_compression",
    "sij_sacral_thrust", "gaenslen", "fair", "seated_piriformis_stretch",
    # version 2
    "hop_test", "patellar_pubic_percussion", "aslr", "fortin_finger",
]
NeuroLevel = Literal["upper_lumbar", "l5", "s1", "multilevel", "unclear"]
MeasureId = Literal["nprs", "psfs", "lefs", "hoos12", "hoos_ps", "odi", "start_back", "ompq10"]
OriginId = Literal[
    "hip_joint", "lateral_hip", "lumbar_radicular", "lumbar_referred", "sacroiliac",
    "deep_gluteal", "myofascial",
]
RedFlagCondition = Literal[
    "cauda_equina", "malignancy", "infection", "fracture", "inflammatory", "vascular",
    "progressive_neurology",
]
Urgency = Literal["emergency", "urgent", "routine", "monitor"]
Referral = Literal["none", "routine", "urgent", "emergency"]
Likelihood = Literal["likely", "possible", "unlikely"]
TestResult = Literal["positive", "negative"]
WithheldClass = Literal["dry_needling", "manipulation", "manual_therapy", "self_care"]

REGIONS: tuple[str, ...] = get_args(Region)
ACTIVITIES: tuple[str, ...] = get_args(Activity)
MUSCLES: tuple[str, ...] = get_args(Muscle)
TESTS: tuple[str, ...] = get_args(TestId)
ORIGINS: tuple[str, ...] = get_args(OriginId)
RED_FLAG_CONDITIONS: tuple[str, ...] = get_args(RedFlagCondition)
NEURO_LEVELS: tuple[str, ...] = get_args(NeuroLevel)
MEASURES: tuple[str, ...] = get_args(MeasureId)

# Every field version 2 adds, as the dotted path a version-1 file may not use.
V2_FIELDS: tuple[str, ...] = (
    "visit_date", "outcomes", "patient.language",
    "history.minor_fall", "history.training_load_increase", "history.hip_replacement",
    "history.eased_sitting", "history.eased_bending_forward",
    "red_flags.systemically_unwell", "red_flags.low_energy_availability",
    "red_flags.pulsatile_abdominal_mass", "red_flags.vascular_claudication",
    "exam.neuro_deficit_level",
    "exam.tests.hop_test", "exam.tests.patellar_pubic_percussion", "exam.tests.aslr", "exam.tests.fortin_finger",
    "handout",
)
# Answers that exist only when another answer is yes (by fact key): the level of a deficit needs the deficit.
ANSWER_REQUIRES: dict[str, str] = {"neuro_deficit_level": "neuro_deficit"}

Flag = StrictBool | None
Score0to10 = Annotated[int, Field(strict=True, ge=0, le=10)]


#: The largest whole number a case may hold: what a FHIR integer (and every database) can hold.
MAX_INT = 2**31 - 1


def _fits_32_bits(value: int) -> int:
    """A whole number a FHIR integer (and every database) can hold; not a bound the form shows."""
    if value > MAX_INT:
        raise ValueError(f"is beyond the largest whole number a case may hold ({MAX_INT:,})")
    return value


NonNegativeInt = Annotated[int, Field(strict=True, ge=0), AfterValidator(_fits_32_bits)]
NonNegativeNumber = Annotated[float, Field(strict=True, ge=0, allow_inf_nan=False)]  # finite: FHIR has no infinity


_BCP47 = re.compile(
    r"^[A-Za-z]{2,3}(-[A-Za-z]{3}){0,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?"
    r"(-([A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*$"
)


def _bcp47(tag: str) -> str:
    """A well-formed BCP 47 language tag (language, optional script, region, variants)."""
    if not _BCP47.match(tag):
        raise ValueError(f"{tag!r} is not a BCP 47 language tag (for example en, es, pt-BR)")
    return tag


def _iso_date(value: Any) -> dt.date:
    """A calendar date written YYYY-MM-DD (YAML reads it as a date, JSON as text); nothing else."""
    if isinstance(value, dt.datetime) or not isinstance(value, (dt.date, str)):
        raise ValueError("expected a date written YYYY-MM-DD")
    if isinstance(value, str):
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError(f"{value!r} is not a date written YYYY-MM-DD")
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a real calendar date") from None
    return value


def _not_in_the_future(value: dt.date) -> dt.date:
    # A day's grace: a clinic east of UTC is already on tomorrow's date.
    if value > dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1):
        raise ValueError(f"{value.isoformat()} is in the future")
    return value


def _not_a_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(f"{str(value).lower()} is not a case format: use 1 or 2")
    return value


VisitDate = Annotated[dt.date, BeforeValidator(_iso_date), AfterValidator(_not_in_the_future)]
ItemNumber = Annotated[str, Field(strict=True, pattern=r"^[1-9][0-9]?$")]


def version_2_fields_in(data: Any) -> list[str]:
    """The version-2 fields (dotted paths) a case mapping uses, in the order of V2_FIELDS."""
    used = []
    for path in V2_FIELDS:
        node = data
        for part in path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is not None:
            used.append(path)
    return used


class _Strict(BaseModel):
    """Refuses unknown keys: a misspelt key would otherwise silently read as 'not asked'."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Patient(_Strict):
    age: Annotated[int, Field(strict=True, ge=0, le=120)]
    sex: Literal["female", "male", "other", "unspecified"] | None = None
    side: Literal["left", "right", "bilateral"] | None = None
    name: Annotated[str, Field(strict=True, max_length=200)] | None = None
    language: Annotated[str, Field(strict=True, max_length=35), AfterValidator(_bcp47)] | None = None


class History(_Strict):
    pain_sites: list[Region] | None = None
    onset: Literal["gradual", "sudden", "after_trauma"] | None = None
    duration_weeks: NonNegativeNumber | None = None
    pain_now: Score0to10 | None = None
    pain_worst: Score0to10 | None = None
    aggravated_by: list[Activity] | None = None
    limp: Flag = None
    paraesthesia: Flag = None
    back_pain: Flag = None
    morning_stiffness_minutes: NonNegativeInt | None = None
    clicking_or_locking: Flag = None
    night_pain: Flag = None
    relieved_by_rest: Flag = None
    # version 2
    minor_fall: Flag = None
    training_load_increase: Flag = None
    hip_replacement: Flag = None
    eased_sitting: Flag = None
    eased_bending_forward: Flag = None


class RedFlags(_Strict):
    saddle_anaesthesia: Flag = None
    bladder_dysfunction: Flag = None
    bowel_incontinence: Flag = None
    sexual_dysfunction: Flag = None
    bilateral_leg_symptoms: Flag = None
    progressive_weakness: Flag = None
    history_of_cancer: Flag = None
    unexplained_weight_loss: Flag = None
    constant_night_pain: Flag = None
    fever_or_unwell: Flag = None
    immunosuppression: Flag = None
    iv_drug_use: Flag = None
    recent_infection: Flag = None
    significant_trauma: Flag = None
    osteoporosis: Flag = None
    long_term_corticosteroids: Flag = None
    unable_to_weight_bear: Flag = None
    hot_swollen_joint: Flag = None
    calf_swelling_or_redness: Flag = None
    inflammatory_back_pain: Flag = None
    anticoagulant_use: Flag = None
    pregnant: Flag = None
    # version 2
    systemically_unwell: Flag = None
    low_energy_availability: Flag = None
    pulsatile_abdominal_mass: Flag = None
    vascular_claudication: Flag = None


RED_FLAG_KEYS: tuple[str, ...] = tuple(RedFlags.model_fields)


class Tests(_Strict):
    faber: TestResult | None = None
    fadir: TestResult | None = None
    scour: TestResult | None = None
    hip_ir_pain: TestResult | None = None
    active_hip_flexion_lateral_pain: TestResult | None = None
    active_hip_extension_pain: TestResult | None = None
    log_roll: TestResult | None = None
    trendelenburg: TestResult | None = None
    single_leg_stance_30s: TestResult | None = None
    resisted_external_derotation: TestResult | None = None
    greater_trochanter_palpation: TestResult | None = None
    thomas: TestResult | None = None
    ober: TestResult | None = None
    slr: TestResult | None = None
    crossed_slr: TestResult | None = None
    slump: TestResult | None = None
    prone_knee_bend: TestResult | None = None
    lumbar_movement_reproduces_pain: TestResult | None = None
    centralisation: TestResult | None = None
    sij_distraction: TestResult | None = None
    sij_thigh_thrust: TestResult | None = None
    sij_compression: TestResult | None = None
    sij_sacral_thrust: TestResult | None = None
    gaenslen: TestResult | None = None
    fair: TestResult | None = None
    seated_piriformis_stretch: TestResult | None = None
    # version 2
    hop_test: TestResult | None = None
    patellar_pubic_percussion: TestResult | None = None
    aslr: TestResult | None = None
    fortin_finger: TestResult | None = None


class Exam(_Strict):
    hip_internal_rotation_deg: Annotated[int, Field(strict=True, ge=0, le=90)] | None = None
    hip_flexion_deg: Annotated[int, Field(strict=True, ge=0, le=160)] | None = None
    neuro_deficit: Flag = None
    neuro_deficit_level: NeuroLevel | None = None
    tender_muscles: list[Muscle] | None = None
    tests: Tests = Field(default_factory=Tests)

    @model_validator(mode="after")
    def _level_needs_a_deficit(self) -> Exam:
        if self.neuro_deficit_level is not None and getattr(self, ANSWER_REQUIRES["neuro_deficit_level"]) is not True:
            raise ValueError("neuro_deficit_level: given only with neuro_deficit: true")
        return self


# ---------------------------------------------------------------- outcome measures (case format 2)

MEASURE_IDS: tuple[str, ...] = MEASURES


class Outcome(_Strict):
    """One completed measure as the patient answered it: item number -> published answer code.

    A missing item is omitted, never invented; each item's range is the instrument's own, read
    from intake/knowledge/measures.yaml, so a code out of range is refused with measure and item.
    """

    measure: MeasureId
    date: dt.date | None = None
    activities: list[Annotated[str, Field(strict=True, min_length=1, max_length=200)]] | None = None
    answers: dict[str, Annotated[int, Field(strict=True)]] = Field(default_factory=dict)
    reported_by: Literal["patient", "clinician"] | None = None

    @model_validator(mode="after")
    def _codes_in_range(self) -> Outcome:
        from intake.measures import MeasureError, check_answers  # the measures read no models

        try:
            check_answers(self.measure, self.answers, self.activities)
        except MeasureError as exc:
            raise ValueError(str(exc)) from None
        return self


ItemId = Annotated[str, Field(strict=True, pattern=r"^[a-z][a-z0-9_]{0,63}$")]


class HandoutPlan(_Strict):
    """What the practitioner chose to print on the patient's handout, kept with the case so a
    re-issued handout is the one the patient was given. Not an answer: the engine never reads it.

    Each part is optional: an omitted part is the default (the self-care that follows the findings,
    each item's own dose, no personal line, no appointment, no contact line).
    """

    exercises: list[ItemId] | None = None  # the self-care items ticked (an empty list: none)
    doses: dict[ItemId, Annotated[str, Field(strict=True, min_length=1, max_length=200)]] | None = None
    personal_note: Annotated[str, Field(strict=True, min_length=1, max_length=500)] | None = None
    next_appointment: Annotated[str, Field(strict=True, min_length=1, max_length=120)] | None = None
    contact: Annotated[str, Field(strict=True, min_length=1, max_length=200)] | None = None


class Case(_Strict):
    case_format: Annotated[Literal[1, 2], BeforeValidator(_not_a_bool)]
    id: Annotated[str, Field(strict=True, pattern=r"^[A-Za-z0-9_-]{1,64}$")] | None = None
    title: Annotated[str, Field(strict=True, max_length=200)] | None = None
    patient: Patient
    history: History = Field(default_factory=History)
    red_flags: RedFlags = Field(default_factory=RedFlags)
    exam: Exam = Field(default_factory=Exam)
    notes: Annotated[str, Field(strict=True, max_length=10_000)] | None = None
    # version 2
    visit_date: VisitDate | None = None
    outcomes: list[Outcome] | None = None
    handout: Annotated[HandoutPlan | None, Field(json_schema_extra={"answers": False})] = None

    @model_validator(mode="after")
    def _version_1_uses_no_version_2_field(self) -> Case:
        if self.case_format == 1:
            used = version_2_fields_in(self.model_dump(exclude_none=True))
            if used:
                raise ValueError(f"{used[0]} needs case_format: 2")
        return self

    def to_data(self) -> dict:
        """The case as the format writes it: omitted answers stay omitted."""
        return self.model_dump(mode="json", exclude_none=True, exclude_defaults=False)


class Expected(_Strict):
    """A vignette's answer (the `expected` block), kept apart from the case itself."""

    origin: OriginId | None
    acceptable: list[OriginId] = Field(default_factory=list)
    red_flags: list[RedFlagCondition] = Field(default_factory=list)
    referral: Referral = "none"
    muscles: list[Muscle] = Field(default_factory=list)
    withheld: list[WithheldClass] = Field(default_factory=list)
    basis: str = ""


# ---------------------------------------------------------------- the assessment


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Reason(_Out):
    """One step of the reasoning: which findings moved a conclusion, which way, how much, per whom."""

    rule: str
    findings: list[str]
    summary: str
    direction: Literal["for", "against"]
    effect: float = Field(description="Multiplier applied to the odds (likelihood ratio or rule weight).")
    evidence: Literal["likelihood_ratio", "prediction_rule", "clinical_rule"]
    counted: bool = True
    covered_by: str | None = None
    sources: list[str]
    citations: list[str]


class OriginFinding(_Out):
    id: OriginId
    label: str
    likelihood: Likelihood
    probability: float
    because: list[Reason]


class RedFlagFinding(_Out):
    id: RedFlagCondition
    label: str
    urgency: Urgency
    findings: list[str]
    note: str
    refer_to: str
    rules: list[str]
    sources: list[str]
    citations: list[str]


class MuscleFinding(_Out):
    id: Muscle
    label: str
    referral_zones: list[Region]
    because: list[Reason]


class TherapySuggestion(_Out):
    id: str
    label: str
    kind: Literal["manual_therapy", "exercise", "self_care", "adjunct"]
    classes: list[WithheldClass]
    for_: list[str] = Field(alias="for", serialization_alias="for")
    withheld: str | None
    withheld_reason: str | None = None
    caution: str | None = None
    evidence_note: str
    sources: list[str]
    citations: list[str]

    model_config = ConfigDict(extra="forbid", populate_by_name=True, serialize_by_alias=True)


class Withholding(_Out):
    id: WithheldClass
    because: list[str]
    reason: str
    rule: str
    sources: list[str]
    citations: list[str]


class Gap(_Out):
    key: str
    label: str
    kind: Literal["red_flag", "precaution", "test", "history", "exam"]
    why: str


class OutcomeScore(_Out):
    """One measure scored (case-format.md, the assessment's `outcomes`), with why it is unscored."""

    measure: str
    date: str | None
    scores: dict[str, float | int | str]
    valid: bool
    interpretation: str
    not_scored: dict[str, str]
    answered: int
    items: int
    attribution: str
    sources: list[str]
    citations: list[str]
    plan: dict[str, str | list[str]] | None = None
    reported_by: str | None = None


class NextQuestion(_Out):
    """An unasked finding, with how much its answer is expected to change the differential."""

    key: str = Field(description="The case key, as `unanswered` names it (a list value is `list.value`).")
    label: str
    kind: Literal["red_flag", "history", "exam", "test"]
    p_positive: float | None = Field(description="Predicted probability of a yes / positive answer; null when no origin reads it.")
    expected_information: float = Field(description="Expected fall in the summed binary entropy of the origins, in bits.")
    phrase: str = Field(description="The figure in words, e.g. 'likely to settle hip joint vs lumbar radicular pain'.")
    settles: list[str] = Field(default_factory=list, description="The origins the two answers would separate most.")
    positive: bool | int | float | str = Field(default=True, description="The answer taken as positive (True, a number or a value).")
    negative: bool | int | float | str = Field(default=False, description="The answer taken as negative.")


class Assessment(_Out):
    origins: list[OriginFinding]
    red_flags: list[RedFlagFinding]
    referral: Referral
    muscles: list[MuscleFinding]
    therapies: list[TherapySuggestion]
    unanswered: list[str]
    withheld: list[Withholding]
    gaps: list[Gap]
    precautions: list[str]
    coexistence_note: str | None = None
    differential_provisional: bool = False
    provisional_note: str | None = None
    red_flag_note: str
    safety_net: str
    disclaimer: str
    knowledge_version: str
    outcomes: list[OutcomeScore] = Field(default_factory=list)
    next_questions: list[NextQuestion] = Field(default_factory=list)
