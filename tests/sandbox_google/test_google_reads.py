"""The real googleapiclient reads courses, rosters, work and submissions from the sandbox."""

from __future__ import annotations

from typing import Any

import pytest

from connector.sandbox.world import World

from .conftest import AUTH, READ_SCOPES, Client
from .factories import (
    ADMIN,
    ANNOUNCEMENT,
    ART,
    ASSIGNMENT,
    DELETED,
    DRAFT,
    HISTORY,
    MATERIAL,
    MATHS,
    MCQ,
    NOW,
    PUPILS,
    SCHEDULED,
    SHORT_Q,
    T_ID,
    TEACHER,
)


def _all_pages(method: Any, key: str, **kw: Any) -> tuple[list[dict[str, Any]], int]:
    """Every item of a list, following nextPageToken by hand; also the number of pages."""
    items: list[dict[str, Any]] = []
    token = None
    pages = 0
    while True:
        resp = method(**kw, **({"pageToken": token} if token else {})).execute()
        pages += 1
        items += resp.get(key, [])
        token = resp.get("nextPageToken")
        if not token:
            return items, pages


def test_an_admin_lists_every_course_of_their_school_newest_first_through_pages(
    classroom: Client,
) -> None:
    c = classroom(ADMIN)
    courses, pages = _all_pages(c.courses().list, "courses", pageSize=1)
    assert [x["id"] for x in courses] == [ART, MATHS, HISTORY]
    assert pages == 3
    assert {x["courseState"] for x in courses} == {"ACTIVE", "ARCHIVED"}
    maths = next(x for x in courses if x["id"] == MATHS)
    assert maths["ownerId"] == T_ID
    assert maths["calendarId"] == "c_classroom0001@group.calendar.google.com"
    assert maths["creationTime"].endswith("Z")


def test_list_next_follows_pages_of_courses_with_the_client_helper(classroom: Client) -> None:
    courses = classroom(ADMIN).courses()
    request = courses.list(pageSize=2)
    seen = []
    while request is not None:
        resp = request.execute()
        seen += [x["id"] for x in resp["courses"]]
        request = courses.list_next(request, resp)
    assert seen == [ART, MATHS, HISTORY]


def test_course_states_filter_keeps_only_the_states_asked_for(classroom: Client) -> None:
    c = classroom(ADMIN)
    archived = c.courses().list(courseStates=["ARCHIVED"]).execute()["courses"]
    assert [x["id"] for x in archived] == [HISTORY]
    assert c.courses().list(courseStates=["SUSPENDED"]).execute() == {}


def test_teacher_and_student_filters_accept_ids_emails_and_me(classroom: Client) -> None:
    admin = classroom(ADMIN)
    by_email = admin.courses().list(teacherId=TEACHER).execute()["courses"]
    assert {x["id"] for x in by_email} == {MATHS, HISTORY}
    by_pupil = admin.courses().list(studentId=PUPILS[0]).execute()["courses"]
    assert {x["id"] for x in by_pupil} == {MATHS, ART}
    mine = classroom(TEACHER).courses().list(teacherId="me").execute()["courses"]
    assert {x["id"] for x in mine} == {MATHS, HISTORY}


def test_rosters_page_by_thirty_by_default_and_list_only_current_members(
    classroom: Client, world: World
) -> None:
    c = classroom(ADMIN)
    students, pages = _all_pages(
        c.courses().students().list, "students", courseId=MATHS, pageSize=2
    )
    assert [s["userId"] for s in students] == PUPILS[:5]  # the sixth pupil left yesterday
    assert pages == 3
    assert students[0]["profile"]["name"]["fullName"] == "Pupil1 Oak"
    assert students[0]["profile"]["emailAddress"] == "p1@oakfield.sch.uk"
    teachers = c.courses().teachers().list(courseId=MATHS).execute()["teachers"]
    assert [(t["courseId"], t["userId"]) for t in teachers] == [(MATHS, T_ID)]


def test_a_roster_of_more_than_thirty_comes_in_pages_of_thirty(
    classroom: Client, world: World
) -> None:
    from connector.sandbox.scenario.model import PersonSpec

    for i in range(40):
        world.add_pupil(
            MATHS,
            PersonSpec(f"3{i:020d}", "oakfield", f"x{i}@oakfield.sch.uk", "X", str(i), False),
        )
    first = classroom(ADMIN).courses().students().list(courseId=MATHS).execute()
    assert len(first["students"]) == 30
    assert "nextPageToken" in first


