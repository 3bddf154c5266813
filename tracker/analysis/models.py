"""School data (results, social passports, risk profiles), classification runs and targeted activities."""

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.analysis.classify import GROUPS, LOW_CONTEXT, RESILIENT, RISK, SHNOR, SHNSU
from tracker.db import UTCDateTime, utcnow
from tracker.extensions import db
from tracker.orgs.models import Organization


class DataKind(enum.StrEnum):
    """Which of the three input files a row or an import comes from."""

    results = "results"
    social = "social"
    risk = "risk"


class ImportStatus(enum.StrEnum):
    """Life of an uploaded file: checked and waiting for confirmation, applied, or thrown away."""

    pending = "pending"
    applied = "applied"
    discarded = "discarded"


class DataImport(db.Model):
    """One uploaded data file; its rows replace the same years of the same kind within the scope."""

    __tablename__ = "analysis_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Municipality or region whose data the file replaces (the uploader's scope).
    scope_organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    # Results, social passport or risk profile.
    kind: Mapped[DataKind] = mapped_column(Enum(DataKind, native_enum=False, length=20))
    # File name as uploaded.
    filename: Mapped[str] = mapped_column(String(255))
    # Name of the stored copy under UPLOAD_DIR/analysis; kept after applying as the record of what was loaded.
    stored_name: Mapped[str] = mapped_column(String(100))
    # Waiting for confirmation, applied or discarded.
    status: Mapped[ImportStatus] = mapped_column(
        Enum(ImportStatus, native_enum=False, length=20), default=ImportStatus.pending
    )
    # Number of data rows in the file.
    rows: Mapped[int] = mapped_column(default=0)
    # Years found in the file, ascending.
    years: Mapped[list[int]] = mapped_column(JSON, default=list)
    # What applying changed: {"added": n, "changed": n, "removed": n, "created_schools": n, ...}.
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Who uploaded it.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Upload moment.
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Moment it was applied, if it was.
    applied_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    scope: Mapped[Organization] = relationship(lazy="joined")
    created_by = relationship("User", lazy="joined")


