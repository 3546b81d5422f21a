"""A generated Microsoft school (the scenario generator's "tiny") read through the sandbox."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from config.settings import MicrosoftSettings
from connector.graph import GraphClassSource
from connector.records import WorkKind, WorkState
from connector.sandbox.graph import (
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_TENANT_ID,
    graph_state,
    register,
)
from connector.sandbox.scenario import generate
from connector.sandbox.server import Sandbox
from connector.sandbox.world import World


@pytest.fixture
def generated() -> World:
    return World(generate("tiny", 1, platforms="microsoft"))


@pytest.fixture
def served(generated: World) -> Iterator[tuple[Sandbox, MicrosoftSettings]]:
    with Sandbox() as sb:
        register(sb, generated)
        root = sb.url.rstrip("/")
        yield sb, MicrosoftSettings(base_url=f"{root}/v1.0", authority=root,
                                    tenant_id=SANDBOX_TENANT_ID, client_id=SANDBOX_CLIENT_ID)


def test_a_generated_school_syncs_into_the_records_the_scenario_describes(
    generated: World, served: tuple[Sandbox, MicrosoftSettings]
) -> None:
    sandbox, settings = served
    school = generated.scenario.schools[0]
    with GraphClassSource(settings, client_secret=SANDBOX_CLIENT_SECRET,
                          school_id=school.platform_school_id,
                          clock=lambda: generated.now) as source:
        snaps = list(source.read_classes(list(source.list_classes()), {}, full=True))
        stats = source.stats

    # Announcements have no Teams education API; materials are class modules.
    served_kinds = (WorkKind.ASSIGNMENT, WorkKind.QUESTION, WorkKind.MATERIAL)
    expected_work = {w.id for w in generated.scenario.work
                     if w.kind in served_kinds and w.state is not WorkState.DELETED}
    assert {w.platform_id for s in snaps for w in s.work} == expected_work
    modules = {w.platform_id: w for s in snaps for w in s.work if w.kind is WorkKind.MATERIAL}
    assert modules, "the school has materials, read as class modules"
    for w in generated.scenario.work:
        if w.id in modules and w.state is WorkState.PUBLISHED:
            assert modules[w.id].published_at == w.published_at
    want = {x.id: x for x in generated.scenario.submissions if x.work_id in expected_work}
    got = {x.platform_id: x for s in snaps for x in s.submissions}
    assert set(got) == set(want)
    assert all(got[k].state is want[k].state and got[k].late is want[k].late for k in want)
    assert all(not s.skipped for s in snaps)
    # Every call but the class list went through $batch; a round of one call (a lone
    # leaver's profile) is sent plainly.
    state = graph_state(sandbox)
    lone = sum(n for k, n in sandbox.requests.items()
               if k.startswith("GET /v1.0/education/users/"))
    assert lone <= 1
    assert stats.requests == 1 + state.batches + lone
