"""What ``sync/`` asks of a connector: one interface, whichever platform is behind it."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from connector.records import (
    ClassRecord,
    ClassSnapshot,
    LessonClass,
    LessonSnapshot,
    PersonRecord,
    Platform,
    SkippedRecord,
    StaffMember,
)


@dataclass(slots=True)
class RequestStats:
    """``requests`` counts HTTP round trips; ``api_calls`` also counts calls inside batches,
    which is what providers' quotas charge."""

    requests: int = 0
    api_calls: int = 0
    throttled: int = 0  # 429 answers received (retried)
    retries: int = 0


# Hints the sync adds to a class's ``cursors`` entry on an incremental run (not stored):
# the class's work whose submissions can still change (work due, or posted, within the
# look-back window) as JSON ``{work platform id: submissions stored}``, and how many
# submissions the class has stored. A connector uses them to re-read only what can change.
OPEN_WORK_HINT = "_open_work"
SUBMISSIONS_HINT = "_submissions"


class ClassSource(Protocol):
    """A connector bound to one school's credentials."""

    platform: Platform
    stats: RequestStats

    def list_classes(self) -> Iterator[ClassRecord]:
        """Every class visible for this school, in any state. Malformed ones are skipped."""
        ...

    def read_classes(
        self,
        classes: list[ClassRecord],
        cursors: Mapping[str, Mapping[str, str]],
        *,
        full: bool,
    ) -> Iterator[ClassSnapshot]:
        """Read each class's roster, work and submissions (and lessons, where supported).

        ``cursors`` maps a class's platform id to its stored cursor values; ``full``
        ignores them. Yields one snapshot per class as soon as it is complete, so the
        caller can commit class by class; a class that cannot be read (403, 404) yields
        a snapshot whose ``skipped`` explains why and whose ``*_complete`` flags are False.
        """
        ...

    def skipped(self) -> list[SkippedRecord]:
        """Records skipped outside any class (e.g. a malformed course in the list)."""
        ...

    def people(self, ids: list[str]) -> Iterator[PersonRecord]:
        """Profiles for person ids not already carried by snapshots (may be empty)."""
        ...


class LessonSource(Protocol):
    """Live lessons, attendance and recordings of one school, read over a time window."""

    platform: Platform

    @property
    def stats(self) -> RequestStats: ...

    def read_lessons(
        self,
        classes: Sequence[LessonClass],
        staff: Sequence[StaffMember],
        *,
        since: datetime,
        until: datetime,
        settled: Collection[str] = frozenset(),
        attended: Collection[str] = frozenset(),
    ) -> Iterator[LessonSnapshot]:
        """Meetings that ended (or are running) after ``since`` and began before ``until``.

        ``settled`` names lessons already stored whose call ended long enough ago that
        nothing about them changes any more: the source need not read their details
        again, and leaves them out. ``attended`` names stored lessons whose attendance is
        final (the call ended a while ago) but whose recording may still come: the source
        need only read their recordings, and yields those alone (the stored lesson and its
        attendance stay as they are).

        Yields snapshots as lessons complete; the last one carries the stream's new
        cursor. A lesson that cannot be read becomes a skipped record, never an error;
        credentials that do not work raise.
        """
        ...
