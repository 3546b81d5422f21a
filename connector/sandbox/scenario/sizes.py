"""The documented scenario sizes: how many schools, classes, pupils and school days."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Size:
    name: str
    schools: int
    classes_per_school: int
    pupils_per_school: int
    school_days: int
    default_platforms: str  # what platforms="auto" means for this size


SIZES: dict[str, Size] = {
    "tiny": Size(
        "tiny",
        schools=1,
        classes_per_school=3,
        pupils_per_school=24,
        school_days=5,
        default_platforms="google",
    ),
    "small": Size(
        "small",
        schools=1,
        classes_per_school=30,
        pupils_per_school=750,
        school_days=10,
        default_platforms="google",
    ),
    "trust": Size(
        "trust",
        schools=20,
        classes_per_school=30,
        pupils_per_school=750,
        school_days=20,
        default_platforms="mixed",
    ),
}
