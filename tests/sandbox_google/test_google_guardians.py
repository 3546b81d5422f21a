"""Classroom guardians: who may list them, the ``-`` form, and stable derived guardians."""

from __future__ import annotations

import pytest
from googleapiclient.errors import HttpError

from connector.sandbox.world import World

from .conftest import Client
from .factories import ADMIN, ART_TEACHER, PUPIL, PUPILS, TEACHER


def test_an_admin_lists_every_pupils_guardians_with_the_dash_form(classroom: Client) -> None:
    body = classroom(ADMIN).userProfiles().guardians().list(studentId="-").execute()
    guardians = body["guardians"]
    assert {g["studentId"] for g in guardians} == set(PUPILS)
    assert all(g["invitedEmailAddress"] == g["guardianProfile"]["emailAddress"] for g in guardians)
    again = classroom(ADMIN).userProfiles().guardians().list(studentId="-").execute()
    assert again == body  # derived from ids: the same on every read


def test_a_teacher_sees_their_pupils_guardians_without_the_invited_address(
    classroom: Client,
) -> None:
    g = classroom(TEACHER).userProfiles().guardians()
    mine = g.list(studentId=PUPIL).execute()["guardians"]
    assert mine and all(x["studentId"] == PUPILS[0] for x in mine)
    assert all("invitedEmailAddress" not in x for x in mine)
    one = g.get(studentId=PUPILS[0], guardianId=mine[0]["guardianId"]).execute()
    assert one == mine[0]
    with pytest.raises(HttpError) as e:
        g.list(studentId="-").execute()  # only domain admins may use "-"
    assert e.value.status_code == 403


def test_a_teacher_of_another_class_and_an_unknown_pupil_are_refused(classroom: Client) -> None:
    g = classroom(ART_TEACHER).userProfiles().guardians()
    assert g.list(studentId=PUPILS[0]).execute()["guardians"]  # pupil 1 is in Art
    with pytest.raises(HttpError) as e:
        g.list(studentId=PUPILS[1]).execute()
    assert e.value.status_code == 403
    with pytest.raises(HttpError) as e2:
        g.list(studentId="299999999999999999999").execute()
    assert e2.value.status_code == 404
    with pytest.raises(HttpError) as e3:
        g.list(studentId="not an id").execute()
    assert e3.value.status_code == 400


def test_a_pupil_reads_their_own_and_the_scenarios_guardians_win(
    classroom: Client, world: World
) -> None:
    p = world.person(PUPILS[0])
    assert p is not None
    p.guardian_emails = ["mum@example.org"]
    mine = classroom(PUPIL).userProfiles().guardians().list(studentId="me").execute()
    assert [g["guardianProfile"]["emailAddress"] for g in mine["guardians"]] == ["mum@example.org"]
    p.guardian_emails = []
    assert classroom(PUPIL).userProfiles().guardians().list(studentId="me").execute() == {}
