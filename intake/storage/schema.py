"""Every table, in one metadata so Alembic can compare it with the migrations.

Clinical content is stored as JSON (the case and the assessment exactly as the format defines
them; a filed record's packed small, see ``packing``); the few columns the records page filters on
are copied out beside it when a record is filed, so a filtered list never parses JSON.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Named constraints, so migrations can alter them on SQLite and PostgreSQL alike.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


#: Indexes a migration makes only where the database allows (the trigram index for name search
#: needs PostgreSQL's pg_trgm): not in the models, and left out when Alembic compares them.
OPTIONAL_INDEXES = frozenset({"ix_records_patient_key_trgm"})


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's filter when comparing the database with the models (see OPTIONAL_INDEXES)."""
    return not (type_ == "index" and name in OPTIONAL_INDEXES)


class UTCDateTime(TypeDecorator):
    """A moment in time, written in UTC and read back with its zone, on every database.

    SQLite keeps no zone: without this, a local time would be stored as written and read back as
    if it were UTC (hours off), and every read would hand back a naive datetime.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class ClinicRow(Base):
    __tablename__ = "clinics"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime)
    retention_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: FHIR referrals name the patient (a Patient resource) instead of the pseudonym only; audited, off by default.
    identified_referrals: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class PractitionerRow(Base):
    __tablename__ = "practitioners"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    clinic_id: Mapped[str] = mapped_column(ForeignKey("clinics.id"), index=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), unique=True, nullable=True)
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    role: Mapped[str] = mapped_column(String(20), default="practitioner")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime)
    last_sign_in: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: Professional registration printed under the practitioner's name on every document they sign.
    registration: Mapped[str | None] = mapped_column(String(100), nullable=True)


class ClinicSettingsRow(Base):
    """What a clinic's administrator set for its documents (address, phone, colours, time zone, logo):
    over clinic.toml, which stays the default for the command line and a fresh install."""

    __tablename__ = "clinic_settings"

    clinic_id: Mapped[str] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"), primary_key=True)
    #: The settings as JSON (reports.branding.SETTING_FIELDS only).
    data: Mapped[str] = mapped_column(Text, default="{}")
    #: The logo image as base64 text (PNG or JPEG, at most 2 MB), or NULL for the default.
    logo: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated: Mapped[datetime] = mapped_column(UTCDateTime)


class DraftRow(Base):
    __tablename__ = "drafts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime)
    updated: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    step: Mapped[str] = mapped_column(String(40), default="")
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    answers: Mapped[str] = mapped_column(Text, default="{}")
    notes: Mapped[str] = mapped_column(Text, default="")
    clinic_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    practitioner_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: A follow-up names the record it follows; an amendment names the record it replaces.
    follows_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    amends_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    pseudonym: Mapped[str | None] = mapped_column(String(32), nullable=True)
    #: Counts the writes: a save names the revision it started from, so two windows never
    #: overwrite each other unseen (0009_i11).
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    updated_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: Which browser session wrote last (a random id, never patient data): a session never conflicts
    #: with its own earlier write (0009_i11).
    writer: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: An amendment names the version of the record it started from (0009_i11).
    amends_version: Mapped[int | None] = mapped_column(Integer, nullable=True)


class ThrottleRow(Base):
    """Failed sign-ins per account or client address: the pause they impose and any lock (0009_i11)."""

    __tablename__ = "sign_in_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AttemptRow(Base):
    """One student's go at one case: started when the case opens, scored when they commit."""

    __tablename__ = "attempts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    student: Mapped[str] = mapped_column(String(200))
    student_key: Mapped[str] = mapped_column(String(200), index=True)
    case_id: Mapped[str] = mapped_column(String(100), index=True)
    case_title: Mapped[str] = mapped_column(String(200), default="")
    answers: Mapped[str] = mapped_column(Text, default="{}")
    expected: Mapped[str] = mapped_column(Text, default="{}")
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    marks: Mapped[str] = mapped_column(Text, default="{}")
    feedback: Mapped[str] = mapped_column(Text, default="{}")
    seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    unsafe: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    committed: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    clinic_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)


class VignetteRow(Base):
    """A vignette an instructor uploaded: the whole file's data (case + `expected`) as JSON."""

    __tablename__ = "vignettes"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    difficulty: Mapped[str] = mapped_column(String(40), default="")
    data: Mapped[str] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    clinic_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)


