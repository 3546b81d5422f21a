"""Schools checked in one run are each judged by their own settings and calendar, though
each rule reads every school's rows in one pass."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from config.calendar import CalendarSettings
from config.engagement import R3Settings
from config.rules import MarkingWindow, R2Settings
from jobs.check import run_checks
from sync.models import Finding, School
from tests.jobs.factories import make_settings, school_settings
from tests.rules_r3.rows import Rows, S

MON = datetime(2026, 3, 9, tzinfo=UTC)  # London is on GMT: local time is UTC
H = timedelta(hours=1)


def open_findings(session: Session, rule: str) -> dict[str, set[int | None]]:
    rows = session.execute(
        select(School.key, Finding.work_id, Finding.pupil_id)
        .join(School, School.id == Finding.school_id)
        .where(Finding.rule == rule, Finding.resolved_at.is_(None))
    )
    out: dict[str, set[int | None]] = {}
    for key, work_id, pupil_id in rows:
        out.setdefault(key, set()).add(work_id if rule == "R2" else pupil_id)
    return out


def test_each_school_keeps_its_own_marking_window_and_disengagement_threshold(
    session: Session,
) -> None:
    rows = Rows(session)
    few = 99  # too few pieces due for the share signal: only the streak can trip
    settings = make_settings(
        school_settings("oak", r3=R3Settings(share_min_due=few)),  # 1 day to mark, 3 misses
        school_settings(
            "elm",
            name="Elm Academy",
            r2=R2Settings(windows=[MarkingWindow(hours=18)]),
            r3=R3Settings(missed_in_a_row=2, share_min_due=few),
        ),
    )
    work: dict[str, int] = {}
    pupils: dict[str, int] = {}
    for key in ("oak", "elm"):
        school = rows.school(key)
        cls = rows.klass(school, teachers=[rows.person(f"{key} teacher")])
        pupil = rows.pupil(f"{key} pupil", school=school)
        rows.join(pupil, cls)
        handed = rows.due_work(cls, MON + 9 * H)
        rows.submission(handed, pupil, S.TURNED_IN, turned_in_at=MON + 10 * H)
        for day in (1, 2):  # two pieces missed on Tuesday and Wednesday
            rows.submission(rows.due_work(cls, MON + (24 * day + 9) * H), pupil)
        work[key], pupils[key] = handed.id, pupil.id

    run_checks(session, settings, as_of=MON + (24 + 10) * H + timedelta(minutes=1), rules=["R2"])
    # Turned in Monday 10:00: a school day's window has passed at Oak, not Elm's two days.
    assert open_findings(session, "R2") == {"oak": {work["oak"]}}

    run_checks(session, settings, as_of=MON + (48 + 17) * H, rules=["R3"])
    # Two misses in a row: disengaged where two is the threshold, not where it is three.
    assert open_findings(session, "R3") == {"elm": {pupils["elm"]}}


def test_a_school_closed_this_week_is_judged_on_its_own_last_school_days(
    session: Session,
) -> None:
    rows = Rows(session)
    holiday = CalendarSettings(closed_days=[{"start": date(2026, 3, 9), "end": date(2026, 3, 13)}])
    settings = make_settings(school_settings("oak"), school_settings("elm", calendar=holiday))
    for key in ("oak", "elm"):
        rows.klass(rows.school(key), "7A Maths", teachers=[rows.person(f"{key} teacher")])

    run_checks(session, settings, as_of=datetime.combine(date(2026, 3, 12), time(17), UTC))

    days = session.execute(
        select(School.key, Finding.day)
        .join(School, School.id == Finding.school_id)
        .where(Finding.rule == "R1")
    ).all()
    judged: dict[str, set[date]] = {}
    for key, day in days:
        judged.setdefault(key, set()).add(day)
    assert judged == {
        "oak": {date(2026, 3, 10), date(2026, 3, 11), date(2026, 3, 12)},
        "elm": {date(2026, 3, 4), date(2026, 3, 5), date(2026, 3, 6)},
    }
