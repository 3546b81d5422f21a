"""Storing class snapshots: idempotent, exact counts, soft deletes."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from connector.records import (
    AttendanceRecord,
    LiveLessonRecord,
    MembershipRecord,
    RecordingRecord,
    Role,
    SkippedRecord,
    SubmissionState,
    WorkState,
)
from sync.models import (
    Attendance,
    LiveLesson,
    Membership,
    Person,
    Recording,
    School,
    SchoolClass,
    Submission,
    Work,
)
from sync.registry import ensure_trust_and_schools
from sync.upsert import RowCounts, apply_snapshot, mark_classes_deleted

from .fakes import T0, G, klass, person, settings, snapshot, submission

LATER = T0 + timedelta(days=1)


def _school(session: Session) -> School:
    school = ensure_trust_and_schools(session, settings())["oak"]
    session.commit()
    return school


def _counts(c: RowCounts) -> tuple[int, int, int]:
    return (c.inserted, c.updated, c.deleted)


def _membership(session: Session, pid: str) -> Membership:
    return session.scalars(select(Membership).join(Person).where(Person.platform_id == pid)).one()


def test_reapplying_the_same_snapshot_changes_nothing(session: Session) -> None:
    school = _school(session)
    snap = snapshot("c1", pupils=3, works=2)

    first = apply_snapshot(session, school, snap, now=T0)
    session.commit()
    again = apply_snapshot(session, school, snap, now=LATER)
    session.commit()

    # 1 class + 4 people + 4 memberships + 2 work + 6 submissions
    assert _counts(first) == (17, 0, 0)
    assert _counts(again) == (0, 0, 0)
    assert session.scalar(select(func.count()).select_from(Submission)) == 6


def test_a_changed_submission_updates_only_that_row(session: Session) -> None:
    school = _school(session)
    snap = snapshot("c1")
    apply_snapshot(session, school, snap, now=T0)
    turned_in = replace(snap.submissions[0], state=SubmissionState.TURNED_IN, turned_in_at=LATER)
    snap.submissions[0] = turned_in

    counts = apply_snapshot(session, school, snap, now=LATER)

    assert _counts(counts) == (0, 1, 0)
    row = session.scalars(
        select(Submission).where(Submission.platform_id == turned_in.platform_id)
    ).one()
    assert (row.state, row.turned_in_at, row.synced_at) == (SubmissionState.TURNED_IN, LATER, LATER)


def test_a_pupil_absent_from_a_complete_roster_has_left(session: Session) -> None:
    school = _school(session)
    snap = snapshot("c1", pupils=3)
    apply_snapshot(session, school, snap, now=T0)
    snap.members = [m for m in snap.members if m.person_platform_id != "p2-c1"]

    counts = apply_snapshot(session, school, snap, now=LATER)

    assert _counts(counts) == (0, 0, 1)
    assert _membership(session, "p2-c1").left_at == LATER
    assert _membership(session, "p1-c1").left_at is None


def test_a_pupil_who_comes_back_is_a_member_again(session: Session) -> None:
    school = _school(session)
    snap = snapshot("c1", pupils=2)
    apply_snapshot(session, school, snap, now=T0)
    everyone = list(snap.members)
    snap.members = everyone[:-1]
    apply_snapshot(session, school, snap, now=LATER)
    snap.members = everyone

    counts = apply_snapshot(session, school, snap, now=LATER + timedelta(days=1))

    assert _counts(counts) == (0, 1, 0)
    assert _membership(session, everyone[-1].person_platform_id).left_at is None


def test_an_incomplete_roster_marks_nobody_as_left(session: Session) -> None:
    school = _school(session)
    snap = snapshot("c1", pupils=3)
    apply_snapshot(session, school, snap, now=T0)
    snap.members, snap.roster_complete = [], False

    counts = apply_snapshot(session, school, snap, now=LATER)

    assert _counts(counts) == (0, 0, 0)
    assert _membership(session, "p0-c1").left_at is None


def test_first_roster_members_have_no_join_date_and_later_joiners_do(session: Session) -> None:
    school = _school(session)
    snap = snapshot("c1", pupils=1)
    apply_snapshot(session, school, snap, now=T0)
    snap.members.append(MembershipRecord(G, "c1", "newbie", Role.PUPIL))
    snap.people.append(person("newbie"))

    apply_snapshot(session, school, snap, now=LATER)

    assert _membership(session, "p0-c1").joined_at is None
    assert _membership(session, "newbie").joined_at == LATER


def test_teachers_are_staff_and_pupils_are_not(session: Session) -> None:
    school = _school(session)
    apply_snapshot(session, school, snapshot("c1", pupils=1), now=T0)

    staff = dict(session.execute(select(Person.platform_id, Person.is_staff)).all())

    assert staff == {"t-c1": True, "p0-c1": False}


def test_a_member_without_a_profile_is_still_stored(session: Session) -> None:
    school = _school(session)
    snap = snapshot("c1", pupils=2)
    snap.people = [p for p in snap.people if p.platform_id != "p1-c1"]

    apply_snapshot(session, school, snap, now=T0)

    bare = session.scalars(select(Person).where(Person.platform_id == "p1-c1")).one()
    assert (bare.email, bare.school_id) == (None, school.id)
    assert _membership(session, "p1-c1").left_at is None


def test_work_absent_from_a_complete_list_is_deleted_but_keeps_its_state(
    session: Session,
) -> None:
    school = _school(session)
    snap = snapshot("c1", works=2)
    apply_snapshot(session, school, snap, now=T0)
    snap.work = snap.work[:1]
    snap.submissions = [s for s in snap.submissions if s.work_platform_id == "w0-c1"]

    counts = apply_snapshot(session, school, snap, now=LATER)

    assert _counts(counts) == (0, 0, 1)
    gone = session.scalars(select(Work).where(Work.platform_id == "w1-c1")).one()
    assert (gone.deleted_at, gone.state) == (LATER, WorkState.PUBLISHED)
    kept = session.scalars(select(Work).where(Work.platform_id == "w0-c1")).one()
    assert kept.deleted_at is None


def test_a_submission_for_unknown_work_is_skipped_not_fatal(session: Session) -> None:
    school = _school(session)
    snap = snapshot("c1", pupils=1, works=1)
    snap.submissions.append(submission("c1", "no-such-work", "p0-c1"))
    snap.submissions.append(submission("c1", "w0-c1", "stranger"))

    counts = apply_snapshot(session, school, snap, now=T0)

    assert [(s.platform_id, s.reason) for s in counts.skipped] == [
        ("no-such-work:p0-c1", "unknown work no-such-work"),
        ("w0-c1:stranger", "unknown pupil stranger"),
    ]
    assert session.scalar(select(func.count()).select_from(Submission)) == 1


def test_an_over_long_title_is_cut_to_fit_not_fatal(session: Session) -> None:
    school = _school(session)
    snap = snapshot("c1", pupils=1, works=1)
    snap.work[0] = replace(snap.work[0], title="x" * 5000)

    apply_snapshot(session, school, snap, now=T0)
    again = apply_snapshot(session, school, snap, now=LATER)

    assert len(session.scalars(select(Work.title)).one()) == 1024
    assert _counts(again) == (0, 0, 0)


def test_a_big_class_is_stored_and_resynced_quickly(session: Session) -> None:
    school = _school(session)
    snap = snapshot("big", pupils=30, works=200)

    started = time.perf_counter()
    first = apply_snapshot(session, school, snap, now=T0)
    session.commit()
    again = apply_snapshot(session, school, snap, now=LATER)
    session.commit()
    elapsed = time.perf_counter() - started

    assert first.inserted == 1 + 31 + 31 + 200 + 6000
    assert _counts(again) == (0, 0, 0)
    assert elapsed < 20, f"took {elapsed:.1f}s"


def test_classes_no_longer_listed_are_marked_deleted(session: Session) -> None:
    school = _school(session)
    for cid in ("c1", "c2"):
        apply_snapshot(session, school, snapshot(cid, pupils=1, works=0), now=T0)

    deleted = mark_classes_deleted(session, school, ["c1"], LATER)
    again = mark_classes_deleted(session, school, ["c1"], LATER + timedelta(days=1))

    assert (deleted, again) == (1, 0)
    rows = dict(session.execute(select(SchoolClass.platform_id, SchoolClass.deleted_at)).all())
    assert rows == {"c1": None, "c2": LATER}


def test_a_deleted_class_that_reappears_is_restored(session: Session) -> None:
    school = _school(session)
    apply_snapshot(session, school, snapshot("c1", pupils=1, works=0), now=T0)
    mark_classes_deleted(session, school, [], LATER)

    snap = snapshot("c1", pupils=1, works=0)
    snap.klass = klass("c1", "Renamed")
    counts = apply_snapshot(session, school, snap, now=LATER)

    row = session.scalars(select(SchoolClass)).one()
    assert (row.deleted_at, row.name, counts.updated) == (None, "Renamed", 1)


def test_lessons_attendance_and_recordings_are_stored_once(session: Session) -> None:
    school = _school(session)
    snap = snapshot("c1", pupils=1, works=0)
    snap.lessons = [
        LiveLessonRecord(G, "m1", "c1", "t-c1", None, T0, T0 + timedelta(hours=1), "abc-defg")
    ]
    snap.attendance = [
        AttendanceRecord(G, "m1", "p0-c1", None, Role.PUPIL, 1800),
        AttendanceRecord(G, "m1", None, "guest@else.example", None, 60),
        AttendanceRecord(G, "m1", None, None, None, 5),
    ]
    snap.recordings = [RecordingRecord(G, "r1", "m1", T0, T0 + timedelta(hours=1))]

    first = apply_snapshot(session, school, snap, now=T0)
    snap.attendance[0] = replace(snap.attendance[0], seconds=2400)
    again = apply_snapshot(session, school, snap, now=LATER)

    # class + 2 people + 2 memberships + lesson + 2 attendance + recording
    assert _counts(first) == (9, 0, 0)
    assert [s.reason for s in first.skipped] == ["no participant id or email"]
    assert _counts(again) == (0, 1, 0)
    lesson = session.scalars(select(LiveLesson)).one()
    assert lesson.class_id is not None and lesson.organiser_id is not None
    seconds = session.execute(
        select(Attendance.participant_key, Attendance.seconds).order_by(Attendance.seconds)
    ).all()
    assert [tuple(r) for r in seconds] == [("guest@else.example", 60), ("p0-c1", 2400)]
    assert session.scalar(select(func.count()).select_from(Recording)) == 1


def test_work_moved_to_another_class_is_moved_not_duplicated(session: Session) -> None:
    school = _school(session)
    first = snapshot("c1", pupils=1, works=1)
    apply_snapshot(session, school, first, now=T0)
    second = snapshot("c2", pupils=0, works=0)
    second.members += [m for m in first.members if m.role is Role.PUPIL]
    second.work = [replace(first.work[0], class_platform_id="c2")]
    second.submissions = [replace(s, class_platform_id="c2") for s in first.submissions]

    counts = apply_snapshot(session, school, second, now=LATER)

    # class + teacher + 2 memberships inserted; the work and its submission moved
    assert _counts(counts) == (4, 2, 0)
    moved = session.execute(
        select(SchoolClass.platform_id).join(Work, Work.class_id == SchoolClass.id)
    ).scalar_one()
    assert moved == "c2"
    assert session.scalar(select(func.count()).select_from(Submission)) == 1


def _deleted(session: Session) -> set[str]:
    return set(
        session.scalars(select(Submission.platform_id).where(Submission.deleted_at.is_not(None)))
    )


def test_a_submission_a_complete_list_no_longer_holds_is_deleted_and_comes_back_if_listed(
    session: Session,
) -> None:
    school = _school(session)
    snap = snapshot("c1", pupils=2, works=2)
    apply_snapshot(session, school, snap, now=T0)
    everything = list(snap.submissions)
    snap.submissions = [s for s in everything if s.pupil_platform_id != "p1-c1"]
    snap.submissions_complete = True

    counts = apply_snapshot(session, school, snap, now=LATER)
    assert _counts(counts) == (0, 0, 2)
    assert _deleted(session) == {"w0-c1:p1-c1", "w1-c1:p1-c1"}

    snap.submissions = everything
    apply_snapshot(session, school, snap, now=LATER + timedelta(hours=1))
    assert _deleted(session) == set()


def test_only_the_work_whose_submissions_were_listed_loses_unlisted_ones(
    session: Session,
) -> None:
    school = _school(session)
    snap = snapshot("c1", pupils=2, works=2)
    apply_snapshot(session, school, snap, now=T0)
    snap.submissions = [s for s in snap.submissions if s.pupil_platform_id != "p1-c1"]
    snap.submissions_complete_work = ["w1-c1"]

    apply_snapshot(session, school, snap, now=LATER)

    assert _deleted(session) == {"w1-c1:p1-c1"}


def test_an_incomplete_or_unreadable_submission_list_deletes_nothing(session: Session) -> None:
    school = _school(session)
    snap = snapshot("c1", pupils=2, works=1)
    apply_snapshot(session, school, snap, now=T0)
    snap.submissions = [s for s in snap.submissions if s.pupil_platform_id != "p1-c1"]

    apply_snapshot(session, school, snap, now=LATER)  # a partial (incremental) list
    snap.submissions_complete = True
    snap.skipped = [SkippedRecord(G, "submission", "w0-c1:p1-c1", "malformed")]
    apply_snapshot(session, school, snap, now=LATER)  # complete, but that one unreadable

    assert _deleted(session) == set()
