"""The digest's numbers, measured over a store built from factories (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from connector.records import SubmissionState as S
from jobs.calendar import SchoolCalendar
from jobs.digest_content import headlines
from jobs.digest_report import SchoolWeek, measure_week
from jobs.digest_week import Week
from sync.models import School
from tests.digest.factories import DigestFactory, at, school_settings

SCHOOL = school_settings()
CALENDAR = SchoolCalendar.for_school(SCHOOL)
W48 = Week(2026, 48)  # Monday 23 – Sunday 29 November 2026
FRIDAY_3PM = at(27, 15)


def measure(session: Session, row: School, week: Week = W48) -> SchoolWeek:
    return measure_week(session, row, SCHOOL, CALENDAR, week, now=FRIDAY_3PM)


def test_it_counts_work_posted_handed_in_marked_and_lessons_held_in_the_week(
    session: Session, make: DigestFactory
) -> None:
    school = make.school()
    ann = make.person("Ann Teacher", "ann@oak.sch.uk", school=school)
    maths = make.klass(school, "7A Maths", teachers=[ann])
    make.klass(school, "7A Art", teachers=[ann])  # posts nothing all week
    pupils = [make.pupil(f"Pupil{i} Smith", school) for i in range(4)]
    for p in pupils:
        make.enrol(p, maths)
    for day in (23, 24, 25, 26, 27):
        make.due_work(maths, at(day, 8), at(day, 17))
    monday = make.due_work(maths, at(23, 9), at(23, 17))
    # Three of four hand in Monday's work; two are returned the next morning (7 working
    # hours: 12:00-17:00 and 08:00-10:00), one is returned two days later (outside 9 h).
    make.submission(monday, pupils[0], S.RETURNED, turned_in_at=at(23, 12), returned_at=at(24, 10))
    make.submission(monday, pupils[1], S.RETURNED, turned_in_at=at(23, 12), returned_at=at(24, 10))
    make.submission(monday, pupils[2], S.RETURNED, turned_in_at=at(23, 12), returned_at=at(26, 12))
    make.submission(monday, pupils[3])
    make.submission(make.due_work(maths, at(24, 9), at(24, 17)), pupils[0], S.EXCUSED)
    make.submission(
        make.due_work(maths, at(25, 9), at(25, 17)), pupils[1], S.TURNED_IN, turned_in_at=at(25, 10)
    )
    make.lesson(maths, at(24, 10), recorded=True, attendees=(ann, pupils[0], pupils[1]))
    make.lesson(maths, at(26, 10), attendees=(ann, pupils[0]))
    make.lesson(maths, at(16, 10), recorded=True)  # last week: not counted

    w = measure(session, school)

    # Friday's cut-off (16:00) has not passed at 15:00: four days are judged.
    assert [d.day for d in w.days] == [date(2026, 11, d) for d in (23, 24, 25, 26)]
    assert [(d.expected, d.posted) for d in w.days] == [(2, 1)] * 4
    assert (w.r1.part, w.r1.whole) == (4, 8)
    assert w.work_items == 8
    assert (w.submissions.part, w.submissions.whole) == (4, 5)  # the excused copy is aside
    assert w.marking.marked == 3
    assert w.marking.median_hours == 7.0
    assert w.marking.within_window == 2
    assert w.marking.waiting == 1
    assert (w.lessons.held, w.lessons.recorded) == (2, 1)
    assert (w.lessons.attended, w.lessons.expected) == (3, 8)


def test_it_shows_the_change_from_last_week(session: Session, make: DigestFactory) -> None:
    school = make.school()
    maths = make.klass(school, "7A Maths")
    pupil = make.pupil("Sam Jones", school)
    make.enrol(pupil, maths)
    make.submission(make.due_work(maths, at(16, 9), at(16, 17)), pupil)  # last week: missed
    make.submission(make.due_work(maths, at(17, 9), at(17, 17)), pupil)
    done = make.due_work(maths, at(23, 9), at(23, 17))
    make.submission(done, pupil, S.TURNED_IN, turned_in_at=at(23, 10))
    make.finding("R3", school, first_seen_at=at(18, 17), resolved_at=at(23, 17), pupil=pupil)

    this, last = measure(session, school), measure(session, school, W48.previous())
    lines = {h["label"]: h for h in headlines(this, last)}

    assert lines["Work handed in"]["value"] == "100% (1 of 1 due)"
    assert lines["Work handed in"]["change"] == "+100 pts"
    assert lines["Disengaged pupils"]["value"] == "0 (0 new, 1 re-engaged)"
    assert lines["Disengaged pupils"]["change"] == "\u22121"


def test_disengaged_pupils_are_new_still_or_reengaged(
    session: Session, make: DigestFactory
) -> None:
    school = make.school()
    new, still, back, gone = (
        make.pupil(n, school) for n in ("Ava New", "Ben Still", "Cal Back", "Dan Old")
    )
    make.finding(
        "R3",
        school,
        first_seen_at=at(24, 17),
        pupil=new,
        evidence={"signals": [{"signal": "missed_work", "class_id": 1}]},
    )
    make.finding(
        "R3",
        school,
        first_seen_at=at(10, 17),
        pupil=still,
        evidence={"signals": [{"signal": "inactive"}]},
    )
    make.finding("R3", school, first_seen_at=at(10, 17), resolved_at=at(25, 17), pupil=back)
    make.finding("R3", school, first_seen_at=at(2, 17), resolved_at=at(12, 17), pupil=gone)

    trend = measure(session, school).trend

    assert [(p.name, p.signals) for p in trend.new] == [("Ava New", ("missed work in a row",))]
    assert [(p.name, p.signals) for p in trend.still] == [("Ben Still", ("no activity for days",))]
    assert [p.name for p in trend.reengaged] == ["Cal Back"]
    assert trend.now == 2


def test_classes_and_teachers_with_the_most_open_findings_come_first(
    session: Session, make: DigestFactory
) -> None:
    school = make.school()
    ann = make.person("Ann Teacher", "ann@oak.sch.uk", school=school)
    bob = make.person("Bob Teacher", "bob@oak.sch.uk", school=school)
    maths = make.klass(school, "7A Maths", teachers=[ann])
    art = make.klass(school, "7A Art", teachers=[ann, bob])
    pupil = make.pupil("Sam Jones", school)
    for day in (23, 24):
        make.finding("R1", school, first_seen_at=at(day, 17), day=date(2026, 11, day), cls=maths)
    make.finding("R2", school, first_seen_at=at(24, 17), cls=art)
    make.finding("R1", school, first_seen_at=at(23, 17), resolved_at=at(24, 8), cls=art)
    # About pupils or for the safeguarding lead: not a class's tally.
    make.finding("R3", school, first_seen_at=at(24, 17), cls=art, pupil=pupil)
    make.finding("R4-1to1", school, first_seen_at=at(24, 17), cls=art, pupil=pupil)

    w = measure(session, school)

    assert [(r.name, r.count, r.rules) for r in w.top_classes] == [
        ("7A Maths", 2, (("R1", 2),)),
        ("7A Art", 1, (("R2", 1),)),
    ]
    assert [(r.name, r.count) for r in w.top_teachers] == [("Ann Teacher", 3), ("Bob Teacher", 1)]
    assert w.one_to_one == 1


def test_group_breakdowns_appear_only_when_the_school_imported_attributes(
    session: Session, make: DigestFactory
) -> None:
    school = make.school()
    maths = make.klass(school, "7A Maths")
    ava, ben, cal = (make.pupil(n, school) for n in ("Ava A", "Ben B", "Cal C"))
    work = make.due_work(maths, at(23, 9), at(23, 17))
    for p in (ava, ben, cal):
        make.enrol(p, maths)
    make.submission(work, ava, S.TURNED_IN, turned_in_at=at(23, 10))
    make.submission(work, ben)
    make.submission(work, cal)
    make.finding("R3", school, first_seen_at=at(24, 17), pupil=ben)

    assert measure(session, school).groups == []

    make.attributes(ben, school, send=True, pupil_premium=True)
    make.attributes(ava, school, pupil_premium=True, eal=True)
    groups = {g.label: g for g in measure(session, school).groups}

    assert list(groups) == ["All pupils", "SEND", "Pupil premium", "EAL", "Vulnerable"]
    assert (groups["All pupils"].pupils, groups["All pupils"].disengaged) == (3, 1)
    assert groups["All pupils"].submissions.share == 1 / 3
    assert (groups["SEND"].pupils, groups["SEND"].disengaged) == (1, 1)
    assert groups["SEND"].submissions.share == 0
    assert (groups["Pupil premium"].pupils, groups["Pupil premium"].submissions.share) == (2, 0.5)
    assert (groups["Vulnerable"].pupils, groups["Vulnerable"].submissions.whole) == (0, 0)
