"""Who may read the Classroom audit log, how it is narrowed, and how it refuses."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from googleapiclient.errors import HttpError

from connector.sandbox.app import build_sandbox
from connector.sandbox.google import side_of, stats
from connector.sandbox.google.auth import Identity
from connector.sandbox.server import Fault, Sandbox

from .conftest import READ_SCOPES, REPORTS_SCOPE, classroom_for, reports_for
from .factories import ADMIN, ART, ASSIGNMENT, ELM, ELM_ADMIN, HISTORY, MATHS, PUPIL, TEACHER
from .factories import world as factory_world
from .test_reports_audit import BOSS, activities, named, params

PATH = "admin/reports/v1/activity/users/{user}/applications/{app}"


def _error(e: HttpError) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(e.content)["error"]
    return body


def _courses(items: list[dict[str, Any]]) -> set[str]:
    return {params(a)["course_id"] for a in items}


def _raw(sandbox: Sandbox, user: str, app: str = "classroom", **query: str) -> httpx.Response:
    token = side_of(sandbox).tokens.issue(Identity(user, frozenset({REPORTS_SCOPE})))
    return httpx.get(
        sandbox.url + PATH.format(user="all", app=app),
        params=query,
        headers={"Authorization": f"Bearer {token}"},
    )


def test_a_school_admin_sees_only_their_schools_courses(sandbox: Sandbox) -> None:
    assert _courses(activities(sandbox, ADMIN)) == {MATHS, HISTORY, ART}
    assert _courses(activities(sandbox, ELM_ADMIN)) == {ELM}


def test_the_customer_admin_sees_every_google_school(sandbox: Sandbox) -> None:
    assert _courses(activities(sandbox, BOSS)) == {MATHS, HISTORY, ART, ELM}


def test_a_non_admin_is_refused_with_the_reports_apis_401(sandbox: Sandbox) -> None:
    with pytest.raises(HttpError) as e:
        reports_for(sandbox, TEACHER).activities().list(
            userKey="all", applicationName="classroom"
        ).execute()
    err = _error(e.value)
    assert err["code"] == 401
    assert err["message"] == "Access denied. You are not authorized to read activity records."
    # google-auth takes a 401 for an expired token: it fetches a new one and asks again,
    # twice, before the client raises.
    s = stats(sandbox)
    assert (s.by_method["reports.activities.list"], s.token_grants) == (3, 3)


def test_a_token_without_the_audit_scope_is_403_insufficient_permissions(
    sandbox: Sandbox,
) -> None:
    c = reports_for(sandbox, BOSS, READ_SCOPES)
    with pytest.raises(HttpError) as e:
        c.activities().list(userKey="all", applicationName="classroom").execute()
    err = _error(e.value)
    assert (err["code"], err["errors"][0]["reason"]) == (403, "insufficientPermissions")


@pytest.mark.parametrize(
    "query",
    [
        {"startTime": "2026-03-10"},
        {"endTime": "yesterday"},
        {"endTime": "2026-03-10T25:00:00Z"},
        {"startTime": "2026-03-10T00:00:00Z", "endTime": "2026-03-09T00:00:00Z"},
        {"startTime": "2026-03-10T00:00:00Z", "endTime": "2026-03-10T00:00:00Z"},
        {"startTime": "2026-03-14T00:00:00Z"},  # after the world's now
        {"maxResults": "1001"},
        {"maxResults": "0"},
    ],
)
def test_a_bad_time_window_or_page_size_is_400(sandbox: Sandbox, query: dict[str, str]) -> None:
    r = _raw(sandbox, BOSS, **query)
    assert r.status_code == 400
    assert r.json()["error"]["status"] == "INVALID_ARGUMENT"


def test_an_unknown_application_is_400_and_another_application_is_an_empty_report(
    sandbox: Sandbox,
) -> None:
    assert _raw(sandbox, BOSS, app="classrooms").status_code == 400
    body = reports_for(sandbox, BOSS).activities().list(
        userKey="all", applicationName="drive"
    ).execute()
    assert body["kind"] == "admin#reports#activities" and "items" not in body


def test_user_key_event_name_and_filters_narrow_the_report(sandbox: Sandbox) -> None:
    mine = activities(sandbox, userKey=PUPIL)
    assert mine and {a["actor"]["email"] for a in mine} == {PUPIL}
    states = activities(
        sandbox, eventName="changed_submission_state", filters=f"post_id=={ASSIGNMENT}"
    )
    assert states == [
        a for a in named(activities(sandbox), "changed_submission_state")
        if params(a)["post_id"] == ASSIGNMENT
    ]  # fmt: skip
    assert _courses(activities(sandbox, filters=f"course_id=={ELM}")) == {ELM}
    assert ELM not in _courses(activities(sandbox, filters=f"course_id<>{ELM}"))
    late = activities(sandbox, filters="is_late==true,submission_state==turned_in")
    assert late and all(params(a)["is_late"] is True for a in late)
    # A term on no Classroom parameter is ignored; one the event lacks empties the report.
    assert activities(sandbox, filters="doc_id==1") == activities(sandbox)
    assert activities(sandbox, eventName="created_course", filters="post_id==1") == []
    assert _raw(sandbox, BOSS, eventName="no_such_event").json().get("items") is None


def test_an_unknown_user_key_is_404(sandbox: Sandbox) -> None:
    c = reports_for(sandbox, BOSS).activities()
    with pytest.raises(HttpError) as e:
        c.list(userKey="nobody@oakfield.sch.uk", applicationName="classroom").execute()
    assert e.value.resp.status == 404


def test_a_page_token_is_bound_to_its_query(sandbox: Sandbox) -> None:
    c = reports_for(sandbox, BOSS).activities()
    first = c.list(userKey="all", applicationName="classroom", maxResults=2).execute()
    token = first["nextPageToken"]
    with pytest.raises(HttpError) as e:
        c.list(userKey="all", applicationName="classroom", maxResults=2, pageToken=token,
               eventName="created_course").execute()  # fmt: skip
    assert e.value.resp.status == 400
    again = c.list(userKey="all", applicationName="classroom", maxResults=3, pageToken=token)
    assert again.execute()["items"][0]["id"] != first["items"][-1]["id"]


@pytest.fixture
def quiet_sandbox() -> Iterator[Sandbox]:
    with build_sandbox(factory_world()) as sb:
        yield sb


def test_over_the_per_user_quota_the_reports_api_answers_503(quiet_sandbox: Sandbox) -> None:
    side_of(quiet_sandbox).quotas["reports"].per_user = 2
    c = reports_for(quiet_sandbox, BOSS).activities()
    for _ in range(2):
        c.list(userKey="all", applicationName="classroom").execute()
    with pytest.raises(HttpError) as e:
        c.list(userKey="all", applicationName="classroom").execute()
    err = _error(e.value)
    assert err["code"] == 503
    assert "Queries per minute per user" in err["message"]
    assert "admin.googleapis.com" in err["message"]
    # Another admin has a bucket of their own.
    assert reports_for(quiet_sandbox, ADMIN).activities().list(
        userKey="all", applicationName="classroom"
    ).execute()
    assert stats(quiet_sandbox).throttled == 1


def test_filter_queries_have_their_own_smaller_quota(quiet_sandbox: Sandbox) -> None:
    side_of(quiet_sandbox).quotas["reports_filter"].per_project = 1
    c = reports_for(quiet_sandbox, BOSS).activities()
    c.list(userKey="all", applicationName="classroom", eventName="set_grade").execute()
    with pytest.raises(HttpError) as e:
        c.list(userKey=PUPIL, applicationName="classroom").execute()
    assert _error(e.value)["code"] == 503
    assert "Filter queries per minute" in _error(e.value)["message"]
    c.list(userKey="all", applicationName="classroom").execute()  # not a filter query


def test_injected_faults_hit_the_reports_path_with_googles_body(sandbox: Sandbox) -> None:
    sandbox.inject(Fault(path=r"^/admin/reports/", status=500))
    with pytest.raises(HttpError) as e:
        reports_for(sandbox, BOSS).activities().list(
            userKey="all", applicationName="classroom"
        ).execute()
    assert _error(e.value)["status"] == "INTERNAL"


def test_the_customer_admin_is_a_known_user_for_classroom_too(sandbox: Sandbox) -> None:
    listed = classroom_for(sandbox, BOSS).courses().list().execute()["courses"]
    assert {c["id"] for c in listed} == {MATHS, HISTORY, ART, ELM}
