"""The Classroom audit log through the real Admin SDK Reports client: what each world
change logs, the reporting lag, paging and the time window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from connector.records import WorkKind, WorkState
from connector.sandbox.google import side_of, stats
from connector.sandbox.scenario.ids import SANDBOX_CUSTOMER_ID, customer_admin_email
from connector.sandbox.scenario.model import PersonSpec, WorkSpec
from connector.sandbox.server import Sandbox
from connector.sandbox.world import World

from .conftest import reports_for
from .factories import (
    ART,
    ASSIGNMENT,
    ELM,
    HISTORY,
    MATHS,
    NOW,
    PUPIL,
    PUPILS,
    SCHEDULED,
    T_ID,
    TEACHER,
)

BOSS = customer_admin_email()
LAG = timedelta(minutes=2, seconds=1)


def activities(sandbox: Sandbox, user: str = BOSS, **query: Any) -> list[dict[str, Any]]:
    """Every activity the query returns, following nextPageToken with list_next."""
    acts = reports_for(sandbox, user).activities()
    req = acts.list(userKey=query.pop("userKey", "all"), applicationName="classroom", **query)
    out: list[dict[str, Any]] = []
    while req is not None:
        resp = req.execute()
        out += resp.get("items", [])
        req = acts.list_next(req, resp)
    return out


def named(items: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [a for a in items if a["events"][0]["name"] == name]


def params(activity: dict[str, Any]) -> dict[str, Any]:
    """An activity's parameters by name, each with its typed value."""
    out = {}
    for p in activity["events"][0]["parameters"]:
        value = [v for k, v in p.items() if k != "name"]
        out[p["name"]] = value[0]
    return out


