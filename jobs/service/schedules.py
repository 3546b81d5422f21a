"""The service's timetable: which job runs when, from ``settings.schedule``.

Real schedules are cron triggers on the schedule's wall clock; ``tick_seconds`` swaps
them for short intervals (demos, tests), keeping the order sync → check → nudge.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from config.settings import Settings
from jobs.service import tasks


@dataclass(frozen=True, slots=True)
class Planned:
    id: str
    func: Callable[[], None]
    trigger: BaseTrigger
    first_run: datetime | None = None  # None: the trigger's own next fire time


def zone_of(settings: Settings) -> ZoneInfo:
    return ZoneInfo(settings.schedule.time_zone or settings.schools[0].time_zone)


def _at(t: time, days: str, zone: ZoneInfo) -> CronTrigger:
    return CronTrigger(day_of_week=days, hour=t.hour, minute=t.minute, timezone=zone)


def _check_times(settings: Settings) -> list[time]:
    """The configured check times plus each school's R1 cut-off + a few minutes."""
    after = timedelta(minutes=settings.schedule.check_after_cutoff_minutes)
    times = set(settings.schedule.check_at)
    for school in settings.schools:
        cut = datetime.combine(datetime(2000, 1, 3).date(), school.r1.cutoff) + after
        times.add(cut.time())
    return sorted(times)


def plan(settings: Settings) -> list[Planned]:
    """The real timetable: school-day cadence, nightly full sync and purge, weekly digest."""
    s = settings.schedule
    zone = zone_of(settings)
    days = ",".join(d.value for d in s.school_days)
    other = ",".join(
        d for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun") if d not in days.split(",")
    )
    first, last = s.day_start.hour, max(s.day_start.hour, s.day_end.hour - 1)
    outside = ",".join(str(h) for h in range(24) if not first <= h <= last)
    sync_triggers: list[BaseTrigger] = [
        CronTrigger(
            day_of_week=days, hour=f"{first}-{last}", minute=f"*/{s.sync_minutes_in_day}",
            timezone=zone,
        )
    ]
    step = max(1, s.sync_minutes_outside_day // 60)
    if outside:
        sync_triggers.append(
            CronTrigger(day_of_week=days, hour=outside, minute=0, timezone=zone)
        )
    if other:
        sync_triggers.append(
            CronTrigger(day_of_week=other, hour=f"*/{step}", minute=0, timezone=zone)
        )
    checks: list[BaseTrigger] = [_at(t, days, zone) for t in _check_times(settings)]
    return [
        Planned("sync", tasks.sync_incremental, OrTrigger(sync_triggers)),
        Planned("sync_full", tasks.sync_full, _at(s.full_sync_at, "*", zone)),
        Planned("check", tasks.check, OrTrigger(checks)),
        Planned("nudge", tasks.nudge, _at(s.nudge_at, days, zone)),
        Planned(
            "deliver",
            tasks.deliver,
            CronTrigger(day_of_week=days, minute=f"*/{s.deliver_minutes}", timezone=zone),
        ),
        Planned("digest", tasks.digest, _at(s.digest_at, s.digest_day.value, zone)),
        Planned("purge", tasks.purge, _at(s.purge_at, "*", zone)),
    ]


def fast_plan(tick_seconds: float, now: datetime) -> list[Planned]:
    """Every job on a short interval; the first sync at once, then check, then nudge."""
    t = tick_seconds

    def every(n: float, offset: float) -> tuple[IntervalTrigger, datetime]:
        return IntervalTrigger(seconds=n * t), now + timedelta(seconds=offset * t)

    table: list[tuple[str, Callable[[], None], float, float]] = [
        ("sync", tasks.sync_incremental, 1, 0),
        ("check", tasks.check, 1, 0.3),
        ("nudge", tasks.nudge, 1, 0.6),
        ("deliver", tasks.deliver, 1, 0.8),
        ("sync_full", tasks.sync_full, 20, 10),
        ("digest", tasks.digest, 20, 5),
        ("purge", tasks.purge, 20, 15),
    ]
    out: list[Planned] = []
    for job_id, func, n, offset in table:
        trigger, first = every(n, offset)
        out.append(Planned(job_id, func, trigger, first))
    return out
