"""What the soak bench compares: findings by what they are about, sends by Message-ID.

Two stores number their rows in the order they first saw them, and a week of incremental
syncs under faults sees things in another order than the reference's syncs do. Finding
keys hold those row ids (``R2:7``), so findings are compared by the platform ids of what
they point at instead.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased, sessionmaker

from config.settings import Settings
from jobs.transports import Transport, transport_for
from sync.models import Finding, LiveLesson, Person, School, SchoolClass, Work

# The columns each rule's finding key is made of (jobs/rules: r1 finding_key, r2 work_key
# and pupil_key, r3 finding_key, r4 lesson_key). A rule not listed is compared on all.
KEY_PARTS: dict[str, tuple[str, ...]] = {
    "R1": ("class", "day"),
    "R2": ("work",),
    "R2-feedback": ("pupil",),
    "R3": ("pupil",),
    "R4": ("lesson",),
    "R4-1to1": ("lesson",),
}
_ALL_PARTS = ("class", "work", "pupil", "lesson", "day")

NaturalKey = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Seen:
    """One finding as the comparison sees it."""

    first_seen_at: datetime
    open: bool


def findings_by_subject(sessions: sessionmaker[Session]) -> dict[NaturalKey, Seen]:
    """Every finding row (open or resolved) keyed by rule, school and platform ids."""
    pupil = aliased(Person)
    query = (
        select(
            Finding.rule,
            School.key,
            SchoolClass.platform_id,
            Work.platform_id,
            pupil.platform_id,
            LiveLesson.platform_id,
            Finding.day,
            Finding.first_seen_at,
            Finding.resolved_at,
        )
        .join(School, School.id == Finding.school_id)
        .outerjoin(SchoolClass, SchoolClass.id == Finding.class_id)
        .outerjoin(Work, Work.id == Finding.work_id)
        .outerjoin(pupil, pupil.id == Finding.pupil_id)
        .outerjoin(LiveLesson, LiveLesson.id == Finding.lesson_id)
    )
    out: dict[NaturalKey, Seen] = {}
    with sessions() as session:
        for rule, school, klass, work, person, lesson, day, first, resolved in session.execute(
            query
        ):
            values = {
                "class": klass,
                "work": work,
                "pupil": person,
                "lesson": lesson,
                "day": day.isoformat() if day else None,
            }
            parts = KEY_PARTS.get(rule, _ALL_PARTS)
            key = (rule, school, *(str(values[p]) for p in parts))
            out[key] = Seen(first_seen_at=first, open=resolved is None)
    return out


@dataclass(frozen=True, slots=True)
class FindingDiff:
    lost: int  # the reference recorded it, the soaked store never did
    spurious: int  # the soaked store recorded it, the reference never did
    late: int  # both did, the soaked store at a later check
    state: int  # both did, but one holds it open and the other resolved at the end
    expected: int  # findings the reference recorded


def compare(
    expected: dict[NaturalKey, Seen], soaked: dict[NaturalKey, Seen]
) -> tuple[FindingDiff, list[NaturalKey]]:
    """The difference, and up to ten keys of lost or spurious findings (to look at)."""
    lost = sorted(set(expected) - set(soaked))
    spurious = sorted(set(soaked) - set(expected))
    both = set(expected) & set(soaked)
    late = sum(1 for k in both if soaked[k].first_seen_at > expected[k].first_seen_at)
    state = sum(1 for k in both if soaked[k].open != expected[k].open)
    diff = FindingDiff(len(lost), len(spurious), late, state, len(expected))
    return diff, (lost + spurious)[:10]


class SendLog:
    """A transport factory for the service that counts every message handed to the mail
    service, by Message-ID. (The file transport overwrites a message sent again, so its
    files cannot show a duplicate; the sends can.)"""

    def __init__(self) -> None:
        self.sends: Counter[str] = Counter()

    def __call__(self, settings: Settings) -> Transport:
        return _Counted(transport_for(settings), self.sends)

    @property
    def total(self) -> int:
        return sum(self.sends.values())

    @property
    def repeated(self) -> int:
        """Sends of a Message-ID that had been sent before."""
        return sum(n - 1 for n in self.sends.values() if n > 1)


class _Counted:
    def __init__(self, inner: Transport, sends: Counter[str]) -> None:
        self.inner = inner
        self.sends = sends

    def send(self, msg: EmailMessage) -> str:
        transport_id = self.inner.send(msg)
        self.sends[str(msg["Message-ID"])] += 1
        return transport_id

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if callable(close):
            close()
