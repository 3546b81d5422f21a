"""What a platform's change log says happened between two instants, in our words.

A full read lists everything; an incremental read that a change log drives reads only the
classes the log names, and takes submission changes from the log itself. Nothing above
``connector/`` learns which log it was: a change is a change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

from connector.records import Platform, SkippedRecord, SubmissionState


@dataclass(frozen=True, slots=True)
class SubmissionChange:
    """One step of one pupil's submission. Change logs name pupils by email, and the
    submission by its work and pupil, not by its own id."""

    platform: Platform
    class_platform_id: str
    work_platform_id: str
    pupil_email: str
    at: datetime
    state: SubmissionState | None  # None: the state did not change (a grade was set)
    late: bool | None = None
    graded: bool | None = None


@dataclass(slots=True)
class ChangeSet:
    """Changes in one school's classes from ``since`` up to ``until``.

    ``until`` is where the log was read to: the next read starts there (less the source's
    own overlap), never beyond the instant the caller asked for.
    """

    since: datetime
    until: datetime
    submissions: list[SubmissionChange] = field(default_factory=list)
    # Classes whose roster or work changed: read them again (incrementally).
    touched_classes: set[str] = field(default_factory=set)
    # A class was created, deleted, archived or restored: list the school's classes again.
    classes_changed: bool = False
    skipped: list[SkippedRecord] = field(default_factory=list)
    events: int = 0  # log entries read, whether they concerned this school or not


@runtime_checkable
class ChangeLogSource(Protocol):
    """A class source whose platform keeps a change log it can read instead of re-reading."""

    @property
    def change_log_enabled(self) -> bool:
        """Whether this source is configured to read its change log at all."""
        ...

    def read_changes(
        self, since: datetime, until: datetime, classes: frozenset[str]
    ) -> ChangeSet | None:
        """Changes to ``classes`` (platform ids) and any new class, from ``since`` to
        ``until``; None when no change log is available (not configured, or refused):
        the caller then reads every class as it would without one."""
        ...
