"""The generator's working state, shared by the roster, work, submission and lesson steps."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from connector.sandbox.scenario.ids import Ids
from connector.sandbox.scenario.model import (
    ClassSpec,
    LessonSpec,
    PersonSpec,
    SchoolSpec,
    SubmissionSpec,
    WorkSpec,
)
from connector.sandbox.scenario.sizes import Size


@dataclass(slots=True)
class Build:
    rng: random.Random
    ids: Ids
    size: Size
    days: list[date]
    now: datetime
    schools: list[SchoolSpec] = field(default_factory=list)
    people: dict[str, PersonSpec] = field(default_factory=dict)
    classes: list[ClassSpec] = field(default_factory=list)
    work: list[WorkSpec] = field(default_factory=list)
    submissions: list[SubmissionSpec] = field(default_factory=list)
    lessons: list[LessonSpec] = field(default_factory=list)
    # profile name -> ids (class, teacher, pupil, lesson) showing it
    profiles: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    posting: dict[str, str] = field(default_factory=dict)  # class id -> posting profile
    pupils: dict[str, list[str]] = field(default_factory=dict)  # school id -> pupil ids
    teachers: dict[str, list[str]] = field(default_factory=dict)  # school id -> teacher ids
    slow_markers: set[str] = field(default_factory=set)  # teacher ids
    unrecording: set[str] = field(default_factory=set)  # teacher ids
    live_classes: list[str] = field(default_factory=list)
    disengage_at: dict[str, datetime] = field(default_factory=dict)  # pupil -> from when
    diligence: dict[str, float] = field(default_factory=dict)  # pupil -> P(turns in)
    excused: set[tuple[str, str]] = field(default_factory=set)  # (class id, pupil id)
    # R1 intent: (class id, school day) -> counting items the generator meant to land there
    counts: dict[tuple[str, date], int] = field(default_factory=lambda: defaultdict(int))

    def tag(self, profile: str, subject: str) -> None:
        self.profiles[profile].append(subject)
