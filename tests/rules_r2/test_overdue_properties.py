"""The fast per-instant overdue test agrees with the plain definition, for any turn-in."""

from __future__ import annotations

from datetime import UTC, datetime, time

from hypothesis import given, settings
from hypothesis import strategies as st

from config.rules import MarkingWindow, WindowKind
from jobs.calendar import SchoolCalendar
from jobs.rules.r2 import OverdueTest, is_overdue

CAL = SchoolCalendar("Europe/London", "england")
WINDOWS = [
    MarkingWindow(),
    MarkingWindow(hours=18),
    MarkingWindow(kind=WindowKind.SAME_DAY),
    MarkingWindow(kind=WindowKind.SAME_DAY, in_by=time(12), back_by=time(16), hours=4),
    MarkingWindow(kind=WindowKind.END_OF_WEEK),
]
instants = st.datetimes(
    min_value=datetime(2026, 3, 1), max_value=datetime(2026, 4, 30), timezones=st.just(UTC)
)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(WINDOWS), instants, st.lists(instants, min_size=1, max_size=8))
def test_the_fast_overdue_test_matches_the_definition(
    window: MarkingWindow, as_of: datetime, turned_in: list[datetime]
) -> None:
    fast = OverdueTest(window, CAL, as_of)
    for t in [*turned_in, *turned_in]:  # twice: the per-date memo must not change answers
        if t <= as_of:
            assert fast(t) == is_overdue(t, window, CAL, as_of)
