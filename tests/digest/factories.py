"""Row factories for the digest tests: pupils, due work, submissions, lessons, findings."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from config.digest import TrustDigestSettings
from config.settings import SchoolSettings, Settings, TrustSettings
from connector.records import Platform, Role, WorkKind, WorkState
from sync.models import (
    Attendance,
    Finding,
    LiveLesson,
    Membership,
    Person,
    PupilAttribute,
    Recording,
    School,
    SchoolClass,
    Work,
)
from tests.jobs.factories import SYNCED, Factory


def at(day: int, hour: int = 9, minute: int = 0, month: int = 11) -> datetime:
    """An instant in November 2026 (London is on UTC then)."""
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def settings(*schools: SchoolSettings, trust_leaders: tuple[str, ...] = ()) -> Settings:
    return Settings(
        trust=TrustSettings(
            key="oaks", name="Oaks Trust", digest=TrustDigestSettings(leaders=list(trust_leaders))
        ),
        schools=list(schools),
    )


def school_settings(key: str = "oak", **kw: Any) -> SchoolSettings:
    kw.setdefault("leaders", ["head@oak.sch.uk"])
    return SchoolSettings(
        key=key,
        name=kw.pop("name", "Oak Primary"),
        platform="microsoft",  # type: ignore[arg-type]
        **kw,
    )


class DigestFactory(Factory):
    """The jobs factory plus the rows a digest reads."""

    def school_named(self, key: str, name: str) -> School:
        row = self.school(key)
        row.name = name
        return row

    def pupil(self, name: str, school: School, email: str | None = None) -> Person:
        address = email or f"{name.split()[0].lower()}@pupils.example"
        return self.person(name, address, school=school, staff=False)

    def enrol(self, pupil: Person, cls: SchoolClass) -> None:
        self._add(Membership(class_id=cls.id, person_id=pupil.id, role=Role.PUPIL))

    def due_work(
        self, cls: SchoolClass, published_at: datetime, due_at: datetime | None = None
    ) -> Work:
        return self._add(  # type: ignore[no-any-return]
            Work(
                platform=Platform.MICROSOFT,
                platform_id=self._pid(),
                synced_at=SYNCED,
                class_id=cls.id,
                kind=WorkKind.ASSIGNMENT,
                state=WorkState.PUBLISHED,
                title="Worksheet",
                published_at=published_at,
                due_at=due_at,
            )
        )

    def lesson(
        self,
        cls: SchoolClass,
        started_at: datetime,
        *,
        recorded: bool = False,
        attendees: tuple[Person, ...] = (),
    ) -> LiveLesson:
        lesson = self._add(
            LiveLesson(
                platform=Platform.MICROSOFT,
                platform_id=self._pid(),
                synced_at=SYNCED,
                school_id=cls.school_id,
                class_id=cls.id,
                started_at=started_at,
                ended_at=started_at.replace(hour=started_at.hour + 1),
            )
        )
        if recorded:
            self._add(
                Recording(
                    platform=Platform.MICROSOFT,
                    platform_id=self._pid(),
                    synced_at=SYNCED,
                    lesson_id=lesson.id,
                )
            )
        for p in attendees:
            self._add(
                Attendance(
                    lesson_id=lesson.id,
                    person_id=p.id,
                    participant_key=p.platform_id,
                    role=Role.TEACHER if p.is_staff else Role.PUPIL,
                    seconds=1800,
                )
            )
        return lesson  # type: ignore[no-any-return]

    def finding(
        self,
        rule: str,
        school: School,
        *,
        first_seen_at: datetime,
        resolved_at: datetime | None = None,
        day: date | None = None,
        cls: SchoolClass | None = None,
        pupil: Person | None = None,
        lesson: LiveLesson | None = None,
        evidence: dict[str, Any] | None = None,
    ) -> Finding:
        key = f"{rule}:{self._pid()}"
        return self._add(  # type: ignore[no-any-return]
            Finding(
                key=key,
                rule=rule,
                school_id=school.id,
                day=day,
                class_id=cls.id if cls else None,
                pupil_id=pupil.id if pupil else None,
                lesson_id=lesson.id if lesson else None,
                evidence=evidence or {},
                first_seen_at=first_seen_at,
                last_seen_at=first_seen_at,
                resolved_at=resolved_at,
            )
        )

    def attributes(self, pupil: Person, school: School, **flags: Any) -> PupilAttribute:
        return self._add(  # type: ignore[no-any-return]
            PupilAttribute(
                school_id=school.id,
                person_id=pupil.id,
                imported_at=SYNCED,
                **flags,
            )
        )