class RecordRow(Base):
    """A filed assessment's summary: the columns the list shows and filters on. Its content (the
    case and assessment as filed) is its current version's row in ``record_versions``.

    `origins`, `red_flags` and `muscles` are ``|``-delimited tokens (``|hip_joint|lumbar_referred|``,
    red flags as ``|cauda_equina:emergency|``). Every list is newest first through an index that ends
    in (assessed_at, id), so a page is read in order and the count stops early (see ``records``).
    """

    __tablename__ = "records"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    clinic_id: Mapped[str] = mapped_column(ForeignKey("clinics.id"))
    practitioner_id: Mapped[str] = mapped_column(ForeignKey("practitioners.id"), index=True)
    pseudonym: Mapped[str] = mapped_column(String(32))
    patient_name: Mapped[str] = mapped_column(String(200), default="")
    patient_key: Mapped[str] = mapped_column(String(200), default="")
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    follows_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    origins: Mapped[str] = mapped_column(String(400), default="|")
    red_flags: Mapped[str] = mapped_column(String(1000), default="|")
    referral: Mapped[str] = mapped_column(String(20), default="none")
    muscles: Mapped[str] = mapped_column(String(400), default="|")
    knowledge_version: Mapped[str] = mapped_column(String(40), default="")
    #: Each valid outcome score as ``measure.score=value`` tokens (intake.outcome_tracking), for exports.
    outcome_scores: Mapped[str] = mapped_column(String(1000), default="")

    __table_args__ = (
        # origins and red_flags ride along, so a date, origin or red-flag filter is counted from the index alone
        Index("ix_records_clinic_assessed_id", "clinic_id", "assessed_at", "id", "origins", "red_flags"),
        Index("ix_records_clinic_pseudonym_assessed", "clinic_id", "pseudonym", "assessed_at"),
        Index("ix_records_clinic_practitioner_assessed", "clinic_id", "practitioner_id", "assessed_at", "id"),
        Index("ix_records_clinic_referral_assessed", "clinic_id", "referral", "assessed_at", "id"),
        # only records with a red flag: the "any red flag" and one-condition filters read these alone
        Index("ix_records_clinic_flagged_assessed", "clinic_id", "assessed_at", "id", "origins", "red_flags",
              sqlite_where=text("red_flags <> '|'"), postgresql_where=text("red_flags <> '|'")),
    )


class RecordTermRow(Base):
    """Every ending of every word of a record's normalised patient name (``hopper``, ``opper``, …):
    on SQLite, a part of a name typed in the search is a prefix of one of these, found through the
    primary key instead of reading every record. (PostgreSQL uses a trigram index on
    ``records.patient_key`` instead, and leaves this table empty.) Derived from ``records.patient_key``:
    never backed up, rebuilt on restore. Stored as its primary key alone (no rowid, no index by record,
    no foreign key): a record's terms are removed by their key, which ``records`` knows."""

    __tablename__ = "record_terms"

    term: Mapped[str] = mapped_column(String(200), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(64), primary_key=True)

    __table_args__ = ({"sqlite_with_rowid": False},)


class RecordVersionRow(Base):
    """Every version a record has had (the first filing and each amendment), append-only; `content`
    is the case and the assessment as filed, packed (``packing.pack({"case": …, "assessment": …})``)."""

    __tablename__ = "record_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_id: Mapped[str] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)
    practitioner_id: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (Index("ix_record_versions_record_version", "record_id", "version", unique=True),)


class AuditRow(Base):
    """Who did what to which record, when. Never holds a patient's name or answers; never purged
    with the records it names (the trail must outlive them)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    clinic_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    practitioner_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    username: Mapped[str] = mapped_column(String(100), default="")
    action: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    detail: Mapped[str] = mapped_column(Text, default="")


class PatientLinkRow(Base):
    """A link a patient uses to answer their own questions before the visit (intake.storage.patient_links).

    Only a hash of the link's secret is kept: the secret itself is shown once, to the practitioner.
    The link reaches one draft of one clinic, expires, can be revoked and is used up when sent.
    """

    __tablename__ = "patient_links"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    clinic_id: Mapped[str] = mapped_column(String(64), index=True)
    draft_id: Mapped[str] = mapped_column(String(64), index=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    expires: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    language: Mapped[str] = mapped_column(String(16), default="en")
    measures: Mapped[str] = mapped_column(Text, default="[]")
    opens: Mapped[int] = mapped_column(Integer, default=0)


class PatientFormSettingsRow(Base):
    """What a clinic's administrator chose for the patient's pre-visit form (intake.storage.patient_form_settings):
    how long a new link lasts and which outcome measures the form asks."""

    __tablename__ = "patient_form_settings"

    clinic_id: Mapped[str] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"), primary_key=True)
    link_days: Mapped[int] = mapped_column(Integer, default=7)
    #: The measure ids as a JSON list, in the order the form asks them.
    measures: Mapped[str] = mapped_column(Text, default="[]")
    updated: Mapped[datetime] = mapped_column(UTCDateTime)


class LinkFailureRow(Base):
    """One failed patient-link lookup (an unknown secret), kept for the throttle's window only: every app
    instance on the database counts the same failures (intake.storage.link_throttle). No secret, no address."""

    __tablename__ = "link_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
