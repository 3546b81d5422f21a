"""The digest's numbers about pupils and findings for one school and one week (R3, R5).

Disengagement is read from R3's findings (one or more per pupil): a pupil is disengaged
at an instant when any of their R3 findings was open then. Group breakdowns come from
the MIS attributes a school imported, and appear only when it did.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from connector.records import ClassState, Role
from jobs.digest_metrics import Rate, turned_in
from sync.models import Finding, Membership, Person, PupilAttribute, SchoolClass, Submission, Work

R3 = "R3"
ONE_TO_ONE = "R4-1to1"
# Findings about pupils or sent to the safeguarding lead are not a class's or teacher's to fix.
NOT_TEACHER_FINDINGS = (R3, ONE_TO_ONE, "R2-feedback")
GROUPS = (
    ("send", "SEND"),
    ("pupil_premium", "Pupil premium"),
    ("eal", "EAL"),
    ("vulnerable", "Vulnerable"),
)
_SIGNALS = {
    "missed_in_a_row": "missed work in a row",
    "missed_work": "missed work in a row",
    "low_share": "little work handed in",
    "low_submission_rate": "little work handed in",
    "submission_rate": "little work handed in",
    "missed_lessons": "missed live lessons",
    "missed_live_lessons": "missed live lessons",
    "inactive": "no activity for days",
    "inactive_days": "no activity for days",
    "no_activity": "no activity for days",
}


@dataclass(frozen=True, slots=True)
class PupilLine:
    pupil_id: int
    name: str
    signals: tuple[str, ...] = ()


@dataclass(slots=True)
class Trend:
    new: list[PupilLine] = field(default_factory=list)
    still: list[PupilLine] = field(default_factory=list)
    reengaged: list[PupilLine] = field(default_factory=list)

    @property
    def now(self) -> int:
        return len(self.new) + len(self.still)


@dataclass(frozen=True, slots=True)
class Ranked:
    name: str
    count: int
    rules: tuple[tuple[str, int], ...]  # (rule, open findings) most first


@dataclass(frozen=True, slots=True)
class GroupRow:
    label: str
    pupils: int
    submissions: Rate
    disengaged: int


def display_name(full: str | None, given: str | None, family: str | None) -> str:
    return full or " ".join(n for n in (given, family) if n) or "(no name)"


def signal_names(evidence: dict[str, Any]) -> list[str]:
    """The signals an R3 finding names, in words; tolerant of the evidence's exact shape."""
    raw: Any = evidence.get("signals", evidence.get("tripped", evidence.get("signal", [])))
    items: list[Any] = (
        list(raw.keys()) if isinstance(raw, dict) else (raw if isinstance(raw, list) else [raw])
    )
    names = []
    for item in items:
        if isinstance(item, dict):
            item = item.get("signal") or item.get("name") or item.get("kind")
        if isinstance(item, str) and item:
            names.append(_SIGNALS.get(item, item.replace("_", " ")))
    return names


def _open_at(at: datetime) -> Any:
    return and_(
        Finding.first_seen_at < at, or_(Finding.resolved_at.is_(None), Finding.resolved_at >= at)
    )


def disengagement(session: Session, school_id: int, start: datetime, end: datetime) -> Trend:
    """Newly disengaged, still disengaged and re-engaged pupils over ``[start, end)``."""
    rows = session.execute(
        select(
            Finding.pupil_id,
            Finding.first_seen_at,
            Finding.resolved_at,
            Finding.evidence,
            Person.full_name,
            Person.given_name,
            Person.family_name,
        )
        .join(Person, Person.id == Finding.pupil_id)
        .where(
            Finding.rule == R3,
            Finding.school_id == school_id,
            Finding.first_seen_at < end,
            or_(Finding.resolved_at.is_(None), Finding.resolved_at >= start),
        )
        .order_by(Finding.pupil_id, Finding.first_seen_at)
    ).all()
    at_start: set[int] = set()
    at_end: set[int] = set()
    names: dict[int, str] = {}
    signals: dict[int, list[str]] = defaultdict(list)
    for pid, seen, resolved, evidence, full, given, family in rows:
        names[pid] = display_name(full, given, family)
        if seen < start and (resolved is None or resolved >= start):
            at_start.add(pid)
        if resolved is None or resolved >= end:
            at_end.add(pid)
            for s in signal_names(evidence or {}):
                if s not in signals[pid]:
                    signals[pid].append(s)
    trend = Trend()
    for pid in sorted(names, key=lambda p: (names[p].casefold(), p)):
        line = PupilLine(pid, names[pid], tuple(signals.get(pid, ())))
        if pid in at_end:
            (trend.still if pid in at_start else trend.new).append(line)
        else:
            trend.reengaged.append(line)
    return trend


def count_one_to_one(session: Session, school_id: int, start: datetime, end: datetime) -> int:
    """1:1 calls (R4) first found in the window."""
    return int(
        session.scalar(
            select(func.count()).where(
                Finding.rule == ONE_TO_ONE,
                Finding.school_id == school_id,
                Finding.first_seen_at >= start,
                Finding.first_seen_at < end,
            )
        )
        or 0
    )


