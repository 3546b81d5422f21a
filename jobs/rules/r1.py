"""R1: daily home learning posted (POLICIES.md).

On each school day every *daily* class must have at least ``min_items`` pieces of work
of a counting kind go live between local midnight and the cut-off. A *weekly* class
needs ``per_week`` of them between the week's first midnight and the cut-off of the
week's last school day, judged on that day. Pure: no session, no I/O, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from config.settings import ClassMode, ClassRule, R1Settings
from connector.records import WorkKind, WorkState
from jobs.calendar import SchoolCalendar
from jobs.rules.base import FindingDraft

RULE = "R1"

# A scheduled post is live once its go-live time has passed; the window ends at the
# cut-off and a day is only judged after its cut-off, so both states count.
LIVE_STATES = frozenset({WorkState.PUBLISHED, WorkState.SCHEDULED})


@dataclass(frozen=True, slots=True)
class R1Class:
    """A class to judge. ``teacher_ids`` are the current teachers (co-teachers share it)."""

    class_id: int
    platform_id: str
    name: str
    teacher_ids: tuple[int, ...] = ()
    # A class created after the window opened was not there to post in: not judged.
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class R1Post:
    """One piece of work. ``published_at``: publish time, or a scheduled post's go-live."""

    class_id: int
    kind: WorkKind
    published_at: datetime | None
    state: WorkState = WorkState.PUBLISHED
    deleted: bool = False


def class_rule(name: str, rules: Sequence[ClassRule]) -> ClassRule | None:
    """The first rule whose ``match`` is found in the class name; None means exempt."""
    for rule in rules:
        if re.search(rule.match, name):
            return rule
    return None


def finding_key(class_id: int, day: date) -> str:
    return f"{RULE}:{class_id}:{day.isoformat()}"


def window(
    mode: ClassMode, day: date, settings: R1Settings, calendar: SchoolCalendar
) -> tuple[datetime, datetime]:
    """The instants ``[start, end)`` in which posts count for ``day``."""
    end = calendar.local_instant(day, settings.cutoff)
    if mode is ClassMode.WEEKLY:
        first = day - timedelta(days=day.weekday())
        return calendar.local_midnight(first), end
    return calendar.local_midnight(day), end


def counts(post: R1Post, kinds: frozenset[str], start: datetime, end: datetime) -> bool:
    """Whether a post counts: live, not deleted, a counting kind, inside the window."""
    return (
        post.state in LIVE_STATES
        and not post.deleted
        and post.kind.value in kinds
        and post.published_at is not None
        and start <= post.published_at < end
    )


def evaluate_r1(
    classes: Iterable[R1Class],
    posts: Iterable[R1Post],
    settings: R1Settings,
    calendar: SchoolCalendar,
    *,
    school_id: int,
    day: date,
) -> list[FindingDraft]:
    """One draft per class that is short of work for ``day``; nothing on a non-school day."""
    if not calendar.is_school_day(day):
        return []
    by_class: dict[int, list[R1Post]] = {}
    for post in posts:
        by_class.setdefault(post.class_id, []).append(post)
    kinds = frozenset(settings.counts)
    last_of_week = calendar.is_last_school_day_of_week(day)

    drafts = []
    for cls in sorted(classes, key=lambda c: c.class_id):
        rule = class_rule(cls.name, settings.classes)
        if rule is None or rule.mode is ClassMode.EXEMPT:
            continue
        if rule.mode is ClassMode.WEEKLY and not last_of_week:
            continue
        required = settings.min_items if rule.mode is ClassMode.DAILY else rule.per_week
        start, end = window(rule.mode, day, settings, calendar)
        if cls.created_at is not None and cls.created_at > start:
            continue
        found = sum(1 for p in by_class.get(cls.class_id, ()) if counts(p, kinds, start, end))
        if found >= required:
            continue
        drafts.append(
            FindingDraft(
                rule=RULE,
                key=finding_key(cls.class_id, day),
                school_id=school_id,
                day=day,
                class_id=cls.class_id,
                evidence={
                    "class_name": cls.name,
                    "mode": rule.mode.value,
                    "found": found,
                    "required": required,
                    "kinds": sorted(kinds),
                    "cutoff": settings.cutoff.strftime("%H:%M"),
                    "window_start": start.isoformat(),
                    "window_end": end.isoformat(),
                    "teacher_ids": list(cls.teacher_ids),
                },
            )
        )
    return drafts
