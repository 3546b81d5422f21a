"""Working-hour arithmetic: examples across weekends, holidays and clock changes, and
properties (hypothesis) that must hold for any instant and amount."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from config.calendar import WorkingHours
from jobs.calendar import SchoolCalendar

CAL = SchoolCalendar("Europe/London", "england", closures=[date(2026, 10, 19)])
H = timedelta(hours=1)


def local(d: date, hour: int, minute: int = 0) -> datetime:
    return CAL.local_instant(d, time(hour, minute))


def test_nine_working_hours_from_mid_morning_end_mid_morning_next_school_day() -> None:
    mon = date(2026, 3, 9)
    assert CAL.add_working_hours(local(mon, 10), 9) == local(date(2026, 3, 10), 10)


def test_work_turned_in_in_the_evening_starts_its_window_at_eight_next_morning() -> None:
    assert CAL.add_working_hours(local(date(2026, 3, 9), 20), 9) == local(date(2026, 3, 10), 17)


def test_a_window_ending_at_five_pm_ends_at_five_pm() -> None:
    mon = date(2026, 3, 9)
    assert CAL.add_working_hours(local(mon, 8), 9) == local(mon, 17)


def test_friday_afternoon_runs_on_to_monday_across_the_spring_clock_change() -> None:
    fri = date(2026, 3, 27)
    due = CAL.add_working_hours(local(fri, 15), 4)
    assert due == local(date(2026, 3, 30), 10)
    assert due == datetime(2026, 3, 30, 9, tzinfo=UTC)  # BST now
    assert CAL.working_hours_between(local(fri, 15), due) == 4


def test_bank_holidays_and_closures_have_no_working_hours() -> None:
    thu = date(2026, 4, 2)  # then Good Friday and Easter Monday
    assert CAL.add_working_hours(local(thu, 16), 2) == local(date(2026, 4, 7), 9)
    fri = date(2026, 10, 16)  # then a closure on Monday 19 October
    assert CAL.add_working_hours(local(fri, 17), 1) == local(date(2026, 10, 20), 9)


def test_the_working_days_around_both_clock_changes_have_nine_hours() -> None:
    for d in (date(2026, 3, 27), date(2026, 3, 30), date(2026, 10, 23), date(2026, 10, 26)):
        assert CAL.working_hours_between(local(d, 0), local(d, 23, 59)) == 9


def test_custom_working_hours_change_the_window() -> None:
    hours = WorkingHours(start=time(8, 30), end=time(15, 30))
    cal = SchoolCalendar("Europe/London", "england", working_hours=hours)
    mon = date(2026, 3, 9)
    assert cal.add_working_hours(cal.local_instant(mon, time(12)), 7) == cal.local_instant(
        date(2026, 3, 10), time(12)
    )


# --- properties ---------------------------------------------------------------------------

instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
amounts = st.integers(min_value=1, max_value=60 * 60 * 9 * 15).map(
    lambda s: timedelta(seconds=s)
)


@settings(max_examples=150, deadline=None)
@given(instants, amounts, amounts)
def test_adding_working_time_is_additive(t: datetime, a: timedelta, b: timedelta) -> None:
    assert CAL.add_working_time(CAL.add_working_time(t, a), b) == CAL.add_working_time(t, a + b)


@settings(max_examples=150, deadline=None)
@given(instants, amounts, amounts)
def test_adding_more_working_time_never_lands_earlier(
    t: datetime, a: timedelta, b: timedelta
) -> None:
    small, big = sorted((a, b))
    assert t < CAL.add_working_time(t, small) <= CAL.add_working_time(t, big)


@settings(max_examples=150, deadline=None)
@given(instants, amounts)
def test_a_window_always_ends_inside_working_hours_of_a_school_day(
    t: datetime, a: timedelta
) -> None:
    end = CAL.add_working_time(t, a)
    day = CAL.local_date(end)
    assert CAL.is_school_day(day)
    assert time(8) < CAL.local_time(end) <= time(17)


@settings(max_examples=150, deadline=None)
@given(instants, amounts)
def test_the_working_time_between_a_start_and_its_window_end_is_the_window(
    t: datetime, a: timedelta
) -> None:
    assert CAL.working_time_between(t, CAL.add_working_time(t, a)) == a


@settings(max_examples=100, deadline=None)
@given(instants, instants, instants)
def test_working_time_between_is_additive_over_a_middle_instant(
    a: datetime, b: datetime, c: datetime
) -> None:
    a, b, c = sorted((a, b, c))
    assert CAL.working_time_between(a, b) + CAL.working_time_between(b, c) == (
        CAL.working_time_between(a, c)
    )
    assert CAL.working_time_between(c, a) == -CAL.working_time_between(a, c)


@settings(max_examples=60, deadline=None)
@given(st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)))
def test_every_school_day_has_nine_working_hours_even_when_the_clocks_change(d: date) -> None:
    next_midnight = CAL.local_midnight(d + timedelta(days=1))
    hours = CAL.working_time_between(CAL.local_midnight(d), next_midnight)
    assert hours == (9 * H if CAL.is_school_day(d) else timedelta(0))


@settings(max_examples=150, deadline=None)
@given(instants, instants, amounts)
def test_the_overdue_threshold_splits_starts_by_their_working_time_to_the_end(
    t: datetime, end: datetime, a: timedelta
) -> None:
    threshold = CAL.more_working_time_before(end, a)
    assert threshold is not None
    assert (CAL.working_time_between(t, end) > a) == (t < threshold)
