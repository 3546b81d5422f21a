"""The Graph connector reads a hand-built Microsoft world from the sandbox over real HTTP."""

from __future__ import annotations

from datetime import timedelta

from config.settings import MicrosoftSettings
from connector.graph import GraphClassSource
from connector.records import Role, SubmissionState, WorkState
from connector.sandbox.graph import SANDBOX_CLIENT_SECRET, GraphState, graph_state, register
from connector.sandbox.server import Sandbox
from connector.sandbox.world import World
from tests.graph.factories import microsoft_world

SUBMISSIONS = "GET /v1.0/education/classes/{id}/assignments/{id}/submissions"


def _read_all(source: GraphClassSource) -> list:  # type: ignore[type-arg]
    classes = list(source.list_classes())
    return list(source.read_classes(classes, {}, full=True))


def test_it_reads_every_class_member_assignment_and_submission(
    source: GraphClassSource, world: World, state: GraphState
) -> None:
    state.default_page_size = 2  # force paging everywhere, inside batches too
    snaps = _read_all(source)

    assert {s.klass.platform_id for s in snaps} == {c.id for c in world.scenario.classes}
    for snap in snaps:
        spec = world.classes[snap.klass.platform_id]
        assert snap.klass.school_platform_id == world.scenario.schools[0].platform_school_id
        assert snap.klass.owner_platform_id == spec.owner_id
        assert snap.roster_complete and snap.work_complete and not snap.skipped
        assert {(m.person_platform_id, m.role) for m in snap.members} == {
            (m.person_id, m.role) for m in spec.members}
        assert {w.platform_id for w in snap.work} == {w.id for w in world.work_by_class[spec.id]}
        expected = {s.id: s for s in world.subs_by_class[spec.id]}
        assert {s.platform_id for s in snap.submissions} == set(expected)
        for sub in snap.submissions:
            want = expected[sub.platform_id]
            assert sub.state is want.state
            assert sub.late is want.late
            assert sub.graded is (want.assigned_grade is not None)
            assert sub.pupil_platform_id == want.pupil_id
        assert snap.cursor  # a delta link to start the next sync from


def test_it_maps_assignment_states_like_teams_shows_them(source: GraphClassSource) -> None:
    snap = _read_all(source)[0]
    by_title = {w.title: w for w in snap.work}
    assert by_title["Homework 0"].state is WorkState.PUBLISHED
    assert by_title["Homework 0"].published_at is not None
    assert by_title["Homework 1"].state is WorkState.DRAFT
    assert by_title["Homework 2"].state is WorkState.SCHEDULED
    assert by_title["Homework 2"].scheduled_at is not None
    assert by_title["Homework 2"].published_at is None


def test_it_sees_excused_work_because_it_asks_for_unknown_enum_members(
    source: GraphClassSource,
) -> None:
    states = {s.state for snap in _read_all(source) for s in snap.submissions}
    assert SubmissionState.EXCUSED in states


def test_it_fans_out_through_batches_of_at_most_twenty(
    source: GraphClassSource, state: GraphState
) -> None:
    _read_all(source)
    # 3 classes x (members, teachers, assignments) + 3 x 1 live assignment's submissions.
    assert state.calls["GET /v1.0/education/classes/{id}/members"] == 3
    assert state.calls["GET /v1.0/education/classes/{id}/assignments/{id}/submissions"] == 3
    assert state.batches == 2
    assert source.stats.api_calls == state.api_calls()
    assert source.stats.requests < source.stats.api_calls


def test_pupils_who_left_every_class_are_read_together_after_the_submissions(
    source: GraphClassSource, world: World, state: GraphState
) -> None:
    # Teams keeps a leaver's submissions; the sync needs their profile to store them.
    leavers = {}
    for spec in world.scenario.classes:
        pupil = next(m.person_id for m in spec.members if m.role is Role.PUPIL)
        world.remove_pupil(spec.id, pupil)
        leavers[spec.id] = pupil
    snaps = _read_all(source)

    for snap in snaps:
        people = {p.platform_id: p for p in snap.people}
        leaver = leavers[snap.klass.platform_id]
        assert leaver not in {m.person_platform_id for m in snap.members}
        assert leaver in {s.pupil_platform_id for s in snap.submissions}
        assert people[leaver].email == world.scenario.people[leaver].email
    # Lists, then submissions, then the three profiles in one batch: not a request each.
    assert state.calls["GET /v1.0/education/users/{id}"] == 3
    assert state.batches == 3


def test_an_incremental_read_relists_the_work_and_reads_only_submissions_changed_since(
    source: GraphClassSource, world: World, state: GraphState
) -> None:
    classes = list(source.list_classes())
    first = list(source.read_classes(classes, {}, full=True))
    cursors = {s.klass.platform_id: s.cursor for s in first}
    sub = next(s for s in world.scenario.submissions if s.state is SubmissionState.ASSIGNED)
    world.advance(timedelta(hours=1))
    world.turn_in(sub.id)
    gone = next(w for w in world.visible_work(sub.class_id) if w.id != sub.work_id)
    world.delete_work(gone.id)
    before = state.calls["GET /v1.0/education/classes/{id}/assignments/{id}/submissions"]

    again = list(source.read_classes(classes, cursors, full=False))

    assert state.calls["GET /v1.0/education/classes/{id}/getRecentlyModifiedSubmissions()"] == 3
    assert state.calls["GET /v1.0/education/classes/{id}/assignments/{id}/submissions"] == before
    snap = next(s for s in again if s.klass.platform_id == sub.class_id)
    assert snap.work_complete  # the list shows deletions, which delta never reports
    assert gone.id not in {w.platform_id for w in snap.work}
    assert [s.platform_id for s in snap.submissions] == [sub.id]  # only what changed
    assert snap.submissions[0].state is SubmissionState.TURNED_IN
    assert snap.submissions[0].late  # due date from the assignment list of the same round


def test_people_reads_profiles_by_id(source: GraphClassSource, world: World) -> None:
    ids = [p.id for p in list(world.scenario.people.values())[:3]]
    people = {p.platform_id: p for p in source.people(ids)}
    assert set(people) == set(ids)
    assert people[ids[0]].email == world.scenario.people[ids[0]].email


def test_teachers_are_members_with_the_teacher_role(source: GraphClassSource) -> None:
    snap = _read_all(source)[0]
    roles = {m.role for m in snap.members}
    assert roles == {Role.TEACHER, Role.PUPIL}


def test_a_class_is_handed_over_while_later_classes_are_still_being_read(
    settings: MicrosoftSettings,
) -> None:
    world = World(microsoft_world(classes=8, works=7))  # 5 live assignments a class
    with Sandbox(latency_ms=300) as sandbox:
        register(sandbox, world)
        root = sandbox.url.rstrip("/")
        one_at_a_time = settings.model_copy(
            update={"base_url": f"{root}/v1.0", "authority": root, "concurrency": 1})
        with GraphClassSource(one_at_a_time, client_secret=SANDBOX_CLIENT_SECRET,
                              clock=lambda: world.now) as source:
            classes = list(source.list_classes())
            reading = source.read_classes(classes, {}, full=True)

            first = next(reading)
            calls = graph_state(sandbox).calls[SUBMISSIONS]
            rest = list(reading)

        # 40 submission lists in two batches of 20: the first class (in the first batch)
        # came out before the second batch was answered.
        assert first.klass.platform_id == classes[0].platform_id
        assert len(first.submissions) == 30
        assert calls == 20 and graph_state(sandbox).calls[SUBMISSIONS] == 40
        assert [s.klass.platform_id for s in rest] == [c.platform_id for c in classes[1:]]
