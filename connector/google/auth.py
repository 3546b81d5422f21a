"""Service-account credentials with domain-wide delegation, read-only scopes only."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
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
    service_account_info: Mapping[str, Any],
    subject: str,
    scopes: tuple[str, ...] = READONLY_SCOPES,
) -> service_account.Credentials:
    """Credentials that act as ``subject`` (the school's Workspace admin, or a teacher),
    with ``scopes`` (default: the Classroom, Calendar and Meet read-only ones).

    The key's own ``token_uri`` is used as is, so a sandbox key that points at the
    sandbox exchanges tokens there.
    """
    base = _parsed_key(json.dumps(dict(service_account_info), sort_keys=True))
    if scopes != READONLY_SCOPES:
        base = base.with_scopes(list(scopes))
    creds: service_account.Credentials = base.with_subject(subject)  # type: ignore[no-untyped-call]
    return creds


@lru_cache(maxsize=8)
def _parsed_key(info_json: str) -> service_account.Credentials:
    """Credentials without a subject, one per key. Parsing the PEM key costs ~0.1 s of
    CPU, and a sync builds credentials for every school and every teacher it reads as,
    every 15 minutes; ``with_subject`` copies share the parsed signer."""
    creds: service_account.Credentials = (
        service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
            json.loads(info_json), scopes=list(READONLY_SCOPES)
        )
    )
    return creds
