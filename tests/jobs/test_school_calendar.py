from datetime import UTC, date, datetime, time

import pytest

from jobs.calendar import SchoolCalendar


@pytest.fixture
def england() -> SchoolCalendar:
    return SchoolCalendar("Europe/London", "england")


def test_a_weekend_is_not_a_school_day(england: SchoolCalendar) -> None:
    assert not england.is_school_day(date(2026, 11, 28))
    assert not england.is_school_day(date(2026, 11, 29))
    assert england.is_school_day(date(2026, 11, 27))


def test_good_friday_is_not_a_school_day_in_england(england: SchoolCalendar) -> None:
    assert not england.is_school_day(date(2026, 4, 3))


def test_easter_monday_is_a_bank_holiday_in_england_but_not_in_scotland(
    england: SchoolCalendar,
) -> None:
    scotland = SchoolCalendar("Europe/London", "scotland")
    assert not england.is_school_day(date(2026, 4, 6))
    assert scotland.is_school_day(date(2026, 4, 6))


def test_st_andrews_day_is_a_holiday_only_in_scotland(england: SchoolCalendar) -> None:
    scotland = SchoolCalendar("Europe/London", "scotland")
    # 30 November 2026 is a Monday.
    assert not scotland.is_school_day(date(2026, 11, 30))
    assert england.is_school_day(date(2026, 11, 30))


def test_a_closure_day_is_not_a_school_day() -> None:
    cal = SchoolCalendar("Europe/London", "wales", closures=[date(2026, 11, 25)])
    assert not cal.is_school_day(date(2026, 11, 25))
    assert cal.school_days(date(2026, 11, 23), date(2026, 11, 29)) == [
        date(2026, 11, 23),
        date(2026, 11, 24),
        date(2026, 11, 26),
        date(2026, 11, 27),
    ]


def test_local_four_pm_is_three_pm_utc_after_the_spring_clock_change(
    england: SchoolCalendar,
) -> None:
    assert england.local_instant(date(2026, 3, 27), time(16)) == datetime(
        2026, 3, 27, 16, tzinfo=UTC
    )
    assert england.local_instant(date(2026, 3, 30), time(16)) == datetime(
        2026, 3, 30, 15, tzinfo=UTC
    )


def test_local_four_pm_is_four_pm_utc_again_after_the_autumn_clock_change(
    england: SchoolCalendar,
) -> None:
    assert england.local_instant(date(2026, 10, 23), time(16)) == datetime(
        2026, 10, 23, 15, tzinfo=UTC
    )
    assert england.local_instant(date(2026, 10, 26), time(16)) == datetime(
        2026, 10, 26, 16, tzinfo=UTC
    )


def test_local_date_of_a_late_utc_instant_in_summer_is_the_next_day(
    england: SchoolCalendar,
) -> None:
    assert england.local_date(datetime(2026, 6, 1, 23, 30, tzinfo=UTC)) == date(2026, 6, 2)
    assert england.local_date(datetime(2026, 12, 1, 23, 30, tzinfo=UTC)) == date(2026, 12, 1)


def test_the_last_school_day_before_easter_monday_is_the_thursday(
    england: SchoolCalendar,
) -> None:
    assert england.last_school_day_on_or_before(date(2026, 4, 6)) == date(2026, 4, 2)
    assert england.last_school_day_on_or_before(date(2026, 4, 2)) == date(2026, 4, 2)


def test_an_unknown_nation_is_refused() -> None:
    with pytest.raises(ValueError, match="nation"):
        SchoolCalendar("Europe/London", "cornwall")