def at(activity: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(activity["id"]["time"])


def sub_of(world: World, pupil: str, work: str = ASSIGNMENT) -> str:
    return next(s.id for s in world.subs_by_work[work] if s.pupil_id == pupil)


def test_the_log_is_served_newest_first_with_ids_actors_and_domains(sandbox: Sandbox) -> None:
    items = activities(sandbox)
    times = [(at(a), int(a["id"]["uniqueQualifier"])) for a in items]
    assert times == sorted(times, reverse=True)
    assert len({a["id"]["uniqueQualifier"] for a in items}) == len(items)
    assert all(at(a) <= NOW - timedelta(minutes=2) for a in items)
    first = items[0]
    assert first["kind"] == "admin#reports#activity"
    assert first["id"]["applicationName"] == "classroom"
    assert first["id"]["customerId"] == SANDBOX_CUSTOMER_ID
    assert first["actor"]["callerType"] == "USER"
    assert {a["ownerDomain"] for a in items} == {"oakfield.sch.uk", "elmwood.sch.uk"}
    assert stats(sandbox).by_method["reports.activities.list"] == 1


def test_the_factory_history_is_logged_as_classroom_events(sandbox: Sandbox) -> None:
    items = activities(sandbox)
    created = named(items, "created_course")
    assert {params(a)["course_id"] for a in created} == {MATHS, HISTORY, ART, ELM}
    maths = next(a for a in created if params(a)["course_id"] == MATHS)
    assert params(maths) == {"course_id": MATHS, "course_title": "Maths 7A"}
    assert maths["events"][0]["type"] == "course_update"
    assert maths["actor"]["email"] == TEACHER and maths["actor"]["profileId"] == T_ID
    # Six pupils joined Maths (the owner's own membership is not an addition); one left.
    added = [a for a in named(items, "user_added_to_course") if params(a)["course_id"] == MATHS]
    assert len(added) == 6
    assert {params(a)["course_role"] for a in added} == {"student"}
    removed = named(items, "user_removed_from_course")
    assert [params(a)["impacted_users"] for a in removed] == [["p6@oakfield.sch.uk"]]
    assert at(removed[0]) == NOW - timedelta(days=1)
    posted = {params(a)["post_id"]: params(a) for a in named(items, "published_course_work")}
    assert posted[ASSIGNMENT]["course_work_type"] == "assignment"
    assert {p["course_work_type"] for p in posted.values()} == {
        "assignment",
        "question",
        "material",
    }
    assert SCHEDULED not in posted  # goes live in two days
    announced = named(items, "published_announcement")
    assert len(announced) == 1 and "course_work_type" not in params(announced[0])
    assert [params(a)["post_id"] for a in named(items, "updated_course_work")] == [ASSIGNMENT]
    states = [params(a)["submission_state"] for a in named(items, "changed_submission_state")]
    assert sorted(set(states)) == ["reclaimed_by_student", "returned", "turned_in"]
    # A pupil who left keeps the history of what they did while a member.
    assert any(
        params(a)["impacted_users"] == ["p6@oakfield.sch.uk"]
        for a in named(items, "changed_submission_state")
    )


def test_a_turn_in_is_logged_by_the_pupil_once_the_reporting_lag_has_passed(
    sandbox: Sandbox, world: World
) -> None:
    sub = sub_of(world, PUPILS[0])
    world.turn_in(sub)
    before = len(named(activities(sandbox), "changed_submission_state"))
    world.advance(timedelta(minutes=1))
    assert len(named(activities(sandbox), "changed_submission_state")) == before
    world.advance(timedelta(minutes=1, seconds=1))
    newest = activities(sandbox, maxResults=1)[0]
    assert newest["events"][0]["name"] == "changed_submission_state"
    assert newest["actor"]["email"] == PUPIL
    assert at(newest) == NOW
    assert params(newest) == {
        "course_id": MATHS,
        "course_title": "Maths 7A",
        "course_work_title": "assignment 02",
        "has_grade": False,
        "impacted_users": [PUPIL],
        "is_late": True,  # due on 4 March
        "post_id": ASSIGNMENT,
        "submission_state": "turned_in",
    }


def test_a_return_with_a_grade_logs_the_state_change_and_the_grade_by_the_teacher(
    sandbox: Sandbox, world: World
) -> None:
    world.return_work(sub_of(world, PUPILS[1]), grade=17.0)
    world.advance(LAG)
    logged = {a["events"][0]["name"]: a for a in activities(sandbox, startTime=NOW.isoformat())}
    assert set(logged) == {"changed_submission_state", "set_grade"}
    state, grade = logged["changed_submission_state"], logged["set_grade"]
    assert at(state) == at(grade) == NOW
    assert params(state)["submission_state"] == "returned"
    assert params(state)["has_grade"] is True and params(state)["is_late"] is False
    assert params(grade) == {
        "course_id": MATHS,
        "course_title": "Maths 7A",
        "course_work_title": "assignment 02",
        "impacted_users": ["p2@oakfield.sch.uk"],
        "post_id": ASSIGNMENT,
    }
    assert state["actor"]["email"] == grade["actor"]["email"] == TEACHER


def test_a_reclaim_is_logged_as_reclaimed_by_student(sandbox: Sandbox, world: World) -> None:
    world.reclaim(sub_of(world, PUPILS[4]))  # turned in late on 6 March
    world.advance(LAG)
    (newest,) = activities(sandbox, startTime=NOW.isoformat())
    assert newest["actor"]["email"] == "p5@oakfield.sch.uk"
    assert params(newest)["submission_state"] == "reclaimed_by_student"
    assert params(newest)["is_late"] is True


def test_new_and_scheduled_posts_are_logged_when_they_go_live(
    sandbox: Sandbox, world: World
) -> None:
    post = WorkSpec("900000000099", MATHS, T_ID, WorkKind.MATERIAL, WorkState.PUBLISHED,
                    "Reading list", NOW, NOW, NOW)  # fmt: skip
    world.post_work(post)
    world.advance(LAG)
    (new,) = activities(sandbox, startTime=NOW.isoformat())
    assert new["events"][0]["name"] == "published_course_work"
    assert params(new)["course_work_type"] == "material"
    assert params(new)["post_id"] == "900000000099"
    assert params(new)["course_work_title"] == "Reading list"
    # The scheduled assignment goes live two days after NOW; two minutes later it shows.
    def live() -> dict[str, dict[str, Any]]:
        posts = named(activities(sandbox), "published_course_work")
        return {params(a)["post_id"]: a for a in posts}

    world.advance(timedelta(days=2) - LAG)
    assert SCHEDULED not in live()
    world.advance(LAG)
    assert at(live()[SCHEDULED]) == NOW + timedelta(days=2)


def test_adding_and_removing_a_pupil_are_logged_with_the_owner_as_actor(
    sandbox: Sandbox, world: World
) -> None:
    newcomer = PersonSpec("200000000000000000099", "oakfield", "new@oakfield.sch.uk",
                          "New", "Pupil", False)  # fmt: skip
    world.add_pupil(MATHS, newcomer)
    world.advance(timedelta(hours=1))
    world.remove_pupil(MATHS, newcomer.id)
    world.advance(LAG)
    items = activities(sandbox, startTime=NOW.isoformat())
    (added,) = named(items, "user_added_to_course")
    (removed,) = named(items, "user_removed_from_course")
    assert added["events"][0] == {
        "type": "course_membership_change",
        "name": "user_added_to_course",
        "parameters": [
            {"name": "course_id", "value": MATHS},
            {"name": "course_role", "value": "student"},
            {"name": "course_title", "value": "Maths 7A"},
            {"name": "impacted_users", "multiValue": ["new@oakfield.sch.uk"]},
        ],
    }
    assert at(removed) - at(added) == timedelta(hours=1)
    assert added["actor"]["email"] == removed["actor"]["email"] == TEACHER


def test_deleting_a_class_logs_deleted_course_and_keeps_its_past(
    sandbox: Sandbox, world: World
) -> None:
    world.delete_class(ART)
    world.advance(LAG)
    items = activities(sandbox)
    (gone,) = named(items, "deleted_course")
    assert params(gone) == {"course_id": ART, "course_title": "Art 9C"}
    assert at(gone) == NOW and gone["actor"]["email"] == "a.brush@oakfield.sch.uk"
    assert ART in {params(a)["course_id"] for a in named(items, "created_course")}


def test_the_lag_is_a_knob_of_the_live_sandbox(sandbox: Sandbox, world: World) -> None:
    side_of(sandbox).reports_lag = timedelta(minutes=10)
    world.turn_in(sub_of(world, PUPILS[0]))
    world.advance(timedelta(minutes=9))
    assert activities(sandbox, startTime=NOW.isoformat()) == []
    world.advance(timedelta(minutes=1))
    assert len(activities(sandbox, startTime=NOW.isoformat())) == 1


def test_paging_returns_every_activity_exactly_once_in_order(
    sandbox: Sandbox, world: World
) -> None:
    everything = activities(sandbox)
    acts = reports_for(sandbox, BOSS).activities()
    req = acts.list(userKey="all", applicationName="classroom", maxResults=4)
    paged: list[dict[str, Any]] = []
    pages = 0
    while req is not None:
        resp = req.execute()
        assert len(resp.get("items", [])) <= 4
        paged += resp.get("items", [])
        pages += 1
        if pages == 2:  # a newer event arriving mid-way does not shift the pages
            world.turn_in(sub_of(world, PUPILS[0]))
            world.advance(LAG)
        req = acts.list_next(req, resp)
    assert [a["id"] for a in paged] == [a["id"] for a in everything]
    assert pages == -(-len(everything) // 4)


def test_start_and_end_time_bound_the_window_inclusively(sandbox: Sandbox) -> None:
    everything = activities(sandbox)
    start, end = datetime(2026, 3, 3, 8, 0, tzinfo=UTC), datetime(2026, 3, 5, 8, 0, tzinfo=UTC)
    window = activities(sandbox, startTime=start.isoformat(), endTime="2026-03-05T08:00:00Z")
    assert window == [a for a in everything if start <= at(a) <= end]
    # A question went live and three pupils turned in at the start; a material went
    # live and a submission was returned at the end.
    assert {at(a) for a in window} >= {start, end}
