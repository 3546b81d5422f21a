"""Service-account credentials with domain-wide delegation, read-only scopes only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from google.oauth2 import service_account

_AUTH = "https://www.googleapis.com/auth/"

# Every scope is a read-only one (checked against the discovery documents shipped with
# google-api-python-client). ``classroom.profile.emails`` has no write counterpart: it only
# makes ``userProfiles.emailAddress`` appear in roster answers.
READONLY_SCOPES: tuple[str, ...] = (
    _AUTH + "classroom.courses.readonly",
    _AUTH + "classroom.rosters.readonly",
    _AUTH + "classroom.profile.emails",
    _AUTH + "classroom.coursework.students.readonly",
    _AUTH + "classroom.courseworkmaterials.readonly",
    _AUTH + "classroom.announcements.readonly",
    _AUTH + "classroom.topics.readonly",
    _AUTH + "classroom.guardianlinks.students.readonly",
    _AUTH + "calendar.events.readonly",
    _AUTH + "meetings.space.readonly",
)


def credentials_for(
    service_account_info: Mapping[str, Any], subject: str
) -> service_account.Credentials:
    """Credentials that act as ``subject`` (the school's Workspace admin).

    The key's own ``token_uri`` is used as is, so a sandbox key that points at the
    sandbox exchanges tokens there.
    """
    creds: service_account.Credentials = (
        service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
            dict(service_account_info), scopes=list(READONLY_SCOPES), subject=subject
        )
    )
    return creds
