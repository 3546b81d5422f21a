"""R2's overdue test as a few UTC intervals, so the database counts overdue submissions.

For one marking window at one check instant, whether a turn-in at ``t`` is overdue
(:class:`jobs.rules.r2.OverdueTest`) depends only on: the local date of ``t``, which side
of that date's same-day cut (``in_by``) or its week's ``back_by`` time it falls, and
whether it is before the working-hours threshold. All of those change only at instants
that can be listed — local midnights, the cut instants, the threshold, the time zone's
changes of offset — so between two neighbouring ones the answer is the same, and asking
the test once per piece gives the exact set of overdue turn-ins. Far enough back the
answer settles (everything older is overdue), so only the last few days are pieced.

The spans depend on the window, the calendar and the instant only: the rule stays a
pure function of rows, calendar and clock; the database just counts rows in them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from config.rules import MarkingWindow, R2Settings, WindowKind
from jobs.calendar import SchoolCalendar
from jobs.rules.r2 import OverdueTest, window_for

# [lo, hi): lo None is unbounded below. Turn-ins after the check instant are never asked.
Span = tuple[datetime | None, datetime]

TICK = timedelta(microseconds=1)  # the stores' and Python's resolution
# How far back the answer is worked out when it does not settle sooner: the calendar's own
# look-back for working time (``more_working_time_before``).
LOOKBACK = timedelta(days=1200)
_DAY = timedelta(days=1)
_WEEK_LIMIT = 12  # weeks an end-of-week deadline is looked for (as :func:`jobs.rules.r2.deadline`)


def overdue_spans(window: MarkingWindow, calendar: SchoolCalendar, as_of: datetime) -> list[Span]:
    """The turn-ins ``t <= as_of`` that are overdue at ``as_of``, as sorted disjoint spans."""
    test = OverdueTest(window, calendar, as_of)
    if window.kind is WindowKind.HOURS:
        return [] if test.threshold is None else [(None, test.threshold)]
    if window.kind is WindowKind.SAME_DAY:
        plan = _same_day_plan(calendar, as_of, test.threshold)
    else:
        plan = _end_of_week_plan(window, calendar, as_of)
    points = [*_breakpoints(window, calendar, sorted(plan.pieced), test)]
    points += [  # where a run of settled weeks changes its answer
        calendar.local_midnight(monday)
        for monday, known in plan.settled.items()
        if plan.settled.get(monday - 7 * _DAY) is not known
    ]
    spans: list[Span] = []
    run: list[datetime | None] = [None] if plan.older else []  # start of the current run
    for at in [plan.start, *sorted({p for p in points if plan.start < p <= as_of})]:
        day = calendar.local_date(at)
        known = plan.settled.get(day - timedelta(days=day.weekday()))
        if (test(at) if day in plan.pieced or known is None else known) is True:
            if not run:
                run = [at]
        elif run:
            spans.append((run[0], at))
            run = []
    if run:
        spans.append((run[0], as_of + TICK))
    return spans


def in_spans(t: datetime, spans: Sequence[Span]) -> bool:
    return any((lo is None or lo <= t) and t < hi for lo, hi in spans)


@dataclass(frozen=True, slots=True)
class _Plan:
    """Where the answer must be asked piece by piece, and where it is already known.

    ``start``: turn-ins before it are all ``older`` (overdue or not). ``pieced``: the
    local dates asked piece by piece. ``settled``: weeks (by Monday) whose every turn-in
    has the same answer. Dates in neither are pieced too (never the case by design).
    """

    start: datetime
    older: bool
    pieced: frozenset[date]
    settled: dict[date, bool] = field(default_factory=dict)


def _same_day_plan(calendar: SchoolCalendar, as_of: datetime, threshold: datetime | None) -> _Plan:
    settled = calendar.more_working_time_before(as_of, timedelta(0))
    if threshold is None or settled is None:
        start = as_of - LOOKBACK  # no settled past: piece the whole look-back
        return _Plan(start, False, frozenset(_dates(calendar, start, as_of)))
    # Before ``start`` a turn-in is judged either by working hours (before the threshold:
    # overdue) or due back on its own date, two or more days before the last working
    # instant before ``as_of`` (overdue too).
    start = min(threshold, calendar.local_midnight(calendar.local_date(settled) - 2 * _DAY))
    return _Plan(start, True, frozenset(_dates(calendar, start, as_of)))


def _end_of_week_plan(window: MarkingWindow, calendar: SchoolCalendar, as_of: datetime) -> _Plan:
    """Walk the weeks back from ``as_of``'s. A week is settled overdue when a week after it
    within reach of the deadline search has a deadline already passed; settled not
    overdue when no week in reach has a school day; else its dates are pieced. Turn-ins
    older than the look-back are taken to be as the oldest week walked."""
    passed_by = calendar.more_working_time_before(as_of, timedelta(0))
    today = calendar.local_date(as_of)
    oldest = calendar.local_date(as_of - LOOKBACK)
    week = today - timedelta(days=today.weekday())
    if passed_by is None:  # no working time before as_of: nothing is overdue yet
        return _Plan(calendar.local_midnight(oldest), False, frozenset(), {week: False})
    # Per week walked, newest first: (has a school day, its deadline has passed).
    later: list[tuple[bool, bool]] = []
    pieced: list[date] = []
    settled: dict[date, bool] = {}
    while True:
        last = _last_school_day(calendar, week)
        passed = last is not None and calendar.local_instant(last, window.back_by) < passed_by
        reach = later[: _WEEK_LIMIT - 1]
        if any(p for _, p in reach):
            settled[week] = True
        elif last is None and not any(s for s, _ in reach):
            settled[week] = False
        else:
            pieced += [week + timedelta(days=i) for i in range(7)]
        later.insert(0, (last is not None, passed))
        if week <= oldest:
            break
        week -= 7 * _DAY
    older = settled.get(week, False)
    return _Plan(calendar.local_midnight(week), older, frozenset(pieced), settled)


def _last_school_day(calendar: SchoolCalendar, monday: date) -> date | None:
    """The last school day of the week (as ``week_school_days(monday)[-1]``)."""
    for back in range(6, -1, -1):
        d = monday + timedelta(days=back)
        if calendar.is_school_day(d):
            return d
    return None


def _dates(calendar: SchoolCalendar, start: datetime, end: datetime) -> list[date]:
    first, last = calendar.local_date(start) - _DAY, calendar.local_date(end) + _DAY
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _breakpoints(
    window: MarkingWindow, calendar: SchoolCalendar, days: Sequence[date], test: OverdueTest
) -> Iterator[datetime]:
    """Every instant at which the inputs of the test can change, around ``days``."""
    if not days:
        return
    zone = calendar.zone
    same_day = window.kind is WindowKind.SAME_DAY
    if same_day and test.threshold is not None:
        yield test.threshold
    for d in days:
        yield calendar.local_midnight(d + _DAY)
        for fold in (0, 1):
            yield datetime.combine(d, time(0), tzinfo=zone).replace(fold=fold).astimezone(UTC)
            if same_day:
                # "in by" is inclusive: the answer changes just after the cut (at the
                # cut itself when it is midnight, whose instant is then a piece alone).
                cut = datetime.combine(d, window.in_by, tzinfo=zone).replace(fold=fold)
                yield cut.astimezone(UTC) + TICK
        if window.kind is WindowKind.END_OF_WEEK and d.weekday() == 0:
            last = _last_school_day(calendar, d)
            if last:
                yield calendar.local_instant(last, window.back_by) + TICK
    yield from _offset_changes(
        calendar,
        calendar.local_midnight(days[0]) - _DAY,
        calendar.local_midnight(days[-1]) + 2 * _DAY,
    )


def _offset_changes(calendar: SchoolCalendar, start: datetime, end: datetime) -> Iterator[datetime]:
    """The instants in ``[start, end]`` at which the zone's UTC offset changes."""
    step = timedelta(hours=6)  # no zone changes offset twice within six hours

    def offset(at: datetime) -> timedelta | None:
        return at.astimezone(calendar.zone).utcoffset()

    a = start
    while a < end:
        b = min(a + step, end)
        if offset(a) != offset(b):
            lo, hi = a, b  # offset(lo) != offset(hi): the change is in (lo, hi]
            while hi - lo > TICK:
                mid = lo + (hi - lo) / 2
                if offset(mid) == offset(lo):
                    lo = mid
                else:
                    hi = mid
            yield hi
        a = b


def spans_by_class(
    classes: Iterable[tuple[int, str]],
    settings: R2Settings,
    calendar: SchoolCalendar,
    as_of: datetime,
) -> dict[int, list[Span]]:
    """Per class id (of one school, with its name): the spans of its marking window."""
    per_window: dict[tuple[object, ...], list[Span]] = {}
    out: dict[int, list[Span]] = {}
    for class_id, name in classes:
        w = window_for(name, settings.windows)
        key = (w.kind, w.hours, w.in_by, w.back_by)  # what the spans depend on
        if key not in per_window:
            per_window[key] = overdue_spans(w, calendar, as_of)
        out[class_id] = per_window[key]
    return out
