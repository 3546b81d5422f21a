"""A started sandbox over the factory world, and real Google clients pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from google.oauth2 import service_account
from googleapiclient.discovery import build

from connector.sandbox.app import build_sandbox
from connector.sandbox.google import service_account_info
from connector.sandbox.server import Sandbox
from connector.sandbox.world import World

from .factories import world as factory_world

AUTH = "https://www.googleapis.com/auth/"
READ_SCOPES = [
    AUTH + s
    for s in (
        "classroom.courses.readonly",
        "classroom.rosters.readonly",
        "classroom.profile.emails",
        "classroom.coursework.students.readonly",
        "classroom.courseworkmaterials.readonly",
        "classroom.announcements.readonly",
        "classroom.topics.readonly",
        "classroom.guardianlinks.students.readonly",
        "calendar.events.readonly",
        "meetings.space.readonly",
    )
]

REPORTS_SCOPE = AUTH + "admin.reports.audit.readonly"

Client = Callable[..., Any]


@pytest.fixture
def world() -> World:
    return factory_world()


@pytest.fixture
def sandbox(world: World) -> Iterator[Sandbox]:
    with build_sandbox(world) as sb:
        yield sb


def credentials(sandbox: Sandbox, user: str, scopes: list[str] | None = None) -> Any:
    return service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
        service_account_info(sandbox.url), scopes=scopes or READ_SCOPES, subject=user
    )


def classroom_for(sandbox: Sandbox, user: str, scopes: list[str] | None = None) -> Any:
    """The real googleapiclient Classroom client, impersonating ``user``, on the sandbox."""
    return build(
        "classroom",
        "v1",
        credentials=credentials(sandbox, user, scopes),
        static_discovery=True,
        client_options={"api_endpoint": sandbox.url},
        cache_discovery=False,
    )


def calendar_for(sandbox: Sandbox, user: str, scopes: list[str] | None = None) -> Any:
    """The real Calendar v3 client on the sandbox (endpoint = root + Calendar's servicePath)."""
    return build(
        "calendar",
        "v3",
        credentials=credentials(sandbox, user, scopes),
        static_discovery=True,
        client_options={"api_endpoint": sandbox.url + "calendar/v3/"},
        cache_discovery=False,
    )


def meet_for(sandbox: Sandbox, user: str, scopes: list[str] | None = None) -> Any:
    """The real Meet v2 client on the sandbox."""
    return build(
        "meet",
        "v2",
        credentials=credentials(sandbox, user, scopes),
        static_discovery=True,
        client_options={"api_endpoint": sandbox.url},
        cache_discovery=False,
    )


def reports_for(sandbox: Sandbox, user: str, scopes: list[str] | None = None) -> Any:
    """The real Admin SDK Reports v1 client on the sandbox (servicePath is empty, as for
    Classroom: the endpoint is the sandbox root)."""
    return build(
        "admin",
        "reports_v1",
        credentials=credentials(sandbox, user, scopes or [REPORTS_SCOPE]),
        static_discovery=True,
        client_options={"api_endpoint": sandbox.url},
        cache_discovery=False,
    )


@pytest.fixture
def calendar(sandbox: Sandbox) -> Client:
    def make(user: str, scopes: list[str] | None = None) -> Any:
        return calendar_for(sandbox, user, scopes)

    return make


@pytest.fixture
def meet(sandbox: Sandbox) -> Client:
    def make(user: str, scopes: list[str] | None = None) -> Any:
        return meet_for(sandbox, user, scopes)

    return make


@pytest.fixture
def classroom(sandbox: Sandbox) -> Client:
    def make(user: str, scopes: list[str] | None = None) -> Any:
        return classroom_for(sandbox, user, scopes)

    return make
