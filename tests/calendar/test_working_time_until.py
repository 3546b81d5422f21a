"""Working time up to one instant, asked for many: the same as the day-by-day walk."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from jobs.calendar import SchoolCalendar
from jobs.working_until import WorkingTimeUntil

CALENDARS = [
    SchoolCalendar("Europe/London", "england"),
    SchoolCalendar("America/Havana", "wales"),  # clocks change at midnight
]
instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(CALENDARS),
    instants,
    st.lists(st.integers(min_value=-3 * 86400, max_value=300 * 86400), min_size=1, max_size=12),
)
def test_working_time_until_an_instant_matches_the_walk_over_every_day(
    calendar: SchoolCalendar, end: datetime, ages: list[int]
) -> None:
    until = WorkingTimeUntil(calendar, end)
    for age in ages:
        start = end - timedelta(seconds=age)
        assert until(start) == calendar.working_time_between(start, end)
