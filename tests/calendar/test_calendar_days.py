"""Which days are school days: terms, INSET, closed days, closure periods and iCal feeds."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from config.calendar import ClosurePeriod, DateRange, IcalSettings
from config.settings import ClassMode, ClassRule, R1Settings, SchoolSettings
from jobs.calendar import SchoolCalendar
from jobs.ical_terms import load_ical

ICS = b"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Oak//Terms//EN
BEGIN:VEVENT
UID:1
SUMMARY:Spring Term
DTSTART;VALUE=DATE:20260105
DTEND;VALUE=DATE:20260328
END:VEVENT
BEGIN:VEVENT
UID:2
SUMMARY:Half Term
DTSTART;VALUE=DATE:20260216
DTEND;VALUE=DATE:20260221
END:VEVENT
BEGIN:VEVENT
UID:3
SUMMARY:INSET day
DTSTART;VALUE=DATE:20260105
DTEND;VALUE=DATE:20260106
END:VEVENT
BEGIN:VEVENT
UID:4
SUMMARY:Parents' evening
DTSTART:20260120T160000Z
DTEND:20260120T190000Z
END:VEVENT
END:VCALENDAR
"""


def school(**calendar: object) -> SchoolSettings:
    return SchoolSettings.model_validate(
        {"key": "oak", "name": "Oak", "platform": "microsoft", "calendar": calendar}
    )


def test_without_terms_every_weekday_that_is_not_a_holiday_is_a_school_day() -> None:
    cal = SchoolCalendar.for_school(school())
    assert cal.school_days(date(2026, 8, 3), date(2026, 8, 7)) == [
        date(2026, 8, d) for d in range(3, 8)
    ]


def test_days_outside_the_terms_are_not_school_days() -> None:
    cal = SchoolCalendar.for_school(
        school(terms=[{"start": "2026-01-05", "end": "2026-03-27"}])
    )
    assert cal.is_school_day(date(2026, 3, 27))
    assert not cal.is_school_day(date(2026, 3, 30))  # Easter holidays
    assert not cal.is_school_day(date(2026, 1, 2))


def test_an_inset_day_and_a_closed_day_are_not_school_days() -> None:
    cal = SchoolCalendar.for_school(
        school(
            inset_days=["2026-03-16"],
            closed_days=[{"start": "2026-03-18", "end": "2026-03-19"}],
        )
    )
    assert cal.school_days(date(2026, 3, 16), date(2026, 3, 20)) == [
        date(2026, 3, 17),
        date(2026, 3, 20),
    ]


def test_a_closure_period_stays_school_days_with_stricter_r1_expectations() -> None:
    s = school(
        closure_periods=[
            {"name": "lockdown", "start": "2026-03-16", "end": "2026-03-20", "r1_min_items": 5}
        ]
    ).model_copy(
        update={"r1": R1Settings(classes=[ClassRule(match="Art", mode=ClassMode.EXEMPT)])}
    )
    cal = SchoolCalendar.for_school(s)
    assert cal.is_school_day(date(2026, 3, 17))
    during = cal.r1_settings(s, date(2026, 3, 17))
    assert during.min_items == 5
    assert [r.mode for r in during.classes] == [ClassMode.DAILY]
    assert cal.r1_settings(s, date(2026, 3, 13)) == s.r1


def test_terms_half_terms_and_inset_days_load_from_an_ical_file(tmp_path: Path) -> None:
    path = tmp_path / "terms.ics"
    path.write_bytes(ICS)
    feed = load_ical(IcalSettings(path=path))
    assert feed.terms == [DateRange(start=date(2026, 1, 5), end=date(2026, 3, 27))]
    assert feed.holidays == [DateRange(start=date(2026, 2, 16), end=date(2026, 2, 20))]
    assert feed.inset_days == [date(2026, 1, 5)]

    cal = SchoolCalendar.for_school(school(ical={"path": str(path)}))
    assert not cal.is_school_day(date(2026, 1, 5))  # INSET
    assert cal.is_school_day(date(2026, 1, 6))
    assert not cal.is_school_day(date(2026, 2, 18))  # half term
    assert not cal.is_school_day(date(2026, 3, 30))  # after the term
    assert cal.is_school_day(date(2026, 1, 20))  # a parents' evening is not a holiday


def test_the_ical_naming_convention_is_configurable(tmp_path: Path) -> None:
    path = tmp_path / "terms.ics"
    path.write_bytes(ICS.replace(b"INSET day", b"Staff training"))
    feed = load_ical(IcalSettings(path=path, inset="(?i)staff training"))
    assert feed.inset_days == [date(2026, 1, 5)]


def test_a_bad_date_range_is_refused() -> None:
    with pytest.raises(ValueError, match="before"):
        ClosurePeriod(start=date(2026, 3, 2), end=date(2026, 3, 1))


def test_school_days_between_two_instants_follow_the_local_date() -> None:
    cal = SchoolCalendar("Europe/London", "england")
    # 23:30 UTC on Sunday 29 March is already Monday in London (BST).
    a = datetime(2026, 3, 29, 23, 30, tzinfo=UTC)
    b = datetime(2026, 4, 3, 12, tzinfo=UTC)  # Good Friday
    assert cal.school_days_between(a, b) == [date(2026, 3, d) for d in (30, 31)] + [
        date(2026, 4, 1),
        date(2026, 4, 2),
    ]
    assert cal.local_instant(date(2026, 3, 30), time(8)) == datetime(
        2026, 3, 30, 7, tzinfo=UTC
    )
