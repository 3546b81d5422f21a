"""What ``sync/`` asks of a connector: one interface, whichever platform is behind it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Protocol

from connector.records import ClassRecord, ClassSnapshot, PersonRecord, Platform, SkippedRecord


@dataclass(slots=True)
class RequestStats:
    """``requests`` counts HTTP round trips; ``api_calls`` also counts calls inside batches,
    which is what providers' quotas charge."""

    requests: int = 0
    api_calls: int = 0
    throttled: int = 0  # 429 answers received (retried)
    retries: int = 0


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
