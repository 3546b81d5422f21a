"""Every kind of response the Google sandbox gives matches the discovery document."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
from googleapiclient.errors import HttpError

from connector.sandbox.app import build_sandbox
from connector.sandbox.google import side_of
from connector.sandbox.scenario import generate
from connector.sandbox.scenario.ids import customer_admin_email
from connector.sandbox.scenario.model import AttendanceSpec, LessonSpec
from connector.sandbox.server import Sandbox
from connector.sandbox.world import World

from .conftest import Client, calendar_for, classroom_for, meet_for, reports_for
from .discovery_schema import documented, validate
from .factories import (
    ADMIN,
    ASSIGNMENT,
    LESSON_MON,
    MATHS,
    MATHS_CALENDAR,
    MATHS_CODE,
    NOW,
    PUPILS,
    T_ID,
    TEACHER,
)

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


def _meet_reads(m: Any, *, gets: bool = True) -> list[tuple[str, Any]]:
    """(schema name, response) for every Meet read of every record ``m``'s user can see."""
    records = m.conferenceRecords()
    participants, recordings = records.participants(), records.recordings()
    sessions = participants.participantSessions()
    listed = records.list(pageSize=100).execute()
    out: list[tuple[str, Any]] = [("ListConferenceRecordsResponse", listed)]
    for r in listed.get("conferenceRecords", []):
        out.append(("ConferenceRecord", records.get(name=r["name"]).execute()))
        parts = participants.list(parent=r["name"]).execute()
        out.append(("ListParticipantsResponse", parts))
        people = parts.get("participants", [])
        for p in people if gets else people[:1]:
            out.append(("Participant", participants.get(name=p["name"]).execute()))
            body = sessions.list(parent=p["name"]).execute()
            out.append(("ListParticipantSessionsResponse", body))
            for x in body.get("participantSessions", []):
                out.append(("ParticipantSession", sessions.get(name=x["name"]).execute()))
        recs = recordings.list(parent=r["name"]).execute()
        out.append(("ListRecordingsResponse", recs))
        for x in recs.get("recordings", []):
            out.append(("Recording", recordings.get(name=x["name"]).execute()))
    return out


def _check_doc(responses: list[tuple[str, Any]], doc: str) -> None:
    problems = [p for name, body in responses for p in validate(body, name, doc)]
    if doc == "calendar.v3":
        problems += [p for _, body in responses for p in documented(body)]
    assert problems == []


def test_every_calendar_meet_and_guardian_response_matches_its_discovery_schema(
    sandbox: Sandbox, world: World
) -> None:
    # A running recorded lesson, one just ended (recording ENDED), and a guest.
    start = NOW - timedelta(minutes=20)
    world.add_lesson(
        LessonSpec("running", MATHS, T_ID, "Maths 7A live lesson", MATHS_CODE, start,
                   NOW + timedelta(minutes=20),
                   [AttendanceSpec(T_ID, start, NOW + timedelta(minutes=20)),
                    AttendanceSpec("a-guest", start, start + timedelta(minutes=5))],
                   recorded=True, recording_id="rec-running")
    )  # fmt: skip
    world.add_lesson(
        LessonSpec("just-ended", None, T_ID, "Call", "jus-tend-edx", start, NOW,
                   [AttendanceSpec(T_ID, start, NOW)], recorded=True, recording_id="rec-ended")
    )  # fmt: skip
    cal = calendar_for(sandbox, TEACHER).events()
    listed = cal.list(calendarId=MATHS_CALENDAR, singleEvents=True, orderBy="startTime").execute()
    calendar_reads: list[tuple[str, Any]] = [
        ("Events", listed),
        ("Events", cal.list(calendarId=MATHS_CALENDAR, maxAttendees=1).execute()),
        ("Events", cal.list(calendarId="primary", timeZone="America/New_York").execute()),
        ("Event", cal.get(calendarId=MATHS_CALENDAR, eventId=listed["items"][0]["id"]).execute()),
    ]
    _check_doc(calendar_reads, "calendar.v3")

    meet_reads = _meet_reads(meet_for(sandbox, TEACHER))
    space = meet_for(sandbox, TEACHER).spaces().get(name=f"spaces/{MATHS_CODE}").execute()
    meet_reads.append(("Space", space))
    _check_doc(meet_reads, "meet.v2")
    states = {b["state"] for n, b in meet_reads if n == "Recording"}
    assert states == {"STARTED", "ENDED", "FILE_GENERATED"}
    kinds = {k for n, b in meet_reads if n == "Participant" for k in b} & {
        "signedinUser",
        "anonymousUser",
    }
    assert kinds == {"signedinUser", "anonymousUser"}
    assert any(n == "ConferenceRecord" and "endTime" not in b for n, b in meet_reads)
    assert any(n == "ConferenceRecord" and b["name"].endswith(LESSON_MON) for n, b in meet_reads)

    guardians = classroom_for(sandbox, ADMIN).userProfiles().guardians()
    listed_g = guardians.list(studentId="-").execute()
    first = listed_g["guardians"][0]
    _check_doc(
        [
            ("ListGuardiansResponse", listed_g),
            ("ListGuardiansResponse", guardians.list(studentId=PUPILS[1]).execute()),
            ("Guardian", guardians.get(studentId=first["studentId"],
                                       guardianId=first["guardianId"]).execute()),
        ],
        "classroom.v1",
    )  # fmt: skip


