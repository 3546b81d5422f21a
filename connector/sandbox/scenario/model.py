"""The synthetic trust the sandbox serves, and the findings each rule must produce on it.

A scenario is a platform-neutral timeline: who teaches and learns where, what was posted
and when, who turned what in, which lessons were held. Ids are already in the format of
the school's platform (Google: numeric strings; Microsoft: GUIDs), so the sandbox serves
them as they are and the ground truth can be compared with stored ``platform_id`` values.

All datetimes are timezone-aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from connector.records import Platform, Role, SubmissionState, WorkKind, WorkState


@dataclass(slots=True)
class SchoolSpec:
    id: str  # our config id, e.g. "oakfield"
    name: str
    platform: Platform
    time_zone: str  # IANA, e.g. "Europe/London"
    domain: str  # email domain, e.g. "oakfield.sch.uk"
    admin_email: str  # the identity a connector impersonates / the tenant admin
    nation: str = "england"
    # Class-name regexes the school marks as daily for R1; everything else is exempt.
    daily_patterns: list[str] = field(default_factory=list)
    r1_cutoff: time = time(16, 0)
    r1_min_items: int = 1
    platform_school_id: str | None = None  # Graph educationSchool id
    # The school's calendar (connector.sandbox.scenario.calendars): the term, when it is
    # known (days outside it are holidays), INSET days, and a closure period.
    term: tuple[date, date] | None = None
    inset_days: list[date] = field(default_factory=list)
    closure: ClosureSpec | None = None


@dataclass(slots=True)
class ClosureSpec:
    """School days the building is shut and pupils learn at home: every class is daily
    for R1 and needs ``r1_min_items`` pieces of work a day."""

    start: date
    end: date
    r1_min_items: int


@dataclass(slots=True)
class PersonSpec:
    id: str  # platform user id
    school_id: str
    email: str
    given_name: str
    family_name: str
    is_staff: bool
    # A pupil's guardians' emails; None: the Google sandbox derives one or two from the id.
    guardian_emails: list[str] | None = None


@dataclass(slots=True)
class MembershipSpec:
    person_id: str
    role: Role
    joined_at: datetime
    left_at: datetime | None = None  # None: still a member at the scenario's end


@dataclass(slots=True)
class ClassSpec:
    id: str  # platform class/course id
    school_id: str
    name: str
    section: str | None
    subject: str
    year_group: int | None
    owner_id: str
    created_at: datetime
    members: list[MembershipSpec] = field(default_factory=list)
    daily: bool = True  # what the school's config says; the generator keeps both in step
    calendar_id: str | None = None  # Google course calendarId / Teams group id
    archived: bool = False

    def teacher_ids(self) -> list[str]:
        return [m.person_id for m in self.members if m.role is Role.TEACHER]

    def pupil_ids(self) -> list[str]:
        return [m.person_id for m in self.members if m.role is Role.PUPIL]


@dataclass(slots=True)
class WorkSpec:
    id: str
    class_id: str
    creator_id: str
    kind: WorkKind
    state: WorkState  # state at the scenario's end, as the API will report it
    title: str
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None  # when pupils saw it (scheduled posts: their go-live)
    scheduled_at: datetime | None = None
    due_at: datetime | None = None
    topic: str | None = None
    max_points: float | None = None


@dataclass(slots=True)
class SubmissionEvent:
    """One step of a submission's history, for submissionHistory / Teams dates."""

    at: datetime
    state: SubmissionState
    actor_id: str
    grade: float | None = None


@dataclass(slots=True)
class SubmissionSpec:
    id: str
    work_id: str
    class_id: str
    pupil_id: str
    state: SubmissionState  # at the scenario's end
    created_at: datetime
    updated_at: datetime
    late: bool = False
    assigned_grade: float | None = None
    draft_grade: float | None = None
    turned_in_at: datetime | None = None
    returned_at: datetime | None = None
    history: list[SubmissionEvent] = field(default_factory=list)


@dataclass(slots=True)
class AttendanceSpec:
    person_id: str
    joined_at: datetime
    left_at: datetime


@dataclass(slots=True)
class LessonSpec:
    id: str  # conference record id / Teams meeting id
    class_id: str | None  # None: a call not tied to a class (e.g. a 1:1)
    organiser_id: str
    title: str
    meeting_code: str  # Meet code "abc-mnop-xyz" or a Teams join URL
    started_at: datetime
    ended_at: datetime
    attendance: list[AttendanceSpec] = field(default_factory=list)
    recorded: bool = True
    recording_id: str | None = None


@dataclass(slots=True)
class Finding:
    """One finding the rules must produce, in the store's terms."""

    rule: str  # "R1".."R4" (R4 1:1 calls: "R4-1to1")
    school_id: str
    day: date  # the school day judged
    subject: str  # the platform id the finding is about (class, submission's work, pupil, lesson)
    detail: str = ""


@dataclass(slots=True)
class GroundTruth:
    """Per rule, per school day: the set of subjects that must have an open finding."""

    by_rule: dict[str, dict[date, set[tuple[str, str]]]] = field(default_factory=dict)

    def expected(self, rule: str, day: date) -> set[tuple[str, str]]:
        """``(school_id, subject platform id)`` pairs expected for ``rule`` on ``day``."""
        return set(self.by_rule.get(rule, {}).get(day, set()))

    def add(self, finding: Finding) -> None:
        self.by_rule.setdefault(finding.rule, {}).setdefault(finding.day, set()).add(
            (finding.school_id, finding.subject)
        )


@dataclass(slots=True)
class Scenario:
    name: str
    seed: int
    trust_name: str
    schools: list[SchoolSpec]
    people: dict[str, PersonSpec]
    classes: list[ClassSpec]
    work: list[WorkSpec]
    submissions: list[SubmissionSpec]
    lessons: list[LessonSpec]
    school_days: dict[str, list[date]]  # school id -> its school days, ascending
    ground_truth: GroundTruth
    # The instant the scenario's data is "as of": the sandbox serves nothing later.
    now: datetime
    # Behaviour profile name -> ids showing it (classes, teachers, pupils or lessons);
    # see connector.sandbox.scenario.profiles.
    profiles: dict[str, list[str]] = field(default_factory=dict)

    def school(self, school_id: str) -> SchoolSpec:
        for s in self.schools:
            if s.id == school_id:
                return s
        raise KeyError(school_id)