class AssessmentResult(db.Model):
    """A school's figures on one assessment procedure in one year (counts, not percentages)."""

    __tablename__ = "assessment_results"
    __table_args__ = (UniqueConstraint("organization_id", "year", "procedure"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # School.
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    # Calendar year the school year ends in.
    year: Mapped[int] = mapped_column()
    # Catalogue code (VPR-MA-5 …) or OTHER:<normalised name> for procedures outside the catalogue.
    procedure: Mapped[str] = mapped_column(String(200))
    # Procedure name as written in the file.
    procedure_name: Mapped[str] = mapped_column(String(300))
    # Number of participants.
    participants: Mapped[int] = mapped_column()
    # Got «2» / did not pass the threshold.
    low: Mapped[int] = mapped_column()
    # Got «3», if given.
    grade3: Mapped[int | None] = mapped_column()
    # Got «4», if given.
    grade4: Mapped[int | None] = mapped_column()
    # Got «5», if given.
    grade5: Mapped[int | None] = mapped_column()
    # Mean score, if given.
    mean: Mapped[float | None] = mapped_column(Float)
    # Import that brought the row.
    import_id: Mapped[int | None] = mapped_column(ForeignKey("analysis_imports.id", ondelete="SET NULL"))


class SocialPassport(db.Model):
    """A school's social passport for one year (counts of students)."""

    __tablename__ = "social_passports"
    __table_args__ = (UniqueConstraint("organization_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # School.
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    # Calendar year the school year ends in.
    year: Mapped[int] = mapped_column()
    # All students.
    total: Mapped[int] = mapped_column()
    # Students whose both parents have higher education.
    both_parents_higher: Mapped[int] = mapped_column()
    # Students from single-parent families.
    single_parent: Mapped[int] = mapped_column()
    # Students on registers (состоят на учёте).
    registered: Mapped[int] = mapped_column()
    # Students from low-income families, if given.
    low_income: Mapped[int | None] = mapped_column()
    # Students with disabilities (ОВЗ), if given.
    disabilities: Mapped[int | None] = mapped_column()
    # Students whose native language is not Russian, if given.
    non_native: Mapped[int | None] = mapped_column()
    # Import that brought the row.
    import_id: Mapped[int | None] = mapped_column(ForeignKey("analysis_imports.id", ondelete="SET NULL"))


class RiskFactor(db.Model):
    """The level of one factor of a school's risk profile in one year."""

    __tablename__ = "risk_factors"
    __table_args__ = (UniqueConstraint("organization_id", "year", "factor"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # School.
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    # Calendar year the school year ends in.
    year: Mapped[int] = mapped_column()
    # Factor as written in the file.
    factor: Mapped[str] = mapped_column(String(300))
    # «низкий», «средний» or «высокий».
    level: Mapped[str] = mapped_column(String(20))
    # Import that brought the row.
    import_id: Mapped[int | None] = mapped_column(ForeignKey("analysis_imports.id", ondelete="SET NULL"))


# The membership column of RunSchool for each group code.
GROUP_COLUMNS = {
    SHNOR: "is_shnor",
    SHNSU: "is_shnsu",
    RISK: "is_risk",
    LOW_CONTEXT: "is_low_context",
    RESILIENT: "is_resilient",
}


class ClassificationRun(db.Model):
    """One classification of the schools of a municipality or region, stored so it can be reproduced."""

    __tablename__ = "classification_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Municipality or region whose schools were classified.
    scope_organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    # Classification year Y.
    year: Mapped[int] = mapped_column()
    # Optional note of the coordinator («для приказа № 12»).
    title: Mapped[str] = mapped_column(String(300), default="")
    # Settings.to_dict() of the run.
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    # inputs_fingerprint of the rows the run read.
    fingerprint: Mapped[str] = mapped_column(String(64))
    # Number of schools classified.
    schools_count: Mapped[int] = mapped_column(default=0)
    # Number of schools in each group, {"SHNOR": 3, …}.
    group_counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    # Run-level notes of the classifier (missing data, regression skipped).
    notes: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The context regression {"intercept", "slope", "schools", "residual_std"}, if fitted.
    regression: Mapped[dict[str, float] | None] = mapped_column(JSON)
    # ИСБШ threshold of ШНСУ (the percentile), if computable.
    isbsh_threshold: Mapped[float | None] = mapped_column(Float)
    # Who ran it.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # When.
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    scope: Mapped[Organization] = relationship(lazy="joined")
    created_by = relationship("User", lazy="joined")


class RunSchool(db.Model):
    """One school's outcome in a run: groups, indices and reasons."""

    __tablename__ = "run_schools"
    __table_args__ = (UniqueConstraint("run_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Run.
    run_id: Mapped[int] = mapped_column(ForeignKey("classification_runs.id", ondelete="CASCADE"))
    # School.
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    # Municipality the school belonged to at run time, for the filter of region runs.
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    # School code at run time.
    code: Mapped[str] = mapped_column(String(40))
    # School name at run time.
    name: Mapped[str] = mapped_column(String(400))
    # Folded code and name for the text filter.
    search_text: Mapped[str] = mapped_column(Text, default="")
    # Member of ШНОР.
    is_shnor: Mapped[bool] = mapped_column(default=False)
    # Member of ШНСУ.
    is_shnsu: Mapped[bool] = mapped_column(default=False)
    # In the risk zone.
    is_risk: Mapped[bool] = mapped_column(default=False)
    # Low results given its context.
    is_low_context: Mapped[bool] = mapped_column(default=False)
    # Resilient school (mentor candidate).
    is_resilient: Mapped[bool] = mapped_column(default=False)
    # ИСБШ.
    isbsh: Mapped[float | None] = mapped_column(Float)
    # Year of the social passport ИСБШ came from.
    isbsh_year: Mapped[int | None] = mapped_column()
    # Results index R.
    results_index: Mapped[float | None] = mapped_column(Float)
    # Standardised residual of the context regression.
    residual: Mapped[float | None] = mapped_column(Float)
    # Confidence label of ШНОР («надёжно», «мало данных»).
    confidence: Mapped[str | None] = mapped_column(String(20))
    # Reasons per group code, {"SHNOR": ["…"], …}.
    reasons: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)

    @property
    def groups(self) -> list[str]:
        """Return the group codes the school is in, in GROUPS order."""
        return [group for group in GROUPS if getattr(self, GROUP_COLUMNS[group])]

    @property
    def reason_list(self) -> list[str]:
        """Return every reason, group by group."""
        return [reason for group in self.groups for reason in (self.reasons or {}).get(group, ())]


class ActivityTarget(db.Model):
    """A school an activity is aimed at, or a group of a run whose members it is aimed at («ШНОР 2025»)."""

    __tablename__ = "activity_targets"
    __table_args__ = (Index("ix_activity_targets_run_group", "run_id", "group_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Activity aimed.
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), index=True)
    # A school named directly; None for a group target.
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    # Run whose group is aimed at; None for a school target. Runs with targets are not deleted.
    run_id: Mapped[int | None] = mapped_column(ForeignKey("classification_runs.id"))
    # Group code of the run (SHNOR, SHNSU …); None for a school target.
    group_code: Mapped[str | None] = mapped_column(String(20))
    # Who set it.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # When.
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization | None] = relationship(lazy="joined")
    run: Mapped[ClassificationRun | None] = relationship(lazy="joined")