def test_a_generated_tiny_trusts_lessons_are_served_within_the_schemas() -> None:
    scenario = generate("tiny", 1)
    world = World(scenario)
    school = next(s for s in scenario.schools if s.platform.value == "google")
    with build_sandbox(world) as sb:
        courses = classroom_for(sb, school.admin_email).courses().list().execute()["courses"]
        cal = calendar_for(sb, school.admin_email).events()
        calendar_reads = [("Events", cal.list(calendarId=c["calendarId"]).execute())
                          for c in courses if "calendarId" in c]  # fmt: skip
        _check_doc(calendar_reads, "calendar.v3")
        organisers = {le.organiser_id for le in scenario.lessons}
        meet_reads: list[tuple[str, Any]] = []
        for pid in sorted(organisers):
            person = scenario.people[pid]
            if scenario.school(person.school_id).platform.value == "google":
                meet_reads += _meet_reads(meet_for(sb, person.email), gets=False)
        _check_doc(meet_reads, "meet.v2")
        served = sum(len(b.get("conferenceRecords", [])) for _, b in meet_reads)
        assert served > 0


def _audit_pages(sb: Sandbox, user: str, size: int) -> list[tuple[str, Any]]:
    """("Activities", page) for every page of the Classroom log, then each activity."""
    acts = reports_for(sb, user).activities()
    req = acts.list(userKey="all", applicationName="classroom", maxResults=size)
    pages: list[tuple[str, Any]] = []
    while req is not None:
        page = req.execute()
        pages.append(("Activities", page))
        req = acts.list_next(req, page)
    items = [("Activity", a) for _, p in pages for a in p.get("items", [])]
    return pages + items


def test_every_audit_page_and_activity_matches_the_reports_discovery_schema(
    sandbox: Sandbox, world: World
) -> None:
    world.turn_in(next(s.id for s in world.subs_by_work[ASSIGNMENT] if s.pupil_id == PUPILS[0]))
    world.delete_class(MATHS)
    world.advance(timedelta(days=3))  # the scheduled post goes live
    reads = _audit_pages(sandbox, customer_admin_email(), 7)
    empty = reports_for(sandbox, ADMIN).activities().list(userKey="all", applicationName="drive")
    reads.append(("Activities", empty.execute()))
    _check_doc(reads, "admin.reports_v1")
    names = {a["events"][0]["name"] for n, a in reads if n == "Activity"}
    assert names == {
        "created_course", "deleted_course", "user_added_to_course", "user_removed_from_course",
        "published_course_work", "updated_course_work", "published_announcement",
        "changed_submission_state", "set_grade",
    }  # fmt: skip


def test_a_generated_tiny_trusts_audit_log_is_served_within_the_schema() -> None:
    world = World(generate("tiny", 1))
    with build_sandbox(world) as sb:
        reads = _audit_pages(sb, customer_admin_email(), 1000)
        _check_doc(reads, "admin.reports_v1")
        assert sum(n == "Activity" for n, _ in reads) > 100
