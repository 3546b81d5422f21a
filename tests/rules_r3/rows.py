"""Row factories for the R3 and R4 tests: pupils in classes over time, their work and
submissions, live lessons with attendance and recordings."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from connector.records import Platform, Role, SubmissionState, WorkKind
from sync.models import (
    Attendance,
    LiveLesson,
    Membership,
    Person,
    Recording,
    School,
    SchoolClass,
    Work,
)
from tests.jobs.factories import SYNCED, Factory

S = SubmissionState


class Rows(Factory):
    """:class:`tests.jobs.factories.Factory` plus the rows R3 and R4 read."""

    def pupil(self, name: str = "Pia Pupil", school: School | None = None) -> Person:
        return self.person(name, None, school=school, staff=False)

    def join(
        self,
        pupil: Person,
        cls: SchoolClass,
        *,
        joined_at: datetime | None = None,
        left_at: datetime | None = None,
    ) -> Membership:
        return self._add(  # type: ignore[no-any-return]
            Membership(
                class_id=cls.id,
                person_id=pupil.id,
                role=Role.PUPIL,
                joined_at=joined_at,
                left_at=left_at,
            )
        )

    def due_work(self, cls: SchoolClass, due_at: datetime, *, title: str = "Task") -> Work:
        w = self.work(cls, due_at - timedelta(days=1), kind=WorkKind.ASSIGNMENT, title=title)
        w.due_at = due_at
        self.session.flush()
        return w

    def lesson(
        self,
        school: School,
        start: datetime,
        *,
        minutes: float = 40,
        cls: SchoolClass | None = None,
        organiser: Person | None = None,
        title: str | None = "Live lesson",
        attendees: Iterable[Person] = (),
        guests: int = 0,
        recorded: bool = False,
    ) -> LiveLesson:
        le: LiveLesson = self._add(
            LiveLesson(
                platform=Platform.MICROSOFT,
                platform_id=self._pid(),
                synced_at=SYNCED,
                school_id=school.id,
                class_id=cls.id if cls else None,
                organiser_id=organiser.id if organiser else None,
                title=title,
                started_at=start,
                ended_at=start + timedelta(minutes=minutes),
            )
        )
        for p in attendees if organiser is None else [organiser, *attendees]:
            self.attend(le, p)
        for n in range(guests):
            self._add(Attendance(lesson_id=le.id, participant_key=f"guest{n}", seconds=600))
        if recorded:
            self._add(
                Recording(
                    platform=Platform.MICROSOFT,
                    platform_id=self._pid(),
                    synced_at=SYNCED,
                    lesson_id=le.id,
                )
            )
        return le

    def attend(self, lesson: LiveLesson, person: Person) -> None:
        self._add(
            Attendance(
                lesson_id=lesson.id,
                person_id=person.id,
                participant_key=person.platform_id,
                seconds=600,
                first_joined_at=lesson.started_at,
            )
        )

