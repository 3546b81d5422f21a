"""What every rule returns: a finding not yet stored."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True, slots=True)
class FindingDraft:
    """One problem a rule saw. ``key`` is stable across runs so a re-run updates, not repeats."""

    rule: str
    key: str
    school_id: int
    day: date | None = None
    class_id: int | None = None
    work_id: int | None = None
    pupil_id: int | None = None
    lesson_id: int | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
