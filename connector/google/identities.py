"""Reading a course as one of its teachers: one delegated credential per teacher.

A batch's parts may each carry their own ``Authorization`` (googleapiclient applies the
credentials of a request's own ``http``), so one batch can hold calls made as several
teachers, and each call is charged to its teacher's per-user quota.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import httplib2
from google_auth_httplib2 import Request as AuthRequest

from connector.google.auth import credentials_for
from connector.google.client import RequestBuilder
from connector.google.transport import HTTP_TIMEOUT_S


class _Credentialed:
    """What googleapiclient looks at on a batch part's ``http``: only its credentials."""

    def __init__(self, credentials: Any) -> None:
        self.credentials = credentials

    def request(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover - never sent
        raise RuntimeError("a batch part is sent inside its batch, never alone")


class TeacherIdentities:
    """Delegated credentials per teacher address, each with a fresh token when used."""

    def __init__(self, service_account_info: Mapping[str, Any]) -> None:
        self._info = dict(service_account_info)
        self._holders: dict[str, _Credentialed] = {}
        self._lock = threading.Lock()

    def _holder(self, email: str) -> _Credentialed:
        with self._lock:
            holder = self._holders.get(email)
            if holder is None:
                holder = self._holders[email] = _Credentialed(credentials_for(self._info, email))
            creds = holder.credentials
            # Refreshed here, once, rather than by each thread serialising a batch part.
            if not creds.valid:
                creds.refresh(AuthRequest(httplib2.Http(timeout=HTTP_TIMEOUT_S)))
            return holder

    def as_user(self, email: str, build: RequestBuilder) -> RequestBuilder:
        """``build``, but the request it makes is sent (in a batch) as ``email``."""

        def built(service: Any) -> Any:
            request = build(service)
            request.http = self._holder(email)
            return request

        return built
