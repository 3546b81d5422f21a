"""How long the store keeps what it synced (R7): by default the current and previous
academic year; a school may set a number of academic years or of days instead."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import Field, model_validator

from config.settings import Strict
from config.zones import TimeZoneName


class RetentionSettings(Strict):
    """``academic_years`` (default 2: this one and the last) or ``days``, not both.

    The UK academic year starts on ``year_start_month``/``year_start_day`` (1 September);
    the cut-off is midnight at the start of the oldest kept year, in ``time_zone``.
    """

    academic_years: int | None = Field(default=None, ge=1, le=20)
    days: int | None = Field(default=None, ge=1, le=7300)
    year_start_month: int = Field(default=9, ge=1, le=12)
    year_start_day: int = Field(default=1, ge=1, le=28)
    time_zone: TimeZoneName = "Europe/London"
    # Rows deleted per transaction: small enough that a sync never waits long for a lock.
    batch_size: int = Field(default=5000, ge=1, le=100_000)

    @model_validator(mode="after")
    def _one_period(self) -> RetentionSettings:
        if self.academic_years is not None and self.days is not None:
            raise ValueError("give 'academic_years' or 'days', not both")
        return self

    def cutoff(self, now: datetime) -> datetime:
        """Rows older than this (UTC) are purged."""
        if self.days is not None:
            return (now - timedelta(days=self.days)).astimezone(UTC)
        zone = ZoneInfo(self.time_zone)
        local = now.astimezone(zone).date()
        start = date(local.year, self.year_start_month, self.year_start_day)
        if local < start:
            start = start.replace(year=start.year - 1)
        years = self.academic_years or 2
        oldest = start.replace(year=start.year - (years - 1))
        return datetime.combine(oldest, time(0), tzinfo=zone).astimezone(UTC)
