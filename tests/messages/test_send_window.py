"""R6: the send window, school days and part-time working days, as pure time arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from pydantic import ValidationError

from config.messages import SchoolMessageSettings, SendWindow
from jobs.calendar import SchoolCalendar
from jobs.sendwindow import StaffTime
from tests.messages.rows import part_time

LONDON = SchoolCalendar("Europe/London", "england")
ANN, BOB = "ann@oak.sch.uk", "Bob@Oak.sch.uk"
WHEN = StaffTime(LONDON, SchoolMessageSettings(staff=[part_time("bob@oak.sch.uk", "mon", "tue")]))


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def test_the_default_window_is_half_past_seven_to_half_past_five_local() -> None:
    assert not WHEN.is_open(ANN, at(25, 7, 29))
    assert WHEN.is_open(ANN, at(25, 7, 30))
    assert WHEN.is_open(ANN, at(25, 17, 29))
    assert not WHEN.is_open(ANN, at(25, 17, 30))


def test_the_window_is_local_time_in_summer_too() -> None:
    # 07:30 in London in June is 06:30 UTC.
    assert WHEN.is_open(ANN, datetime(2026, 6, 10, 6, 30, tzinfo=UTC))
    assert not WHEN.is_open(ANN, datetime(2026, 6, 10, 16, 30, tzinfo=UTC))


def test_after_the_window_the_next_one_is_the_next_school_day_morning() -> None:
    assert WHEN.next_open(ANN, at(25, 18)) == at(26, 7, 30)
    assert WHEN.next_open(ANN, at(25, 6)) == at(25, 7, 30)
    assert WHEN.next_open(ANN, at(25, 9)) == at(25, 9)


def test_weekends_and_bank_holidays_are_skipped() -> None:
    assert WHEN.next_open(ANN, at(27, 18)) == at(30, 7, 30)  # Friday evening → Monday
    # Christmas Day and Boxing Day (Monday 28th, substitute) are bank holidays in 2026.
    assert WHEN.next_open(ANN, datetime(2026, 12, 24, 18, tzinfo=UTC)) == datetime(
        2026, 12, 29, 7, 30, tzinfo=UTC
    )


def test_it_skips_a_teacher_outside_their_working_days() -> None:
    wednesday = at(25, 9)
    assert not WHEN.is_open(BOB, wednesday)  # case of the address does not matter
    assert WHEN.next_open(BOB, wednesday) == at(30, 7, 30)  # Monday
    assert WHEN.is_open(BOB, at(30, 9))


def test_a_school_can_move_its_window_and_a_backwards_one_is_refused() -> None:
    early = StaffTime(LONDON, SchoolMessageSettings(send_window=SendWindow(end=time(15, 30))))
    assert not early.is_open(ANN, at(25, 15, 45))
    with pytest.raises(ValidationError):
        SendWindow(start=time(18), end=time(8))
    with pytest.raises(ValidationError):
        SchoolMessageSettings(staff=[part_time(ANN, "mon"), part_time(ANN.upper(), "tue")])
