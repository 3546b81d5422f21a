"""Every kind of response the Google sandbox gives matches the discovery document."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from googleapiclient.errors import HttpError

from connector.sandbox.app import build_sandbox
from connector.sandbox.google import side_of
from connector.sandbox.scenario import generate
from connector.sandbox.server import Sandbox
from connector.sandbox.world import World

from .conftest import Client, classroom_for
from .discovery_schema import validate
from .factories import ADMIN, ASSIGNMENT, MATHS, PUPILS, TEACHER

STATES = ["PUBLISHED", "DRAFT", "DELETED"]


def _collect(c: Any, course_id: str) -> list[tuple[str, Any]]:
    """(schema name, response) for every read of one course, all states asked for."""
    courses = c.courses()
    cw = courses.courseWork()
    out: list[tuple[str, Any]] = [
        ("Course", courses.get(id=course_id).execute()),
        ("ListTeachersResponse", courses.teachers().list(courseId=course_id).execute()),
        ("ListStudentsResponse", courses.students().list(courseId=course_id).execute()),
        ("ListCourseWorkResponse", cw.list(courseId=course_id, courseWorkStates=STATES).execute()),
        (
            "ListCourseWorkMaterialResponse",
            courses.courseWorkMaterials()
            .list(courseId=course_id, courseWorkMaterialStates=STATES)
            .execute(),
        ),
        (
            "ListAnnouncementsResponse",
            courses.announcements().list(courseId=course_id, announcementStates=STATES).execute(),
        ),
        ("ListTopicResponse", courses.topics().list(courseId=course_id).execute()),
        (
            "ListStudentSubmissionsResponse",
            cw.studentSubmissions().list(courseId=course_id, courseWorkId="-").execute(),
        ),
    ]
    return out


def _check_all(responses: list[tuple[str, Any]]) -> None:
    problems = [p for name, body in responses for p in validate(body, name)]
    assert problems == []


def test_every_resource_of_the_factory_world_matches_its_discovery_schema(
    classroom: Client,
) -> None:
    c = classroom(ADMIN)
    responses = [("ListCoursesResponse", c.courses().list().execute())]
    responses += _collect(c, MATHS)
    responses.append(("UserProfile", c.userProfiles().get(userId=PUPILS[0]).execute()))
    responses.append(
        ("Teacher", c.courses().teachers().get(courseId=MATHS, userId=TEACHER).execute())
    )
    responses.append(
        ("CourseWork", c.courses().courseWork().get(courseId=MATHS, id=ASSIGNMENT).execute())
    )
    _check_all(responses)
    # Every state and work type the factory holds was served and checked.
    work = dict(responses)["ListCourseWorkResponse"]["courseWork"]
    assert {w["state"] for w in work} == set(STATES)
    assert {w["workType"] for w in work} == {
        "ASSIGNMENT",
        "SHORT_ANSWER_QUESTION",
        "MULTIPLE_CHOICE_QUESTION",
    }
    subs = dict(responses)["ListStudentSubmissionsResponse"]["studentSubmissions"]
    assert {s["state"] for s in subs} == {
        "CREATED",
        "TURNED_IN",
        "RETURNED",
        "RECLAIMED_BY_STUDENT",
    }


def test_the_token_response_and_error_bodies_are_shaped_as_googles(
    sandbox: Sandbox, classroom: Client, world: World
) -> None:
    r = httpx.get(sandbox.url + "v1/courses")
    assert set(r.json()) == {"error"}
    assert set(r.json()["error"]) == {"code", "message", "errors", "status"}
    world.delete_class(MATHS)
    with pytest.raises(HttpError) as e:
        classroom(ADMIN).courses().get(id=MATHS).execute()
    err = json.loads(e.value.content)["error"]
    assert isinstance(err["code"], int) and err["status"] == "NOT_FOUND"
    assert all(set(x) == {"message", "domain", "reason"} for x in err["errors"])
    bad = httpx.post(sandbox.url + "token", data={"grant_type": "password"})
    assert bad.status_code == 400
    assert set(bad.json()) == {"error", "error_description"}
    assert side_of(sandbox).stats().requests >= 2


def test_a_generated_tiny_trust_is_served_within_the_schema() -> None:
    scenario = generate("tiny", 1)
    world = World(scenario)
    school = next(s for s in scenario.schools if s.platform.value == "google")
    with build_sandbox(world) as sb:
        c = classroom_for(sb, school.admin_email)
        courses = c.courses().list().execute()
        responses = [("ListCoursesResponse", courses)]
        for course in courses["courses"]:
            responses += _collect(c, course["id"])
        _check_all(responses)
        served = sum(len(b.get("studentSubmissions", [])) for n, b in responses)
        assert served > 0
