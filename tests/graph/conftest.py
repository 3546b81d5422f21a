"""Fixtures for the Graph connector: a Microsoft world served by the sandbox over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from config.settings import MicrosoftSettings
from connector.graph import GraphClassSource
from connector.sandbox.graph import (
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_TENANT_ID,
    GraphState,
    graph_state,
    register,
)
from connector.sandbox.server import Sandbox
from connector.sandbox.world import World
from tests.graph.factories import microsoft_world


@pytest.fixture
def world() -> World:
    return World(microsoft_world())


@pytest.fixture
def sandbox(world: World) -> Iterator[Sandbox]:
    with Sandbox() as sb:
        register(sb, world)
        yield sb


@pytest.fixture
def state(sandbox: Sandbox) -> GraphState:
    return graph_state(sandbox)


@pytest.fixture
def settings(sandbox: Sandbox) -> MicrosoftSettings:
    root = sandbox.url.rstrip("/")
    return MicrosoftSettings(
        base_url=f"{root}/v1.0", authority=root, tenant_id=SANDBOX_TENANT_ID,
        client_id=SANDBOX_CLIENT_ID, concurrency=4,
    )


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def source(
    settings: MicrosoftSettings, sleeps: list[float], world: World
) -> Iterator[GraphClassSource]:
    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    src = GraphClassSource(settings, client_secret=SANDBOX_CLIENT_SECRET, sleep=sleep,
                           clock=lambda: world.now)
    yield src
    src.close()
