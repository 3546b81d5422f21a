"""The audit log sorted newest first, kept current per world revision, read by bisection.

Each Google school has a timeline of all its events, past and future alike, sorted once
and rebuilt only when one of its classes changed (:meth:`World.changed_at`): a change
re-derives that class's events and re-sorts the school's (already sorted runs, which
Python's sort merges in linear time). What a request may see is a slice of each
timeline: no newer than the clock minus the reporting lag (and ``endTime``), no older
than the 180-day reach (and ``startTime``), after the page token's cursor. Each bound is
a bisection; a reader of several schools gets the slices merged lazily, so a page costs
the page (plus whatever ``eventName``/``filters``/``userKey`` skip), not the log.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from operator import itemgetter

from connector.records import Platform
from connector.sandbox.google.audit_events import AuditEvent, of_class
from connector.sandbox.world import World

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_SPAN = 2**64  # uniqueQualifier is an int64
_TOP = 2**63 - 1

# One int per event, ascending = newest first (ties: larger uniqueQualifier first):
# -microseconds since the epoch in the high bits, _TOP - uniqueQualifier in the low 64.
# A third of the memory of a (time, qualifier) tuple, over a log of 350,000 events.
Key = int


def key_of(e: AuditEvent) -> Key:
    return _bound(e.at, e.qualifier)


def _bound(at: datetime, qualifier: int) -> Key:
    return -((at - _EPOCH) // _US) * _SPAN + (_TOP - qualifier)


@dataclass
class Timeline:
    """Events newest first (ties: larger uniqueQualifier first) and their sort keys."""

    keys: list[Key] = field(default_factory=list)
    events: list[AuditEvent] = field(default_factory=list)

    @classmethod
    def of(cls, events: Iterable[AuditEvent]) -> Timeline:
        items = list(events)
        return cls._sorted([key_of(e) for e in items], items)

    @classmethod
    def merged(cls, parts: Iterable[Timeline]) -> Timeline:
        """One timeline of ``parts`` (sorted runs: the sort merges them in linear time)."""
        keys: list[Key] = []
        events: list[AuditEvent] = []
        for p in parts:
            keys += p.keys
            events += p.events
        return cls._sorted(keys, events)

    @classmethod
    def _sorted(cls, keys: list[Key], events: list[AuditEvent]) -> Timeline:
        order = sorted(range(len(keys)), key=keys.__getitem__)
        return cls([keys[i] for i in order], [events[i] for i in order])

    def window(
        self, newest: datetime, oldest: datetime, after: Key | None
    ) -> Iterator[tuple[Key, AuditEvent]]:
        """The events with ``oldest <= time <= newest`` after ``after``, newest first."""
        lo = bisect_left(self.keys, _bound(newest, _TOP))
        if after is not None:
            lo = max(lo, bisect_right(self.keys, after))
        hi = bisect_right(self.keys, _bound(oldest, -_TOP - 1))
        keys, events = self.keys, self.events
        return ((keys[i], events[i]) for i in range(lo, hi))


def scan(
    timelines: list[Timeline],
    newest: datetime,
    oldest: datetime,
    after: Key | None,
    keep: Callable[[AuditEvent], bool],
) -> Iterator[tuple[Key, AuditEvent]]:
    """The kept events of all ``timelines`` in the window, merged newest first."""
    slices = [t.window(newest, oldest, after) for t in timelines]
    merged = slices[0] if len(slices) == 1 else heapq.merge(*slices, key=itemgetter(0))
    return ((k, e) for k, e in merged if keep(e))


class AuditLog:
    """The world's audit timelines per Google school, brought up to date on demand."""

    def __init__(self, world: World) -> None:
        self.world = world
        self._seen = -1  # the world revision the timelines below are current for
        self._classes: dict[str, tuple[int, Timeline]] = {}  # revision derived at, events
        self._schools: dict[str, Timeline] = {}

    def timelines(self, school_ids: Iterable[str]) -> list[Timeline]:
        with self.world.lock:
            if self._seen != self.world.revision:
                self._refresh()
            return [self._schools.get(s, Timeline()) for s in sorted(school_ids)]

    def _refresh(self) -> None:
        w = self.world
        google = {s.id for s in w.scenario.schools if s.platform is Platform.GOOGLE}
        stale: set[str] = set()
        classes: dict[str, list[str]] = {}
        for c in w.scenario.classes:
            if c.school_id not in google:
                continue
            classes.setdefault(c.school_id, []).append(c.id)
            cached = self._classes.get(c.id)
            if cached is None or cached[0] < w.changed_at(c.id):
                self._classes[c.id] = (w.revision, Timeline.of(of_class(w, c)))
                stale.add(c.school_id)
        for school, ids in classes.items():
            if school in stale or school not in self._schools:
                self._schools[school] = Timeline.merged(self._classes[c][1] for c in ids)
        self._seen = w.revision
