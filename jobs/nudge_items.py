"""What a teacher's nudge says: their open findings of every rule, grouped by class.

Read at send time, so a finding fixed since the nudge was queued is never sent. Findings
about a moment (R1: a day with nothing posted; R4: a lesson not recorded) are told once:
those first seen before the teacher's last nudge went out were in it. Findings about a
state (R2: work waiting to be marked; R3: a pupil disengaged) are told while they last.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from connector.records import ClassState, Role
from jobs import nudge_text as text
from sync.models import Finding, LiveLesson, Membership, Person, SchoolClass, Work

R1, R2, R3, R4 = "R1", "R2", "R3", "R4"  # R4's 1:1 calls ("R4-1to1") go to safeguarding


@dataclass(frozen=True, slots=True)
class NudgeLine:
    """One thing to look at. ``lead`` came from an API (a title, a name); ``text`` is ours."""

    rule: str
    text: str
    lead: str | None = None
    link: str | None = None
    order: tuple[Any, ...] = ()


@dataclass(slots=True)
class ClassNudge:
    """A class and its lines; ``class_id`` None gathers lessons held outside a class."""

    class_id: int | None
    name: str
    link: str | None
    lines: list[NudgeLine] = field(default_factory=list)


def teacher_classes(
    session: Session, school_id: int, person_ids: Sequence[int]
) -> dict[int, tuple[str, str | None]]:
    """The active classes of the school that ``person_ids`` currently teach: name, link."""
    rows = session.execute(
        select(SchoolClass.id, SchoolClass.name, SchoolClass.alternate_link)
        .join(Membership, Membership.class_id == SchoolClass.id)
        .where(
            SchoolClass.school_id == school_id,
            SchoolClass.state == ClassState.ACTIVE,
            SchoolClass.deleted_at.is_(None),
            Membership.person_id.in_(list(person_ids)),
            Membership.role == Role.TEACHER,
            Membership.left_at.is_(None),
        )
        .distinct()
    ).all()
    return {cid: (name, link) for cid, name, link in rows}


def _open(rule: str, school_id: int) -> Any:
    return and_(Finding.rule == rule, Finding.school_id == school_id, Finding.resolved_at.is_(None))


def _r1(
    session: Session,
    school_id: int,
    classes: Iterable[int],
    since: date,
    today: date,
    told_before: datetime | None,
) -> Iterable[tuple[int, NudgeLine]]:
    q = select(Finding.class_id, Finding.day, Finding.evidence).where(
        _open(R1, school_id),
        Finding.class_id.in_(list(classes)),
        Finding.day >= since,
        Finding.day <= today,
    )
    if told_before is not None:
        q = q.where(Finding.first_seen_at > told_before)
    for class_id, day, evidence in session.execute(q):
        if class_id is None or day is None:
            continue
        yield class_id, NudgeLine(R1, text.not_posted(day, evidence), order=(0, day))


def _r2(
    session: Session, school_id: int, classes: Iterable[int], now: datetime
) -> Iterable[tuple[int, NudgeLine]]:
    rows = session.execute(
        select(Work.class_id, Work.title, Work.alternate_link, Finding.evidence)
        .join(Work, Work.id == Finding.work_id)
        .where(_open(R2, school_id), Work.class_id.in_(list(classes)), Work.deleted_at.is_(None))
    )
    for class_id, title, link, evidence in rows:
        line = text.to_mark(evidence, now)
        if line is not None:
            phrase, age = line
            yield class_id, NudgeLine(R2, phrase, lead=title, link=link, order=(1, -age, title))


def _r3(
    session: Session, school_id: int, classes: dict[int, tuple[str, str | None]]
) -> Iterable[tuple[int, NudgeLine]]:
    pupil_classes: dict[int, list[int]] = defaultdict(list)
    for person_id, class_id in session.execute(
        select(Membership.person_id, Membership.class_id).where(
            Membership.class_id.in_(list(classes)),
            Membership.role == Role.PUPIL,
            Membership.left_at.is_(None),
        )
    ):
        pupil_classes[person_id].append(class_id)
    if not pupil_classes:
        return
    rows = session.execute(
        select(Finding.pupil_id, Finding.evidence, Person)
        .join(Person, Person.id == Finding.pupil_id)
        .where(_open(R3, school_id), Finding.pupil_id.in_(list(pupil_classes)))
    )
    for pupil_id, evidence, person in rows:
        mine = sorted(pupil_classes[pupil_id], key=lambda c: (text.sort_name(classes[c][0]), c))
        name = text.person_name(person)
        for class_id, phrase in text.signals_by_class(evidence, mine):
            yield class_id, NudgeLine(R3, phrase, lead=name, order=(2, name.casefold()))


def _r4(
    session: Session,
    school_id: int,
    person_ids: Sequence[int],
    told_before: datetime | None,
    time_zone: str,
) -> Iterable[tuple[LiveLesson, NudgeLine]]:
    q = (
        select(LiveLesson, Finding.evidence)
        .join(LiveLesson, LiveLesson.id == Finding.lesson_id)
        .where(_open(R4, school_id), LiveLesson.organiser_id.in_(list(person_ids)))
    )
    if told_before is not None:
        q = q.where(Finding.first_seen_at > told_before)
    for lesson, _evidence in session.execute(q).all():
        yield (
            lesson,
            NudgeLine(
                R4,
                text.not_recorded(lesson.started_at, time_zone),
                lead=lesson.title,
                order=(3, lesson.started_at),
            ),
        )


def open_items(
    session: Session,
    school_id: int,
    person_ids: Sequence[int],
    *,
    now: datetime,
    today: date,
    since: date,
    told_before: datetime | None,
    time_zone: str,
) -> list[ClassNudge]:
    """Everything open for the teacher ``person_ids`` (one person, maybe on two platforms),
    as classes in name order, each with its lines in rule order. Empty: nothing to send.

    ``since``: the first day whose R1 gaps are still news; ``told_before``: when the
    teacher's last nudge went out (moment findings first seen before then were in it).
    """
    classes = teacher_classes(session, school_id, person_ids)
    blocks: dict[int | None, ClassNudge] = {}

    def block(class_id: int | None, name: str, link: str | None) -> ClassNudge:
        found = blocks.get(class_id)
        if found is None:
            found = blocks[class_id] = ClassNudge(class_id, name, link)
        return found

    if classes:
        for class_id, line in (
            *_r1(session, school_id, classes, since, today, told_before),
            *_r2(session, school_id, classes, now),
            *_r3(session, school_id, classes),
        ):
            block(class_id, *classes[class_id]).lines.append(line)
    for lesson, line in _r4(session, school_id, person_ids, told_before, time_zone):
        if lesson.class_id is not None and lesson.class_id not in classes:
            row = session.get(SchoolClass, lesson.class_id)
            if row is not None:
                classes[row.id] = (row.name, row.alternate_link)
        if lesson.class_id in classes:
            assert lesson.class_id is not None
            block(lesson.class_id, *classes[lesson.class_id]).lines.append(line)
        else:
            block(None, "", None).lines.append(line)
    for b in blocks.values():
        b.lines.sort(key=lambda ln: ln.order)
    return sorted(
        blocks.values(),
        key=lambda b: (b.class_id is None, text.sort_name(b.name), b.class_id or 0),
    )


def staff_by_email(session: Session, school_id: int, email: str) -> list[Person]:
    """The staff rows (one per platform) behind ``email`` at the school's classes."""
    return list(
        session.scalars(
            select(Person)
            .join(Membership, Membership.person_id == Person.id)
            .join(SchoolClass, SchoolClass.id == Membership.class_id)
            .where(
                func.lower(Person.email) == email.strip().lower(),
                Person.is_staff.is_(True),
                Person.deleted_at.is_(None),
                SchoolClass.school_id == school_id,
            )
            .distinct()
        )
    )
