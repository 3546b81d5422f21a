"""Platform-neutral records: what every connector yields and what ``sync/`` stores.

A record says what the platform says, in our words. Google's ``TURNED_IN`` and Teams'
``submitted`` both arrive as ``SubmissionState.TURNED_IN``; nothing above ``connector/``
needs to know which platform a row came from except to build a link back to it.

All datetimes are timezone-aware UTC. ``platform_id`` is the platform's own identifier,
unique together with ``platform``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


class Platform(enum.StrEnum):
    GOOGLE = "google"
    MICROSOFT = "microsoft"


class Role(enum.StrEnum):
    """A person's role in one class."""

    TEACHER = "teacher"
    PUPIL = "pupil"


class ClassState(enum.StrEnum):
    """Google course states and Teams class lifecycle, folded together."""

    ACTIVE = "active"
    ARCHIVED = "archived"
    PROVISIONED = "provisioned"
    DECLINED = "declined"
    SUSPENDED = "suspended"


class WorkKind(enum.StrEnum):
    """What a teacher posted. ``ASSIGNMENT`` and ``QUESTION`` expect a submission."""

    ASSIGNMENT = "assignment"
    QUESTION = "question"
    MATERIAL = "material"
    ANNOUNCEMENT = "announcement"


class WorkState(enum.StrEnum):
    """``SCHEDULED`` is a draft with a future publish time; it goes live by itself."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    DELETED = "deleted"


class SubmissionState(enum.StrEnum):
    """One pupil's copy of one piece of work.

    ``ASSIGNED`` covers Google NEW/CREATED and Teams ``working``; ``RECLAIMED`` is a
    pupil taking work back (Google RECLAIMED_BY_STUDENT, Teams ``reassigned`` is
    ``RETURNED`` with a reassigned time); ``EXCUSED`` is Teams ``excused``.
    """

    ASSIGNED = "assigned"
    TURNED_IN = "turned_in"
    RETURNED = "returned"
    RECLAIMED = "reclaimed"
    EXCUSED = "excused"


@dataclass(frozen=True, slots=True)
class SchoolRecord:
    """A school as the platform knows it (Graph educationSchool; Google has none)."""

    platform: Platform
    platform_id: str
    name: str


@dataclass(frozen=True, slots=True)
class PersonRecord:
    platform: Platform
    platform_id: str
    email: str | None
    given_name: str | None
    family_name: str | None
    full_name: str | None


@dataclass(frozen=True, slots=True)
class ClassRecord:
    platform: Platform
    platform_id: str
    name: str
    section: str | None
    state: ClassState
    owner_platform_id: str | None
    alternate_link: str | None
    created_at: datetime | None
    updated_at: datetime | None
    # Where this class's live lessons are found: a Google calendar id or a Teams group id.
    calendar_ref: str | None = None
    # Graph classes belong to schools; Google courses are mapped to a school by config.
    school_platform_id: str | None = None


@dataclass(frozen=True, slots=True)
class MembershipRecord:
    platform: Platform
    class_platform_id: str
    person_platform_id: str
    role: Role


@dataclass(frozen=True, slots=True)
class WorkRecord:
    platform: Platform
    platform_id: str
    class_platform_id: str
    kind: WorkKind
    state: WorkState
    title: str
    created_at: datetime | None
    updated_at: datetime | None
    # When pupils could first see it: the publish time, or the scheduled time once it is live.
    published_at: datetime | None
    scheduled_at: datetime | None
    due_at: datetime | None
    alternate_link: str | None
    creator_platform_id: str | None
    topic: str | None = None
    max_points: float | None = None


@dataclass(frozen=True, slots=True)
class SubmissionRecord:
    platform: Platform
    platform_id: str
    class_platform_id: str
    work_platform_id: str
    pupil_platform_id: str
    state: SubmissionState
    late: bool
    graded: bool
    turned_in_at: datetime | None
    returned_at: datetime | None
    updated_at: datetime | None
    alternate_link: str | None = None


@dataclass(frozen=True, slots=True)
class LiveLessonRecord:
    """One held meeting (a Meet conference record, a Teams meeting occurrence)."""

    platform: Platform
    platform_id: str
    class_platform_id: str | None
    organiser_platform_id: str | None
    title: str | None
    started_at: datetime
    ended_at: datetime | None
    join_ref: str | None = None  # Meet meeting code or Teams join URL


@dataclass(frozen=True, slots=True)
class AttendanceRecord:
    platform: Platform
    lesson_platform_id: str
    person_platform_id: str | None
    email: str | None
    role: Role | None
    seconds: int
    first_joined_at: datetime | None = None
    last_left_at: datetime | None = None
    # The platform's own name for this participant (Meet ``conferenceRecords/…/participants/…``):
    # the key for anonymous and phone participants, who have neither a user id nor an email.
    participant_ref: str | None = None


@dataclass(frozen=True, slots=True)
class RecordingRecord:
    platform: Platform
    platform_id: str
    lesson_platform_id: str
    started_at: datetime | None
    ended_at: datetime | None
    size_bytes: int | None = None


@dataclass(frozen=True, slots=True)
class LessonClass:
    """What a lesson source needs to know about one stored class to find its lessons."""

    platform_id: str
    calendar_ref: str | None  # Google course calendarId / Teams group id
    # Who may read the class's calendar, the owner first (Google: impersonated in turn).
    teacher_emails: tuple[str, ...] = ()
    teacher_ids: frozenset[str] = frozenset()
    pupil_ids: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class StaffMember:
    """A member of staff whose own calls are listed too (calls with no class event: 1:1s)."""

    platform_id: str
    email: str


@dataclass(frozen=True, slots=True)
class SkippedRecord:
    """A record the connector could not read. Logged and counted, never fatal."""

    platform: Platform
    resource: str
    platform_id: str | None
    reason: str


@dataclass(slots=True)
class ClassSnapshot:
    """Everything read for one class in one pass: the unit a sync commits."""

    klass: ClassRecord
    members: list[MembershipRecord] = field(default_factory=list)
    people: list[PersonRecord] = field(default_factory=list)
    work: list[WorkRecord] = field(default_factory=list)
    submissions: list[SubmissionRecord] = field(default_factory=list)
    lessons: list[LiveLessonRecord] = field(default_factory=list)
    attendance: list[AttendanceRecord] = field(default_factory=list)
    recordings: list[RecordingRecord] = field(default_factory=list)
    skipped: list[SkippedRecord] = field(default_factory=list)
    # True when the roster was read in full, so members absent here have left.
    roster_complete: bool = True
    # True when the class's work list was read in full, so work absent here was deleted.
    work_complete: bool = True
    # Submission lists read in full: of the whole class (``submissions_complete``) or of
    # these pieces of work. A stored submission absent from one is no longer shown by the
    # platform (Classroom drops a pupil's work from a course the pupil left).
    submissions_complete: bool = False
    submissions_complete_work: list[str] = field(default_factory=list)
    # New cursor values (stream name -> opaque value) to store with this class's rows.
    cursor: dict[str, str] = field(default_factory=dict)
    # Work the platform says no longer exists (404 when read by id), even though the
    # work list was not read in full (an incremental read): stored as deleted.
    gone_work: list[str] = field(default_factory=list)


@dataclass(slots=True)
class LessonSnapshot:
    """Live lessons read for one school in one pass (or one part of it): a unit of commit.

    A source yields several; only the last carries ``cursor`` (stream -> value), set once
    the whole read completed, so a cursor is never stored ahead of the rows it covers.
    """

    lessons: list[LiveLessonRecord] = field(default_factory=list)
    attendance: list[AttendanceRecord] = field(default_factory=list)
    recordings: list[RecordingRecord] = field(default_factory=list)
    skipped: list[SkippedRecord] = field(default_factory=list)
    cursor: dict[str, str] = field(default_factory=dict)
