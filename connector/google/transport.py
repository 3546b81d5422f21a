"""HTTP plumbing under the client: a counting wrapper, per-thread objects, cached resources."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httplib2
from google_auth_httplib2 import AuthorizedHttp

HTTP_TIMEOUT_S = 60.0

# Sub-resources we walk through (``svc.courses().courseWork()...``). googleapiclient
# rebuilds a Resource from the discovery document on every such call (~3 ms each, more
# than the request itself), so each thread keeps the ones it made.
_SUB_RESOURCES = frozenset({
    "courses", "teachers", "students", "topics", "courseWork", "courseWorkMaterials",
    "announcements", "studentSubmissions", "userProfiles", "activities",
})


class CachedResource:
    """A Resource whose sub-resource accessors are memoised (not thread-safe: per thread)."""

    def __init__(self, resource: Any) -> None:
        self._resource = resource
        self._children: dict[str, CachedResource] = {}

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._resource, name)
        if name not in _SUB_RESOURCES:
            return attr

        def child() -> CachedResource:
            found = self._children.get(name)
            if found is None:
                found = self._children[name] = CachedResource(attr())
            return found

        return child


class CountingHttp:
    """An httplib2-compatible wrapper counting HTTP round trips (token calls excluded)."""

    def __init__(self, inner: Any, on_request: Callable[[], None]) -> None:
        self._inner = inner
        self._on_request = on_request
        # googleapiclient looks for ``credentials`` to refresh tokens inside batches.
        if getattr(inner, "credentials", None) is not None:
            self.credentials = inner.credentials

    def request(self, uri: str, method: str = "GET", *args: Any, **kwargs: Any) -> Any:
        self._on_request()
        return self._inner.request(uri, method, *args, **kwargs)

    def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if close is not None:
            close()


def authorized_http_factory(credentials: Any) -> Callable[[], Any]:
    """One fresh ``AuthorizedHttp`` per call: httplib2 objects are not thread-safe."""

    def make() -> Any:
        return AuthorizedHttp(credentials, http=httplib2.Http(timeout=HTTP_TIMEOUT_S))

    return make
