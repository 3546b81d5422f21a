"""``generate``: a deterministic synthetic trust from a size and a seed."""

from __future__ import annotations

import gc
import random
from datetime import date, time

from connector.records import Platform
from connector.sandbox.scenario.calendars import open_days, plan_calendars
from connector.sandbox.scenario.context import Build
from connector.sandbox.scenario.days import DEFAULT_START, local, school_days
from connector.sandbox.scenario.ids import Ids
from connector.sandbox.scenario.lessons import hold_calls, hold_lessons
from connector.sandbox.scenario.model import Scenario
from connector.sandbox.scenario.names import TRUST
from connector.sandbox.scenario.pupils import assign_pupil_profiles
from connector.sandbox.scenario.roster import build_school
from connector.sandbox.scenario.sizes import SIZES
from connector.sandbox.scenario.submissions import add_submissions
from connector.sandbox.scenario.truth import ground_truth
from connector.sandbox.scenario.work import post_class_work

PLATFORMS = ("auto", "google", "microsoft", "mixed")
_TZ = "Europe/London"


def generate(
    size: str = "small", seed: int = 1, *, start: date | None = None, platforms: str = "auto"
) -> Scenario:
    """The scenario of ``size`` ("tiny", "small", "trust") for ``seed``.

    Identical for the same ``(size, seed, start, platforms)`` on any machine: all
    randomness comes from ``random.Random(seed)``. ``start`` defaults to Monday
    2026-03-09 (never today). ``platforms``: "google", "microsoft", "mixed" (every 4th
    school on Microsoft) or "auto" (tiny/small: google; trust: mixed).
    """
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}; choose one of {sorted(SIZES)}")
    if platforms not in PLATFORMS:
        raise ValueError(f"unknown platforms {platforms!r}; choose one of {PLATFORMS}")
    # The trust builds ~250k small objects that all live until the end: the cyclic
    # collector would rescan them again and again for nothing.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _generate(size, seed, start, platforms)
    finally:
        if was_enabled:
            gc.enable()


def _generate(size: str, seed: int, start: date | None, platforms: str) -> Scenario:
    spec = SIZES[size]
    mode = spec.default_platforms if platforms == "auto" else platforms
    rng = random.Random(seed)
    # Every generated school is in England or Wales, whose bank holidays agree, so one
    # list of school days serves them all.
    days = school_days(start or DEFAULT_START, spec.school_days)
    b = Build(rng=rng, ids=Ids(rng), size=spec, days=days, now=local(days[-1], time(17, 30), _TZ))
    for i in range(spec.schools):
        microsoft = mode == "microsoft" or (mode == "mixed" and i % 4 == 3)
        build_school(b, i, Platform.MICROSOFT if microsoft else Platform.GOOGLE)
    plan_calendars(b)
    schools = {s.id: s for s in b.schools}
    for school in b.schools:
        assign_pupil_profiles(b, school)
    for c in b.classes:
        if c.archived:
            continue
        school = schools[c.school_id]
        first = len(b.work)
        post_class_work(b, school, c)
        add_submissions(b, school, c, b.work[first:])
    live = set(b.live_classes)
    for c in b.classes:
        if c.id in live:
            hold_lessons(b, schools[c.school_id], c)
    for school in b.schools:
        hold_calls(b, school)
    return Scenario(
        name=size,
        seed=seed,
        trust_name=TRUST[1],
        schools=b.schools,
        people=b.people,
        classes=b.classes,
        work=b.work,
        submissions=b.submissions,
        lessons=b.lessons,
        school_days={s.id: open_days(b, s) for s in b.schools},
        ground_truth=ground_truth(b),
        now=b.now,
        profiles={k: list(dict.fromkeys(v)) for k, v in b.profiles.items()},
    )