def _rank(pairs: dict[int, Counter[str]], names: dict[int, str], limit: int) -> list[Ranked]:
    ranked = [
        Ranked(names.get(k, "(unnamed)"), sum(c.values()), tuple(sorted(c.items())))
        for k, c in pairs.items()
    ]
    ranked.sort(key=lambda r: (-r.count, r.name.casefold()))
    return ranked[:limit]


def most_open(
    session: Session, school_id: int, at: datetime, limit: int = 5
) -> tuple[list[Ranked], list[Ranked]]:
    """The classes and the teachers with the most findings open at ``at`` (teachers' rules)."""
    open_rows = (
        select(Finding.class_id, Finding.rule, func.count().label("n"))
        .where(
            Finding.school_id == school_id,
            Finding.class_id.is_not(None),
            Finding.rule.not_in(NOT_TEACHER_FINDINGS),
            _open_at(at),
        )
        .group_by(Finding.class_id, Finding.rule)
        .subquery()
    )
    by_class: dict[int, Counter[str]] = defaultdict(Counter)
    class_names: dict[int, str] = {}
    for cid, rule, n, name in session.execute(
        select(open_rows.c.class_id, open_rows.c.rule, open_rows.c.n, SchoolClass.name).join(
            SchoolClass, SchoolClass.id == open_rows.c.class_id
        )
    ):
        by_class[cid][rule] += n
        class_names[cid] = name
    by_teacher: dict[int, Counter[str]] = defaultdict(Counter)
    teacher_names: dict[int, str] = {}
    for pid, rule, n, full, given, family in session.execute(
        select(
            Membership.person_id,
            open_rows.c.rule,
            open_rows.c.n,
            Person.full_name,
            Person.given_name,
            Person.family_name,
        )
        .join(
            Membership,
            and_(
                Membership.class_id == open_rows.c.class_id,
                Membership.role == Role.TEACHER,
                Membership.left_at.is_(None),
            ),
        )
        .join(Person, Person.id == Membership.person_id)
    ):
        by_teacher[pid][rule] += n
        teacher_names[pid] = display_name(full, given, family)
    return _rank(by_class, class_names, limit), _rank(by_teacher, teacher_names, limit)


def school_pupils(school_id: int) -> Select[Any]:
    """Pupils in an active class of the school."""
    return (
        select(Membership.person_id)
        .join(SchoolClass, SchoolClass.id == Membership.class_id)
        .where(
            SchoolClass.school_id == school_id,
            SchoolClass.state == ClassState.ACTIVE,
            SchoolClass.deleted_at.is_(None),
            Membership.role == Role.PUPIL,
            Membership.left_at.is_(None),
        )
        .distinct()
    )


def has_attributes(session: Session, school_id: int) -> bool:
    return (
        session.scalar(
            select(PupilAttribute.id).where(PupilAttribute.school_id == school_id).limit(1)
        )
        is not None
    )


def groups(
    session: Session, school_id: int, start: datetime, end: datetime, disengaged: set[int]
) -> list[GroupRow]:
    """All pupils, then one row per MIS group; empty when the school imported no attributes."""
    if not has_attributes(session, school_id):
        return []
    flags = [getattr(PupilAttribute, name) for name, _ in GROUPS]
    pupils = school_pupils(school_id).subquery()
    attrs = {
        pid: tuple(bool(f) for f in fs)
        for pid, *fs in session.execute(
            select(PupilAttribute.person_id, *flags).where(
                PupilAttribute.school_id == school_id,
                PupilAttribute.person_id.in_(select(pupils.c.person_id)),
            )
        )
    }
    total_pupils = int(session.scalar(select(func.count()).select_from(pupils)) or 0)
    rates = session.execute(
        select(*flags, func.count(), func.sum(case((turned_in(), 1), else_=0)))
        .select_from(Submission)
        .join(Work, Work.id == Submission.work_id)
        .join(SchoolClass, SchoolClass.id == Submission.class_id)
        .outerjoin(PupilAttribute, PupilAttribute.person_id == Submission.pupil_id)
        .where(
            SchoolClass.school_id == school_id,
            Work.deleted_at.is_(None),
            Submission.deleted_at.is_(None),
            Submission.state != "excused",
            Work.due_at >= start,
            Work.due_at < end,
        )
        .group_by(*flags)
    ).all()
    due = [0] * (len(GROUPS) + 1)
    came = [0] * (len(GROUPS) + 1)
    for *fs, n, k in rates:
        for i in [0] + [j + 1 for j, f in enumerate(fs) if f]:
            due[i] += int(n or 0)
            came[i] += int(k or 0)
    rows = [GroupRow("All pupils", total_pupils, Rate(came[0], due[0]), len(disengaged))]
    for j, (_, label) in enumerate(GROUPS):
        members = {pid for pid, fs in attrs.items() if fs[j]}
        rows.append(
            GroupRow(label, len(members), Rate(came[j + 1], due[j + 1]), len(members & disengaged))
        )
    return rows
