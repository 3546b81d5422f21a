"""Settings of the long-running service (``classpulse serve``): its HTTP port and schedule.

Everything defaults, so an existing configuration keeps loading. Times are on the wall
clock of ``schedule.time_zone`` (default: the first school's time zone).
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from config.messages import Weekday
from config.settings import Strict
from config.zones import TimeZoneName


class ServerSettings(Strict):
    """The health and metrics endpoint (``CLASSPULSE__SERVER__PORT`` overrides the port)."""

    host: str = "0.0.0.0"  # noqa: S104 - a container's orchestrator probes from outside
    port: int = Field(default=8080, ge=0, le=65535)  # 0: any free port
    # /readyz fails when the last successful sync is older than this.
    ready_max_sync_age_minutes: int = Field(default=120, ge=1)
    # A replica that is not the leader tries the leader lock this often.
    leader_poll_seconds: float = Field(default=5.0, gt=0, le=60)


class ScheduleSettings(Strict):
    """When the service's jobs run; the defaults follow a UK school day."""

    time_zone: TimeZoneName | None = None
    school_days: list[Weekday] = Field(
        default_factory=lambda: [Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI]
    )
    day_start: dt.time = dt.time(7, 0)
    day_end: dt.time = dt.time(18, 0)
    sync_minutes_in_day: int = Field(default=15, ge=1, le=60)
    sync_minutes_outside_day: int = Field(default=60, ge=1, le=240)
    full_sync_at: dt.time = dt.time(2, 0)
    # Checks before each send window: the morning one, and after each school's R1 cut-off
    # (cut-off + ``check_after_cutoff_minutes``), added per distinct cut-off.
    check_at: list[dt.time] = Field(default_factory=lambda: [dt.time(7, 15)])
    check_after_cutoff_minutes: int = Field(default=5, ge=0, le=120)
    nudge_at: dt.time = dt.time(7, 30)
    # The outbox is drained this often (nudges wait in it for each teacher's window).
    deliver_minutes: int = Field(default=15, ge=1, le=240)
    digest_day: Weekday = Weekday.FRI
    digest_at: dt.time = dt.time(15, 0)
    purge_at: dt.time = dt.time(3, 0)
    # A job that missed its time by more than this (process down) is skipped, not run late.
    misfire_grace_seconds: int = Field(default=600, ge=1)

