"""The Classroom client's retry, batching and counters, pointed at Calendar v3 or Meet v2.

One :class:`ApiClient` acts as one impersonated user on one API: Meet shows a user only
the conferences of spaces they own or attended, and a course calendar is readable by
its teachers, so the lesson source keeps a client per (API, user).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, TypeVar

import httplib2
import structlog
from googleapiclient.discovery import build_from_document
from googleapiclient.discovery_cache import get_static_doc

from connector.google.client import ClassroomClient
from connector.google.errors import AuthError, GoogleError, NotAccessibleError
from connector.google.pacing import pacer_for
from connector.google.retry import RetryPolicy
from connector.google.transport import HTTP_TIMEOUT_S
from connector.source import RequestStats

log = structlog.get_logger(__name__)

R = TypeVar("R")

CLASSROOM_ROOT = "https://classroom.googleapis.com/"
# Real roots, from the discovery documents (rootUrl + servicePath).
CALENDAR_ENDPOINT = "https://www.googleapis.com/calendar/v3/"
MEET_ENDPOINT = "https://meet.googleapis.com/"


def endpoints(classroom_endpoint: str) -> tuple[str, str]:
    """(Calendar, Meet) base URLs for a configured Classroom endpoint.

    The real Classroom endpoint means the real Google; any other endpoint (the sandbox, a
    recording proxy) is taken to serve every API at its real path under one root.
    """
    root = classroom_endpoint if classroom_endpoint.endswith("/") else classroom_endpoint + "/"
    if root == CLASSROOM_ROOT:
        return CALENDAR_ENDPOINT, MEET_ENDPOINT
    return root + "calendar/v3/", root


@cache
def _document(api: str, version: str) -> str:
    doc: str | None = get_static_doc(api, version)
    if doc is None:  # pragma: no cover - the documents ship with the library
        raise RuntimeError(f"{api} {version} discovery document missing")
    return doc


class ApiClient(ClassroomClient):
    """:class:`ClassroomClient` built from another shipped discovery document.

    Only the document changes: requests, retries (one layer: ours) and counting are the
    Classroom client's own.
    """

    def __init__(
        self,
        api: str,
        version: str,
        endpoint: str,
        http_factory: Callable[[], Any],
        *,
        retry: RetryPolicy | None = None,
    ) -> None:
        super().__init__(endpoint, http_factory, stats=RequestStats(), retry=retry)
        self._api = f"{api}.{version}"
        self._doc = _document(api, version)

    def service(self) -> Any:
        """This thread's service object for the API, shared by every impersonated user.

        Building one costs ~10 ms of CPU (googleapiclient renders every method's docs),
        so it is built once per thread and API, not per user: requests are always sent
        with the user's own HTTP object (``execute(http=…)``), never the service's.
        """
        services: dict[tuple[str, str], _Memo] | None = getattr(_shared, "services", None)
        if services is None:
            services = _shared.services = {}
        key = (self._api, self.endpoint)
        svc = services.get(key)
        if svc is None:
            svc = services[key] = _Memo(
                build_from_document(
                    self._doc,
                    http=httplib2.Http(timeout=HTTP_TIMEOUT_S),
                    client_options={"api_endpoint": self.endpoint},
                )
            )
        return svc


_shared = threading.local()

# googleapiclient rebuilds a sub-resource from the discovery document on every accessor
# call: ``events()`` costs ~15 ms (Calendar's document is large), more than the request.
_SUB_RESOURCES = frozenset({
    "events", "conferenceRecords", "participants", "participantSessions", "recordings", "spaces",
})


class _Memo:
    """A Resource whose sub-resource accessors are memoised (per thread, like its owner)."""

    def __init__(self, resource: Any) -> None:
        self._resource = resource
        self._children: dict[str, _Memo] = {}

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._resource, name)
        if name not in _SUB_RESOURCES:
            return attr

        def child() -> _Memo:
            found = self._children.get(name)
            if found is None:
                found = self._children[name] = _Memo(attr())
            return found

        return child


class Users:
    """One client per (API, impersonated user), made on first use and kept; credentials
    are made once per user (``factory_for(email)`` returns that user's HTTP factory).

    Remembers whose token was refused, so a suspended teacher costs one refusal a run.
    """

    def __init__(
        self,
        classroom_endpoint: str,
        factory_for: Callable[[str], Callable[[], Any]],
        *,
        retry: RetryPolicy | None = None,
        project: str = "",
        pace_sleep: Callable[[float], None] | None = None,
    ) -> None:
        self._urls = dict(zip(("calendar", "meet"), endpoints(classroom_endpoint), strict=True))
        self._factory_for = factory_for
        self._retry = retry
        # Each user's calls are paced under the API's per-user and per-project quotas
        # (a teacher with many calls would otherwise run into Meet's 600 a minute).
        self._pacers = {api: pacer_for(url, project, api) for api, url in self._urls.items()}
        self._pace_sleep = pace_sleep
        self._factories: dict[str, Callable[[], Any]] = {}
        self._clients: dict[tuple[str, str], ApiClient] = {}
        self._lock = threading.Lock()
        self._refused: dict[str, AuthError] = {}
        self._allowed: set[str] = set()

    def client(self, api: str, subject: str) -> ApiClient:
        """``api`` is ``calendar`` or ``meet``."""
        with self._lock:
            client = self._clients.get((api, subject))
            if client is None:
                factory = self._factories.get(subject)
                if factory is None:
                    factory = self._factories[subject] = self._factory_for(subject)
                version = "v3" if api == "calendar" else "v2"
                client = ApiClient(api, version, self._urls[api], factory, retry=self._retry)
                client.pace = functools.partial(
                    self._pacers[api].acquire, subject, sleep=self._pace_sleep)
                self._clients[(api, subject)] = client
            return client

    def stats(self) -> RequestStats:
        total = RequestStats()
        with self._lock:
            clients = list(self._clients.values())
        for c in clients:
            total.requests += c.stats.requests
            total.api_calls += c.stats.api_calls
            total.throttled += c.stats.throttled
            total.retries += c.stats.retries
        return total

    def first_that_works(self, subjects: Sequence[str], read: Callable[[str], R]) -> tuple[str, R]:
        """``read(subject)`` as each user in turn until one may; raise the last refusal."""
        error: GoogleError | None = None
        for subject in dict.fromkeys(subjects):
            with self._lock:
                refused = self._refused.get(subject)
            if refused is not None:
                error = refused
                continue
            try:
                result = read(subject)
            except AuthError as e:
                # This user's token was refused (suspended, not delegated): try the next.
                log.warning("google.user_refused", user=subject, error=str(e))
                with self._lock:
                    self._refused.setdefault(subject, e)
                error = e
                continue
            except NotAccessibleError as e:
                with self._lock:
                    self._allowed.add(subject)
                error = e
                continue
            with self._lock:
                self._allowed.add(subject)
            return subject, result
        raise error or NotAccessibleError("nobody to ask")

    def raise_if_none_works(self) -> None:
        """Credentials or delegation are wrong when every user tried was refused."""
        with self._lock:
            if self._refused and not self._allowed:
                raise next(iter(self._refused.values()))
