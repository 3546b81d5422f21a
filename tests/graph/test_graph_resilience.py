"""Throttling, vanished classes and malformed records: the sync goes on."""

from __future__ import annotations

from config.settings import MicrosoftSettings
from connector.graph import GraphClassSource
from connector.sandbox.graph import SANDBOX_CLIENT_SECRET, GraphState, Limit, graph_fault
from connector.sandbox.server import Fault, Sandbox
from connector.sandbox.world import World


def test_a_429_with_retry_after_is_waited_out_and_retried(
    source: GraphClassSource, sandbox: Sandbox, sleeps: list[float]
) -> None:
    sandbox.inject(graph_fault(429, path=r"/education/schools$", retry_after=1))
    assert [s.name for s in source.schools()] == ["Elmwood Academy"]
    assert sleeps == [1.0]
    assert source.stats.throttled == 1


def test_a_503_is_retried_after_its_retry_after(
    source: GraphClassSource, sandbox: Sandbox, sleeps: list[float]
) -> None:
    sandbox.inject(graph_fault(503, path=r"/classes$", retry_after=1, times=2))
    assert len(list(source.list_classes())) == 3
    assert sleeps == [1.0, 1.0]


def test_a_throttled_request_inside_a_batch_is_retried_after_its_retry_after(
    source: GraphClassSource, state: GraphState, sleeps: list[float]
) -> None:
    classes = list(source.list_classes())
    state.inner_faults.append(graph_fault(429, path=r"/members$", retry_after=1, times=2))

    snaps = list(source.read_classes(classes, {}, full=True))

    assert all(s.roster_complete and not s.skipped for s in snaps)
    assert sleeps == [1.0]  # both throttled parts retried together, after one wait
    assert source.stats.throttled == 2


def test_the_sandboxs_assignment_limit_throttles_and_the_sync_still_completes(
    settings: MicrosoftSettings, state: GraphState
) -> None:
    state.assignment_limits = (Limit(2, 1.0),)  # 2 assignment-service calls a second
    with GraphClassSource(settings, client_secret=SANDBOX_CLIENT_SECRET) as source:
        classes = list(source.list_classes())
        snaps = list(source.read_classes(classes, {}, full=True))
        assert source.stats.throttled > 0
    assert all(s.work_complete and not s.skipped for s in snaps)
    assert sum(len(s.submissions) for s in snaps) == 18


def test_a_class_deleted_before_it_is_read_gives_an_incomplete_snapshot(
    source: GraphClassSource, world: World
) -> None:
    classes = list(source.list_classes())
    gone = classes[1].platform_id
    world.delete_class(gone)

    snaps = {s.klass.platform_id: s for s in source.read_classes(classes, {}, full=True)}

    assert not snaps[gone].roster_complete and not snaps[gone].work_complete
    assert "404" in snaps[gone].skipped[0].reason
    assert not snaps[gone].members and not snaps[gone].cursor
    others = [s for cid, s in snaps.items() if cid != gone]
    assert all(s.roster_complete and s.work_complete for s in others)


def test_a_malformed_class_is_skipped_and_the_rest_are_listed(
    source: GraphClassSource, sandbox: Sandbox
) -> None:
    page = {"value": [{"id": "c-without-a-name"},
                      {"id": "9a0f2c1e-1111-4222-8333-944455556666", "displayName": "8X Art"}]}
    sandbox.inject(Fault(path=r"/schools/[^/]+/classes$", status=200, body=page))

    assert [c.name for c in source.list_classes()] == ["8X Art"]
    assert [s.platform_id for s in source.skipped()] == ["c-without-a-name"]


def test_malformed_submissions_are_skipped_and_the_good_ones_kept(
    source: GraphClassSource, sandbox: Sandbox
) -> None:
    recipient = {"@odata.type": "#microsoft.graph.educationSubmissionIndividualRecipient",
                 "userId": "6c1f5a0e-0000-4000-8000-000000000001"}
    page = {"value": [
        {"id": "bad-date", "status": "submitted", "assignmentId": "a1",
         "recipient": recipient, "submittedDateTime": "yesterday-ish"},
        {"id": "no-recipient", "status": "working", "assignmentId": "a1"},
        {"id": "odd-status", "status": "teleported", "assignmentId": "a1",
         "recipient": recipient},
        {"id": "fine", "status": "working", "assignmentId": "a1", "recipient": recipient},
    ]}
    classes = list(source.list_classes())[:1]  # one submissions call: sent without $batch
    sandbox.inject(Fault(path=r"/submissions$", status=200, body=page))

    snap = next(iter(source.read_classes(classes, {}, full=True)))

    assert [s.platform_id for s in snap.submissions] == ["fine"]
    assert {s.platform_id for s in snap.skipped} == {"bad-date", "no-recipient", "odd-status"}
