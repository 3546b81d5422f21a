"""The scenario exercises R3's and R4's edges and knobs, and its truth treats them right."""

from __future__ import annotations

from datetime import timedelta

import pytest

from config.engagement import R3Settings, R4Settings
from connector.records import Platform
from connector.sandbox.scenario import generate, names
from connector.sandbox.scenario import profiles as prof
from connector.sandbox.scenario.lessons import ASSEMBLY_TITLE
from connector.sandbox.scenario.model import Scenario, SchoolSpec
from connector.sandbox.scenario.pupils import REENGAGING
from connector.sandbox.scenario.truth_r4 import knobs, r3_config, r4_config


@pytest.fixture(scope="module")
def small() -> Scenario:
    return generate("small", seed=1)


def flagged(s: Scenario, rule: str, subject: str) -> list[bool]:
    school = s.schools[0].id
    return [(school, subject) in s.ground_truth.expected(rule, d) for d in s.school_days[school]]


def test_a_pupil_who_disengages_and_comes_back_is_flagged_and_then_cleared(small: Scenario) -> None:
    (pupil,) = small.profiles[REENGAGING]
    days = flagged(small, "R3", pupil)
    first = days.index(True)
    assert not any(days[:first]) and not days[-1]


def test_disengaging_pupils_are_flagged_once_they_stop(small: Scenario) -> None:
    for pupil in set(small.profiles[prof.DISENGAGING]) - set(small.profiles[REENGAGING]):
        days = flagged(small, "R3", pupil)
        assert days[-1], pupil


def test_a_leaver_is_never_flagged_after_leaving(small: Scenario) -> None:
    school = small.schools[0].id
    for pupil in small.profiles[prof.LEAVES]:
        left = max(
            m.left_at
            for c in small.classes
            for m in c.members
            if m.person_id == pupil and m.left_at
        )
        for day, hit in zip(small.school_days[school], flagged(small, "R3", pupil), strict=True):
            assert not (hit and day > left.date()), (pupil, day)


def test_the_edge_lessons_are_judged_by_length_size_and_title(small: Scenario) -> None:
    by_title = {le.title: le for le in small.lessons}
    short = next(le for t, le in by_title.items() if t.endswith("short live lesson"))
    ten = next(
        le
        for le in small.lessons
        if le.class_id == short.class_id and le.ended_at - le.started_at == timedelta(minutes=10)
    )
    assembly = by_title[ASSEMBLY_TITLE]

    assert short.ended_at - short.started_at == timedelta(minutes=10, seconds=-1)
    assert not any(flagged(small, "R4", short.id))
    assert any(flagged(small, "R4", ten.id))
    # A Google call tied to no class has no title to match: not a live lesson there.
    assert not any(flagged(small, "R4", assembly.id))


def test_one_to_ones_are_found_and_a_second_adult_makes_a_call_not_one(small: Scenario) -> None:
    ones = small.profiles[prof.ONE_TO_ONE]
    assert len(ones) == 2 and all(any(flagged(small, "R4-1to1", le)) for le in ones)
    chaperoned = [
        le for le in small.lessons if "catch-up" in le.title.lower() and le.id not in ones
    ]
    assert len(chaperoned) == 1 and len(chaperoned[0].attendance) == 3
    assert not any(flagged(small, "R4-1to1", chaperoned[0].id))
    # The 1:1 tied to a class has one pupil: too small to need a recording.
    in_class = next(le for le in small.lessons if le.id in ones and le.class_id)
    assert not any(flagged(small, "R4", in_class.id))


def school(index: int, platform: Platform = Platform.GOOGLE) -> SchoolSpec:
    key = names.SCHOOLS[index].lower()
    return SchoolSpec(key, key, platform, "Europe/London", f"{key}.sch.uk", f"a@{key}.sch.uk")


def test_trust_schools_turn_every_knob_and_their_config_is_valid() -> None:
    varied = [knobs(school(i)) for i in range(10)]
    for i in range(10):
        R3Settings.model_validate(r3_config(school(i)))
        R4Settings.model_validate(r4_config(school(i)))
    defaults = knobs(school(0))
    for field in (
        "missed_in_a_row",
        "share_days",
        "share_below",
        "lessons_in_a_row",
        "inactive_days",
        "excuse_returned_ungraded",
        "class_meetings",
        "title_patterns",
        "min_minutes",
        "min_pupils",
    ):
        assert any(getattr(k, field) != getattr(defaults, field) for k in varied), field
    assert all(k.safeguarding_contact for k in varied)
