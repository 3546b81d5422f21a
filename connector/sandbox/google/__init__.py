"""The sandbox's Google front end: Classroom v1, Calendar v3 and Meet v2 over HTTP.

``register(sandbox, world)`` adds ``POST /token`` (service-account JWT-bearer grant),
the Classroom v1 read methods under ``/v1/`` (guardians included), Calendar v3 events
under ``/calendar/v3/``, Meet v2 conference records and spaces under ``/v2/``, and
the Admin SDK Reports API's Classroom audit log under ``/admin/reports/v1/``, and
``POST /batch`` (also ``/batch/classroom/v1`` and ``/batch/calendar/v3``).
``service_account_info(sandbox.url)`` is the key file a connector uses; ``side_of(sandbox)``
gives tests the stats, token store, quotas and the world's clock-dependent knobs.
"""

from __future__ import annotations

import weakref

from connector.sandbox.google import (
    batch,
    routes_calendar,
    routes_courses,
    routes_guardians,
    routes_meet,
    routes_reports,
    routes_work,
)
from connector.sandbox.google.api import GoogleApi
from connector.sandbox.google.errors import error_body, google_error, google_fault
from connector.sandbox.google.keys import new_key, service_account_info
from connector.sandbox.google.quota import (
    DEFAULT_LIMITS,
    PER_PROJECT_PER_MINUTE,
    PER_USER_PER_MINUTE,
    GoogleStats,
    Quota,
)
from connector.sandbox.server import Sandbox
from connector.sandbox.world import World

__all__ = [
    "GoogleApi",
    "GoogleStats",
    "error_body",
    "expire_tokens",
    "google_error",
    "google_fault",
    "register",
    "service_account_info",
    "side_of",
    "stats",
]

_sides: weakref.WeakKeyDictionary[Sandbox, GoogleApi] = weakref.WeakKeyDictionary()


def register(
    sandbox: Sandbox,
    world: World,
    *,
    quota: bool = True,
    per_user_per_minute: int = PER_USER_PER_MINUTE,
    per_project_per_minute: int = PER_PROJECT_PER_MINUTE,
    quota_window_s: float = 60.0,
    service_limits: dict[str, tuple[int | None, int | None]] | None = None,
) -> GoogleApi:
    """Serve ``world``'s Google schools on ``sandbox``; returns the front end.

    Quotas are on by default for every API, each with its documented per-minute limits
    (:data:`~connector.sandbox.google.quota.DEFAULT_LIMITS`); ``service_limits`` overrides
    them, e.g. ``{"meet": (5, 6000)}`` (per user, per project; None: no such limit).
    """
    limits = dict(DEFAULT_LIMITS)
    limits["classroom"] = (per_user_per_minute, per_project_per_minute)
    limits.update(service_limits or {})
    quotas = {
        service: Quota(enabled=quota, per_user=user, per_project=project, window_s=quota_window_s)
        for service, (user, project) in limits.items()
    }
    api = GoogleApi(sandbox, world, new_key(sandbox.url), quotas)
    api.plain("POST", "/token", api.tokens.token_endpoint)
    serve_batch = batch.handler(sandbox)
    for path in ("/batch", "/batch/classroom/v1", "/batch/calendar/v3"):
        api.plain("POST", path, serve_batch, batch=True)
    routes_courses.register(api)
    routes_work.register(api)
    routes_guardians.register(api)
    routes_calendar.register(api)
    routes_meet.register(api)
    routes_reports.register(api)
    _sides[sandbox] = api
    return api


def side_of(sandbox: Sandbox) -> GoogleApi:
    """The Google front end registered on ``sandbox`` (KeyError if there is none)."""
    return _sides[sandbox]


def stats(sandbox: Sandbox) -> GoogleStats:
    """A copy of the Google counters of ``sandbox``: requests, api_calls, by_user, throttled."""
    return side_of(sandbox).stats()


def expire_tokens(sandbox: Sandbox, email: str | None = None) -> int:
    """Expire the access tokens of ``sandbox`` (all, or those impersonating ``email``)."""
    return side_of(sandbox).tokens.expire(email)
