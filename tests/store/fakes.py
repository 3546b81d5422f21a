"""Test doubles for the store: record builders and a scripted ClassSource."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from config.settings import Settings
from connector.records import (
    ClassRecord,
    ClassSnapshot,
    ClassState,
    MembershipRecord,
    PersonRecord,
    Platform,
    Role,
    SkippedRecord,
    SubmissionRecord,
    SubmissionState,
    WorkKind,
    WorkRecord,
    WorkState,
)
from connector.source import RequestStats

G = Platform.GOOGLE
T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def settings(*school_keys: str) -> Settings:
    keys = school_keys or ("oak",)
    return Settings.model_validate(
        {
            "trust": {"key": "acorn", "name": "Acorn Trust"},
            "schools": [
                {
                    "key": k,
                    "name": f"{k.title()} Academy",
                    "platform": "google",
                    "google": {"admin_email": f"admin@{k}.example"},
                }
                for k in keys
            ],
        }
    )


def person(pid: str) -> PersonRecord:
    return PersonRecord(G, pid, f"{pid}@oak.example", pid.title(), "Test", f"{pid.title()} Test")


def klass(cid: str, name: str | None = None) -> ClassRecord:
    return ClassRecord(
        G, cid, name or f"Class {cid}", None, ClassState.ACTIVE, f"t-{cid}", None, T0, T0
    )


def work(cid: str, wid: str, *, due: datetime | None = None) -> WorkRecord:
    return WorkRecord(
        G, wid, cid, WorkKind.ASSIGNMENT, WorkState.PUBLISHED, f"Task {wid}",
        T0, T0, T0, None, due or T0 + timedelta(days=2), None, f"t-{cid}",
    )  # fmt: skip


def submission(cid: str, wid: str, pupil: str, **kw: object) -> SubmissionRecord:
    sub = SubmissionRecord(
        G, f"{wid}:{pupil}", cid, wid, pupil, SubmissionState.ASSIGNED, False, False,
        None, None, T0,
    )  # fmt: skip
    return replace(sub, **kw)  # type: ignore[arg-type]


def snapshot(cid: str, *, pupils: int = 3, works: int = 2, **kw: object) -> ClassSnapshot:
    """A class with one teacher, ``pupils`` pupils and every pupil's copy of every work."""
    teacher = f"t-{cid}"
    kids = [f"p{i}-{cid}" for i in range(pupils)]
    tasks = [work(cid, f"w{i}-{cid}") for i in range(works)]
    snap = ClassSnapshot(
        klass=klass(cid),
        members=[MembershipRecord(G, cid, teacher, Role.TEACHER)]
        + [MembershipRecord(G, cid, k, Role.PUPIL) for k in kids],
        people=[person(teacher), *(person(k) for k in kids)],
        work=tasks,
        submissions=[submission(cid, w.platform_id, k) for w in tasks for k in kids],
        cursor={"submissions": (T0 - timedelta(hours=1)).isoformat()},
    )
    for name, value in kw.items():
        setattr(snap, name, value)
    return snap


@dataclass
class FakeSource:
    """Serves prepared snapshots; ``stop_after`` raises ``stop_with`` after that many
    snapshots were yielded, as a killed process or a broken connector would."""

    snapshots: list[ClassSnapshot]
    platform: Platform = G
    stats: RequestStats = field(default_factory=RequestStats)
    stop_after: int | None = None
    stop_with: BaseException = field(default_factory=KeyboardInterrupt)
    listed: list[ClassRecord] | None = None
    skipped_outside: list[SkippedRecord] = field(default_factory=list)
    read_calls: list[list[str]] = field(default_factory=list)
    cursors_seen: list[Mapping[str, Mapping[str, str]]] = field(default_factory=list)
    profiles: dict[str, PersonRecord] = field(default_factory=dict)
    people_asked: list[list[str]] = field(default_factory=list)

    def list_classes(self) -> Iterator[ClassRecord]:
        self.stats.requests += 1
        self.stats.api_calls += 1
        listed = self.listed if self.listed is not None else [s.klass for s in self.snapshots]
        yield from listed

    def read_classes(
        self,
        classes: list[ClassRecord],
        cursors: Mapping[str, Mapping[str, str]],
        *,
        full: bool,
    ) -> Iterator[ClassSnapshot]:
        self.read_calls.append([c.platform_id for c in classes])
        self.cursors_seen.append(cursors)
        by_id = {s.klass.platform_id: s for s in self.snapshots}
        for n, c in enumerate(classes):
            if self.stop_after is not None and n >= self.stop_after:
                raise self.stop_with
            self.stats.requests += 3
            self.stats.api_calls += 3
            yield by_id[c.platform_id]

    def skipped(self) -> list[SkippedRecord]:
        return list(self.skipped_outside)

    def people(self, ids: list[str]) -> Iterator[PersonRecord]:
        self.people_asked.append(list(ids))
        return iter([self.profiles[i] for i in ids if i in self.profiles])
