"""Small row factories for the jobs tests: just enough store to judge, nudge and send."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from config.settings import R1Settings, SchoolSettings, Settings, TrustSettings
from connector.records import ClassState, Platform, Role, SubmissionState, WorkKind, WorkState
from sync.models import Membership, Person, School, SchoolClass, Submission, Trust, Work

SYNCED = datetime(2026, 1, 1, tzinfo=UTC)


def make_settings(*schools: SchoolSettings) -> Settings:
    return Settings(
        trust=TrustSettings(key="oaks", name="Oaks Trust"),
        schools=list(schools) or [school_settings()],
    )


def school_settings(key: str = "oak", r1: R1Settings | None = None, **kw: Any) -> SchoolSettings:
    return SchoolSettings(
        key=key,
        name=kw.pop("name", "Oak Primary"),
        platform="microsoft",  # type: ignore[arg-type]
        r1=r1 or R1Settings(),
        **kw,
    )


class Factory:
    """Adds rows to ``session`` and flushes, so ids are there to use."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._ids = itertools.count(1000)
        self._trust: Trust | None = None

    def _pid(self) -> str:
        return str(next(self._ids))

    def _add(self, row: Any) -> Any:
        self.session.add(row)
        self.session.flush()
        return row

    def school(self, key: str = "oak", time_zone: str = "Europe/London") -> School:
        if self._trust is None:
            self._trust = self._add(Trust(key="oaks", name="Oaks Trust"))
        return self._add(  # type: ignore[no-any-return]
            School(
                trust_id=self._trust.id,
                key=key,
                name=f"{key} school",
                platform="microsoft",
                time_zone=time_zone,
            )
        )

    def person(
        self,
        name: str = "Ann Teacher",
        email: str | None = "ann@oak.sch.uk",
        *,
        school: School | None = None,
        staff: bool = True,
    ) -> Person:
        return self._add(  # type: ignore[no-any-return]
            Person(
                platform=Platform.MICROSOFT,
                platform_id=self._pid(),
                synced_at=SYNCED,
                school_id=school.id if school else None,
                email=email,
                full_name=name,
                is_staff=staff,
            )
        )

    def klass(
        self,
        school: School,
        name: str = "7A Maths",
        *,
        teachers: Iterable[Person] = (),
        state: ClassState = ClassState.ACTIVE,
        link: str | None = "https://classroom.example/c/1",
        deleted_at: datetime | None = None,
        created_at: datetime | None = None,
    ) -> SchoolClass:
        cls = self._add(
            SchoolClass(
                platform=Platform.MICROSOFT,
                platform_id=self._pid(),
                synced_at=SYNCED,
                school_id=school.id,
                name=name,
                state=state,
                alternate_link=link,
                deleted_at=deleted_at,
                created_at=created_at,
            )
        )
        for t in teachers:
            self.teach(t, cls)
        return cls  # type: ignore[no-any-return]

    def teach(self, person: Person, cls: SchoolClass, *, left_at: datetime | None = None) -> None:
        self._add(
            Membership(class_id=cls.id, person_id=person.id, role=Role.TEACHER, left_at=left_at)
        )

    def work(
        self,
        cls: SchoolClass,
        published_at: datetime | None,
        *,
        kind: WorkKind = WorkKind.ASSIGNMENT,
        state: WorkState = WorkState.PUBLISHED,
        scheduled_at: datetime | None = None,
        deleted_at: datetime | None = None,
        title: str = "Read chapter 3",
    ) -> Work:
        return self._add(  # type: ignore[no-any-return]
            Work(
                platform=Platform.MICROSOFT,
                platform_id=self._pid(),
                synced_at=SYNCED,
                class_id=cls.id,
                kind=kind,
                state=state,
                title=title,
                published_at=published_at,
                scheduled_at=scheduled_at,
                deleted_at=deleted_at,
            )
        )

    def submission(
        self,
        work: Work,
        pupil: Person,
        state: SubmissionState = SubmissionState.ASSIGNED,
        *,
        turned_in_at: datetime | None = None,
        returned_at: datetime | None = None,
        graded: bool = False,
        updated_at: datetime | None = None,
    ) -> Submission:
        return self._add(  # type: ignore[no-any-return]
            Submission(
                platform=Platform.MICROSOFT,
                platform_id=self._pid(),
                synced_at=SYNCED,
                work_id=work.id,
                class_id=work.class_id,
                pupil_id=pupil.id,
                state=state,
                graded=graded,
                turned_in_at=turned_in_at,
                returned_at=returned_at,
                updated_at=updated_at,
            )
        )
