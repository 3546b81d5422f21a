"""A generated Microsoft school (``tiny``) served by the Graph sandbox over real HTTP, and a
lesson source on it with the roster the sync would hand it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from config.settings import MicrosoftSettings
from connector.graph.lessons import GraphLessonSource
from connector.records import LessonClass, Role, StaffMember
from connector.sandbox.graph import (
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_TENANT_ID,
    register,
)
from connector.sandbox.graph.meetings import MeetingsState, meetings_state
from connector.sandbox.scenario import generate
from connector.sandbox.server import Sandbox
from connector.sandbox.world import World

WINDOW = timedelta(days=60)


@pytest.fixture(scope="module")
def scenario_world() -> World:
    return World(generate("tiny", 1, platforms="microsoft"))


@pytest.fixture
def world() -> World:
    return World(generate("tiny", 1, platforms="microsoft"))


@pytest.fixture
def sandbox(world: World) -> Iterator[Sandbox]:
    with Sandbox() as sb:
        register(sb, world)
        yield sb


@pytest.fixture
def meetings(sandbox: Sandbox) -> MeetingsState:
    return meetings_state(sandbox)


@pytest.fixture
def settings(sandbox: Sandbox) -> MicrosoftSettings:
    root = sandbox.url.rstrip("/")
    return MicrosoftSettings(base_url=f"{root}/v1.0", authority=root,
                             tenant_id=SANDBOX_TENANT_ID, client_id=SANDBOX_CLIENT_ID)


@pytest.fixture
def source(settings: MicrosoftSettings, world: World) -> Iterator[GraphLessonSource]:
    async def sleep(seconds: float) -> None:
        return None

    src = GraphLessonSource(settings, client_secret=SANDBOX_CLIENT_SECRET, sleep=sleep,
                            clock=lambda: world.now)
    yield src
    src.close()


def scope(world: World) -> tuple[list[LessonClass], list[StaffMember]]:
    """What ``sync.lessons.lesson_scope`` would build from the stored roster."""
    classes, staff = [], {}
    for c in world.scenario.classes:
        teachers = [m.person_id for m in c.members if m.role is Role.TEACHER]
        classes.append(LessonClass(
            c.id, c.id, tuple(p.email for t in teachers if (p := world.person(t))),
            frozenset(teachers),
            frozenset(m.person_id for m in c.members if m.role is Role.PUPIL)))
        for t in teachers:
            p = world.person(t)
            if p is not None:
                staff[t] = StaffMember(t, p.email)
    return classes, list(staff.values())
