"""OAuth as Google runs it: the JWT-bearer grant, refusals, bearer checks and refresh."""

from __future__ import annotations

import httpx
import pytest
from google.auth.exceptions import RefreshError
from google.auth.transport.requests import Request as AuthRequest
from google.oauth2 import service_account
from googleapiclient.errors import HttpError

from connector.sandbox.google import expire_tokens, service_account_info, stats
from connector.sandbox.google.keys import new_key
from connector.sandbox.server import Sandbox

from .conftest import AUTH, Client, credentials
from .factories import ADMIN, ART, MATHS, TEACHER


def test_service_account_credentials_get_a_bearer_token_for_the_impersonated_user(
    sandbox: Sandbox,
) -> None:
    creds = credentials(sandbox, ADMIN)
    creds.refresh(AuthRequest())
    assert creds.token.startswith("ya29.")
    assert creds.expiry is not None
    info = service_account_info(sandbox.url)
    assert info["type"] == "service_account"
    assert info["token_uri"] == sandbox.url + "token"
    assert stats(sandbox).token_grants == 1


def test_an_unknown_user_is_refused_with_invalid_grant(sandbox: Sandbox) -> None:
    creds = credentials(sandbox, "nobody@oakfield.sch.uk")
    with pytest.raises(RefreshError, match="invalid_grant"):
        creds.refresh(AuthRequest())


def test_a_microsoft_school_user_cannot_be_impersonated_on_google(sandbox: Sandbox) -> None:
    with pytest.raises(RefreshError, match="invalid_grant"):
        credentials(sandbox, "admin@birch.sch.uk").refresh(AuthRequest())


def test_a_write_scope_is_refused_as_unauthorized_client(sandbox: Sandbox) -> None:
    creds = credentials(sandbox, ADMIN, [AUTH + "classroom.courses"])
    with pytest.raises(RefreshError, match="unauthorized_client"):
        creds.refresh(AuthRequest())


def test_a_jwt_signed_by_another_key_is_refused(sandbox: Sandbox) -> None:
    creds = credentials(sandbox, ADMIN)
    new_key(sandbox.url + "other/", fresh=True)  # a key this sandbox never issued
    other = service_account_info(sandbox.url + "other/")
    other["token_uri"] = sandbox.url + "token"
    bad = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
        other, scopes=[AUTH + "classroom.courses.readonly"], subject=ADMIN
    )
    with pytest.raises(RefreshError, match="invalid_grant"):
        bad.refresh(AuthRequest())
    creds.refresh(AuthRequest())  # the sandbox's own key still works


def test_a_request_without_a_token_gets_401_unauthenticated(sandbox: Sandbox) -> None:
    r = httpx.get(sandbox.url + "v1/courses")
    assert r.status_code == 401
    err = r.json()["error"]
    assert err["status"] == "UNAUTHENTICATED"
    assert err["errors"][0]["reason"] == "required"
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    bad = httpx.get(sandbox.url + "v1/courses", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    assert bad.json()["error"]["errors"][0]["reason"] == "authError"


def test_an_expired_token_is_refreshed_by_the_client_and_the_call_succeeds(
    sandbox: Sandbox, classroom: Client
) -> None:
    c = classroom(ADMIN)
    c.courses().list().execute()
    assert expire_tokens(sandbox, ADMIN) == 1
    courses = c.courses().list().execute()["courses"]
    assert len(courses) == 3
    assert stats(sandbox).token_grants == 2


def test_a_token_without_the_method_scope_gets_403_insufficient_scopes(
    classroom: Client,
) -> None:
    c = classroom(ADMIN, [AUTH + "classroom.courses.readonly"])
    with pytest.raises(HttpError) as e:
        c.courses().students().list(courseId=MATHS).execute()
    assert e.value.status_code == 403
    assert "insufficient authentication scopes" in e.value.reason


def test_a_teacher_gets_403_for_a_course_they_do_not_teach(classroom: Client) -> None:
    c = classroom(TEACHER)
    assert {x["id"] for x in c.courses().list().execute()["courses"]} == {MATHS, "500000000002"}
    with pytest.raises(HttpError) as e:
        c.courses().get(id=ART).execute()
    assert e.value.status_code == 403


def test_an_admin_of_another_school_sees_none_of_this_one(classroom: Client) -> None:
    c = classroom("admin@elmwood.sch.uk")
    assert [x["id"] for x in c.courses().list().execute()["courses"]] == ["500000000004"]
    with pytest.raises(HttpError) as e:
        c.courses().courseWork().list(courseId=MATHS).execute()
    assert e.value.status_code == 403


def test_a_microsoft_class_does_not_exist_on_google(classroom: Client) -> None:
    with pytest.raises(HttpError) as e:
        classroom(ADMIN).courses().get(id="500000000005").execute()
    assert e.value.status_code == 404