def test_profiles_carry_email_addresses_only_with_the_profile_emails_scope(
    classroom: Client,
) -> None:
    scopes = [s for s in READ_SCOPES if not s.endswith("profile.emails")]
    c = classroom(ADMIN, scopes)
    student = c.courses().students().get(courseId=MATHS, userId=PUPILS[0]).execute()
    assert "emailAddress" not in student["profile"]
    assert student["profile"]["name"]["givenName"] == "Pupil1"
    with_email = classroom(ADMIN).userProfiles().get(userId="p2@oakfield.sch.uk").execute()
    assert with_email["emailAddress"] == "p2@oakfield.sch.uk"
    assert with_email["id"] == PUPILS[1]
    me = classroom(TEACHER).userProfiles().get(userId="me").execute()
    assert me["id"] == T_ID


def test_course_work_lists_published_work_newest_update_first_by_default(
    classroom: Client,
) -> None:
    work = classroom(TEACHER).courses().courseWork().list(courseId=MATHS).execute()["courseWork"]
    assert [w["id"] for w in work] == [MCQ, SHORT_Q, ASSIGNMENT]
    assert {w["workType"] for w in work} == {
        "ASSIGNMENT",
        "SHORT_ANSWER_QUESTION",
        "MULTIPLE_CHOICE_QUESTION",
    }
    a = work[-1]
    assert a["dueDate"] == {"year": 2026, "month": 3, "day": 4}
    assert a["dueTime"] == {"hours": 15, "minutes": 30}
    assert a["maxPoints"] == 20
    assert a["state"] == "PUBLISHED"


def test_course_work_orders_by_due_date_when_asked(classroom: Client) -> None:
    cw = classroom(TEACHER).courses().courseWork()
    work = cw.list(courseId=MATHS, orderBy="dueDate asc").execute()["courseWork"]
    assert [w["id"] for w in work] == [ASSIGNMENT, SHORT_Q, MCQ]  # no due date sorts last


def test_teachers_see_drafts_scheduled_posts_and_deleted_work_only_when_they_ask(
    classroom: Client,
) -> None:
    cw = classroom(TEACHER).courses().courseWork()
    drafts = cw.list(courseId=MATHS, courseWorkStates=["DRAFT"]).execute()["courseWork"]
    assert {w["id"] for w in drafts} == {DRAFT, SCHEDULED}
    scheduled = next(w for w in drafts if w["id"] == SCHEDULED)
    assert scheduled["scheduledTime"] == "2026-03-15T17:30:00.000Z"
    deleted = cw.list(courseId=MATHS, courseWorkStates=["DELETED"]).execute()["courseWork"]
    assert [w["id"] for w in deleted] == [DELETED]


def test_a_scheduled_post_goes_live_when_the_clock_passes_its_time(
    classroom: Client, world: World
) -> None:
    from datetime import timedelta

    world.advance(timedelta(days=3))
    cw = classroom(TEACHER).courses().courseWork()
    live = cw.list(courseId=MATHS).execute()["courseWork"]
    assert live[0]["id"] == SCHEDULED
    assert live[0]["state"] == "PUBLISHED"
    # It keeps saying when it went live, which is what R1 counts it by.
    assert live[0]["scheduledTime"] <= live[0]["updateTime"]
    assert cw.get(courseId=MATHS, id=SCHEDULED).execute()["state"] == "PUBLISHED"


def test_materials_announcements_and_topics_are_listed(classroom: Client) -> None:
    courses = classroom(TEACHER).courses()
    mats = courses.courseWorkMaterials().list(courseId=MATHS).execute()["courseWorkMaterial"]
    assert [m["id"] for m in mats] == [MATERIAL]
    ann = courses.announcements().list(courseId=MATHS).execute()["announcements"]
    assert [a["id"] for a in ann] == [ANNOUNCEMENT]
    topics = courses.topics().list(courseId=MATHS).execute()["topic"]
    assert [t["name"] for t in topics] == ["Reading", "Fractions"]
    work = courses.courseWork().get(courseId=MATHS, id=ASSIGNMENT).execute()
    fractions = next(t for t in topics if t["name"] == "Fractions")
    assert work["topicId"] == fractions["topicId"]


