"""The overdue spans the database counts in agree with the plain definition of overdue,
for any window, turn-in and check instant, across clock changes and term gaps."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from config.calendar import DateRange
from config.rules import MarkingWindow, WindowKind
from jobs.calendar import SchoolCalendar
from jobs.rules.r2 import is_overdue
from jobs.rules.r2_spans import TICK, in_spans, overdue_spans

TERMS = [
    DateRange(start=date(2026, 1, 5), end=date(2026, 3, 27)),
    DateRange(start=date(2026, 4, 13), end=date(2026, 7, 17)),
]
CALENDARS = [
    SchoolCalendar("Europe/London", "england"),
    SchoolCalendar("Europe/London", "scotland", terms=TERMS),  # holidays and no school before
    SchoolCalendar("Asia/Jerusalem", "wales"),  # clocks change on a Friday, a school day
    SchoolCalendar("America/Havana", "england"),  # clocks change at midnight
]
windows = st.builds(
    MarkingWindow,
    kind=st.sampled_from(list(WindowKind)),
    hours=st.sampled_from([0.5, 4, 9, 18, 45]),
    in_by=st.times(),
    back_by=st.times(),
)
instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2026, 5, 31), timezones=st.just(UTC)
)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(CALENDARS),
    windows,
    instants,
    st.lists(st.integers(min_value=0, max_value=60 * 86400), min_size=1, max_size=10),
)
def test_a_turn_in_is_in_the_overdue_spans_exactly_when_it_is_overdue(
    calendar: SchoolCalendar, window: MarkingWindow, as_of: datetime, ages: list[int]
) -> None:
    spans = overdue_spans(window, calendar, as_of)
    for age in ages:
        t = as_of - timedelta(seconds=age)
        assert in_spans(t, spans) == is_overdue(t, window, calendar, as_of), (t, spans)


def test_the_spans_are_sorted_apart_and_end_by_the_check_instant() -> None:
    cal = CALENDARS[1]
    as_of = datetime(2026, 4, 21, 15, tzinfo=UTC)
    for kind in WindowKind:
        spans = overdue_spans(MarkingWindow(kind=kind, in_by=time(12)), cal, as_of)
        ends = [hi for _, hi in spans]
        assert ends == sorted(ends) and all(hi <= as_of + timedelta(seconds=1) for hi in ends)
        assert all(lo is None or lo < hi for lo, hi in spans)
        for (_, hi), (lo, _) in pairwise(spans):
            assert lo is not None and hi < lo


def test_a_turn_in_exactly_at_a_midnight_same_day_cut_is_judged_alone() -> None:
    """Found by the property above: "in by 00:00" holds for the midnight instant only."""
    window = MarkingWindow(kind=WindowKind.SAME_DAY, in_by=time(0), back_by=time(0))
    for calendar in CALENDARS:
        for day in (date(2026, 1, 1), date(2026, 1, 6), date(2026, 3, 30)):
            midnight = calendar.local_midnight(day)
            for as_of in (midnight, midnight + timedelta(hours=10), midnight + timedelta(days=2)):
                spans = overdue_spans(window, calendar, as_of)
                for t in (midnight, midnight + TICK, midnight - TICK):
                    if t <= as_of:
                        assert in_spans(t, spans) == is_overdue(t, window, calendar, as_of), (
                            calendar.zone, t, as_of, spans,
                        )  # fmt: skip
