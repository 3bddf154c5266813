"""Target indicators (целевые показатели) of a roadmap and their yearly plan and actual values."""

import enum
from datetime import datetime

from sqlalchemy import Enum, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db import UTCDateTime, utcnow
from tracker.extensions import db


class IndicatorDirection(enum.StrEnum):
    """Which way the indicator gets better."""

    up = "up"
    down = "down"


class ValueKind(enum.StrEnum):
    """Whether a yearly value is the plan or what was reached."""

    target = "target"
    actual = "actual"


class ValueSource(enum.StrEnum):
    """Where a yearly value came from."""

    manual = "manual"
    computed = "computed"


class Indicator(db.Model):
    """A target indicator of a roadmap: what is measured, how, and where it started."""

    __tablename__ = "indicators"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Roadmap whose programme sets the indicator.
    roadmap_id: Mapped[int] = mapped_column(ForeignKey("roadmaps.id", ondelete="CASCADE"), index=True)
    # Order in the programme's list.
    position: Mapped[int] = mapped_column(default=0)
    # Name as in the programme («Доля выпускников, не получивших аттестат»).
    name: Mapped[str] = mapped_column(Text)
    # Unit of measure («%», «ед.»).
    unit: Mapped[str] = mapped_column(String(40), default="")
    # How it is calculated, in words.
    method: Mapped[str] = mapped_column(Text, default="")
    # Whether a larger or a smaller value is better.
    direction: Mapped[IndicatorDirection] = mapped_column(
        Enum(IndicatorDirection, native_enum=False, length=10), default=IndicatorDirection.up
    )
    # Baseline value, if known.
    baseline_value: Mapped[float | None] = mapped_column(Float)
    # Year of the baseline value.
    baseline_year: Mapped[int | None] = mapped_column()
    # Code of the standard indicator whose actual values are computed from assessment data, if any.
    standard_code: Mapped[str | None] = mapped_column(String(40))
    # Creation moment.
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Last change of the indicator or its values.
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    values: Mapped[list["IndicatorValue"]] = relationship(
        back_populates="indicator", cascade="all, delete-orphan", passive_deletes=True
    )


class IndicatorValue(db.Model):
    """The plan or the actual value of an indicator for one year."""

    __tablename__ = "indicator_values"
    __table_args__ = (UniqueConstraint("indicator_id", "year", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indicator measured.
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"), index=True)
    # Calendar year the value belongs to.
    year: Mapped[int] = mapped_column()
    # Plan or actual.
    kind: Mapped[ValueKind] = mapped_column(Enum(ValueKind, native_enum=False, length=10))
    # The value in the indicator's unit.
    value: Mapped[float] = mapped_column(Float)
    # Entered by hand or computed from assessment data.
    source: Mapped[ValueSource] = mapped_column(
        Enum(ValueSource, native_enum=False, length=10), default=ValueSource.manual
    )
    # Who entered or last recomputed it; None for the system.
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # When it was entered or last recomputed.
    entered_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    indicator: Mapped[Indicator] = relationship(back_populates="values")
    entered_by = relationship("User")