def test_submissions_of_a_whole_course_map_every_state(classroom: Client) -> None:
    subs = classroom(TEACHER).courses().courseWork().studentSubmissions()
    items, pages = _all_pages(
        subs.list, "studentSubmissions", courseId=MATHS, courseWorkId="-", pageSize=3
    )
    assert pages == 3
    by_id = {s["id"][-1]: s for s in items}
    assert by_id["1"]["state"] == "CREATED" and by_id["1"]["late"] is True
    assert by_id["2"]["state"] == "TURNED_IN" and "late" not in by_id["2"]
    assert by_id["2"]["draftGrade"] == 14
    assert by_id["3"]["state"] == "RETURNED" and by_id["3"]["assignedGrade"] == 18
    assert by_id["4"]["state"] == "RECLAIMED_BY_STUDENT"
    assert by_id["5"]["late"] is True
    assert "6" not in by_id  # the pupil who left takes their work with them
    assert by_id["9"]["state"] == "CREATED"  # turned in after now: not yet
    history = [
        h["stateHistory"]["state"] for h in by_id["3"]["submissionHistory"] if "stateHistory" in h
    ]
    assert history == ["CREATED", "TURNED_IN", "RETURNED"]
    grades = [h["gradeHistory"] for h in by_id["3"]["submissionHistory"] if "gradeHistory" in h]
    assert grades[0]["pointsEarned"] == 18 and grades[0]["maxPoints"] == 20


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"states": ["TURNED_IN"]}, {"2", "5", "7"}),
        ({"states": ["RETURNED", "RECLAIMED_BY_STUDENT"]}, {"3", "4", "8"}),
        ({"late": "LATE_ONLY"}, {"1", "5"}),
        ({"late": "NOT_LATE_ONLY", "courseWorkId": ASSIGNMENT}, {"2", "3", "4"}),
        ({"userId": "p1@oakfield.sch.uk"}, {"1", "7", "9"}),
    ],
)
def test_submission_filters_narrow_the_list(
    classroom: Client, query: dict[str, Any], expected: set[str]
) -> None:
    subs = classroom(ADMIN).courses().courseWork().studentSubmissions()
    q = {"courseWorkId": "-", **query}
    items = subs.list(courseId=MATHS, **q).execute().get("studentSubmissions", [])
    assert {s["id"][-1] for s in items} == expected


def test_a_pupil_sees_only_their_own_submissions_and_published_work(classroom: Client) -> None:
    pupil = classroom(
        "p1@oakfield.sch.uk",
        [AUTH + "classroom.courses.readonly", AUTH + "classroom.coursework.me.readonly"],
    )
    assert {c["id"] for c in pupil.courses().list().execute()["courses"]} == {MATHS, ART}
    subs = pupil.courses().courseWork().studentSubmissions().list(courseId=MATHS, courseWorkId="-")
    assert {s["userId"] for s in subs.execute()["studentSubmissions"]} == {PUPILS[0]}
    assert NOW  # the factory's clock


def test_changes_made_to_the_world_show_on_the_next_read(classroom: Client, world: World) -> None:
    from datetime import timedelta

    world.advance(timedelta(minutes=5))
    world.return_work("Cg4I000000000000000002", grade=16.0)
    sub = (
        classroom(TEACHER)
        .courses()
        .courseWork()
        .studentSubmissions()
        .get(courseId=MATHS, courseWorkId=ASSIGNMENT, id="Cg4I000000000000000002")
        .execute()
    )
    assert sub["state"] == "RETURNED"
    assert sub["assignedGrade"] == 16
    assert sub["updateTime"] == "2026-03-13T17:35:00.000Z"


def test_a_fields_mask_trims_the_response_to_what_was_asked(classroom: Client) -> None:
    c = classroom(ADMIN)
    resp = c.courses().list(pageSize=2, fields="nextPageToken,courses(id,courseState)").execute()
    assert set(resp) == {"courses", "nextPageToken"}
    assert all(set(x) == {"id", "courseState"} for x in resp["courses"])
    subs = (
        c.courses()
        .courseWork()
        .studentSubmissions()
        .list(courseId=MATHS, courseWorkId=ASSIGNMENT, fields="studentSubmissions/state")
    )
    assert {s["state"] for s in subs.execute()["studentSubmissions"]} >= {"CREATED", "TURNED_IN"}
