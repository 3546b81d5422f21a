from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from connector.records import Platform, Role, WorkKind, WorkState
from connector.sandbox.scenario import generate, profiles
from connector.sandbox.scenario.days import school_days
from connector.sandbox.scenario.model import Scenario

LONDON = ZoneInfo("Europe/London")


def test_the_same_seed_gives_an_identical_scenario(small: Scenario) -> None:
    assert generate("small", 1) == small
    assert generate("tiny", 7) == generate("tiny", 7)


def test_a_different_seed_gives_a_different_scenario(tiny: Scenario) -> None:
    other = generate("tiny", 2)
    assert [c.id for c in other.classes] != [c.id for c in tiny.classes]


@pytest.mark.parametrize(
    ("size", "schools", "classes", "days"),
    [("tiny", 1, 3, 5), ("small", 1, 30, 10)],
)
def test_sizes_have_the_documented_counts(size: str, schools: int, classes: int, days: int) -> None:
    s = generate(size)
    assert len(s.schools) == schools
    assert len(s.classes) == classes
    assert all(len(d) == days for d in s.school_days.values())


def test_the_trust_has_twenty_schools_six_hundred_classes_and_fifteen_thousand_pupils(
    trust: Scenario,
) -> None:
    assert len(trust.schools) == 20
    assert len(trust.classes) == 600
    assert sum(1 for p in trust.people.values() if not p.is_staff) == 15_000
    # Riverside has an INSET day and its term ends after 15 school days (calendars.py).
    assert all(len(d) == 20 for k, d in trust.school_days.items() if k != "riverside")
    assert len(trust.school_days["riverside"]) == 14
    platforms = [s.platform for s in trust.schools]
    assert platforms.count(Platform.MICROSOFT) == 5
    assert platforms[3] is Platform.MICROSOFT


def test_small_and_tiny_are_google_unless_asked() -> None:
    assert {s.platform for s in generate("tiny").schools} == {Platform.GOOGLE}
    ms = generate("tiny", platforms="microsoft")
    assert {s.platform for s in ms.schools} == {Platform.MICROSOFT}


def test_every_behaviour_profile_appears_in_small(small: Scenario) -> None:
    missing = [p for p in profiles.ALL if not small.profiles.get(p)]
    assert missing == []


def test_good_friday_easter_monday_and_weekends_are_not_school_days(trust: Scenario) -> None:
    days = trust.school_days["oakfield"]
    assert date(2026, 4, 3) not in days  # Good Friday
    assert date(2026, 4, 6) not in days  # Easter Monday
    assert all(d.weekday() < 5 for d in days)
    assert days[0] == date(2026, 3, 9)
    assert days[-1] == date(2026, 4, 7)
    assert school_days(date(2026, 4, 2), 2) == [date(2026, 4, 2), date(2026, 4, 7)]


def test_now_is_the_last_school_day_at_half_past_five_london_time(trust: Scenario) -> None:
    # The clock went forward on 2026-03-29, so 17:30 BST is 16:30 UTC.
    assert trust.now == datetime(2026, 4, 7, 16, 30, tzinfo=UTC)
    assert trust.now.astimezone(LONDON).time() == time(17, 30)


def test_the_default_start_does_not_depend_on_today(tiny: Scenario) -> None:
    assert tiny.school_days["oakfield"][0] == date(2026, 3, 9)
    later = generate("tiny", start=date(2026, 9, 7))
    assert later.school_days["oakfield"][0] == date(2026, 9, 7)


def _datetimes(obj: Any) -> list[datetime]:
    found: list[datetime] = []
    stack = [obj]
    while stack:
        x = stack.pop()
        if isinstance(x, datetime):
            found.append(x)
        elif dataclasses.is_dataclass(x) and not isinstance(x, type):
            stack.extend(getattr(x, f.name) for f in dataclasses.fields(x))
        elif isinstance(x, dict):
            stack.extend(x.values())
        elif isinstance(x, list | tuple | set):
            stack.extend(x)
    return found


def test_every_datetime_is_aware_utc(small: Scenario) -> None:
    found = _datetimes(small)
    assert len(found) > 10_000
    assert all(d.tzinfo is UTC for d in found)


def test_nothing_happens_after_now(small: Scenario) -> None:
    now = small.now
    assert all(w.created_at <= now and w.updated_at <= now for w in small.work)
    assert all(e.at <= now for x in small.submissions for e in x.history)
    assert all(le.ended_at <= now for le in small.lessons)


def test_ids_are_unique_per_kind_and_in_the_platforms_format(trust: Scenario) -> None:
    for kind in (trust.classes, trust.work, trust.submissions, trust.lessons):
        ids = [x.id for x in kind]
        assert len(ids) == len(set(ids))
    assert len({p.email for p in trust.people.values()}) == len(trust.people)
    platform = {s.id: s.platform for s in trust.schools}
    for c in trust.classes:
        if platform[c.school_id] is Platform.GOOGLE:
            assert c.id.isdigit() and len(c.id) == 12
            assert c.calendar_id and c.calendar_id.endswith("@group.calendar.google.com")
        else:
            assert len(c.id) == 36 and c.id.count("-") == 4
            assert c.calendar_id == c.id
    for p in trust.people.values():
        if platform[p.school_id] is Platform.GOOGLE:
            assert p.id.isdigit() and len(p.id) == 21
    for le in trust.lessons:
        code = le.meeting_code
        assert code.startswith("https://teams.microsoft.com/l/meetup-join/") or (
            len(code) == 12 and code[3] == "-" and code[8] == "-"
        )


def test_submissions_exist_only_for_pupils_who_were_members_when_work_went_live(
    small: Scenario,
) -> None:
    work = {w.id: w for w in small.work}
    members = {c.id: c.members for c in small.classes}
    for x in small.submissions:
        w = work[x.work_id]
        assert w.state is WorkState.PUBLISHED and w.kind in (WorkKind.ASSIGNMENT, WorkKind.QUESTION)
        assert w.published_at is not None
        m = next(m for m in members[x.class_id] if m.person_id == x.pupil_id)
        assert m.role is Role.PUPIL and m.joined_at <= w.published_at
        assert m.left_at is None or m.left_at > w.published_at
        assert x.history[-1].state is x.state and x.updated_at == x.history[-1].at


def test_a_scheduled_post_goes_live_later_and_one_is_still_waiting(small: Scenario) -> None:
    scheduled = [(w, w.scheduled_at) for w in small.work if w.scheduled_at is not None]
    live = [(w, at) for w, at in scheduled if w.state is WorkState.PUBLISHED]
    waiting = [(w, at) for w, at in scheduled if w.state is WorkState.SCHEDULED]
    assert live and all(w.published_at == at > w.created_at for w, at in live)
    assert waiting and all(w.published_at is None and at > small.now for w, at in waiting)


def test_the_sandbox_world_indexes_a_generated_scenario(small: Scenario) -> None:
    from connector.sandbox.world import World

    world = World(generate("small"))
    klass = next(c for c in small.classes if c.daily and not c.archived)
    assert world.members(klass.id, Role.TEACHER)
    assert world.members(klass.id, Role.PUPIL)
    assert world.classes_of(Platform.GOOGLE, "oakfield")
