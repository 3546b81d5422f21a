"""The Google side's core: authenticate, charge quota, check scopes and parameters, answer.

Every Classroom route goes through :meth:`GoogleApi.route`, and so does every call inside
a batch (the batch handler dispatches its parts through the sandbox's router), so a call
costs the same quota and gets the same errors whichever way it is sent.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import unquote

from connector.sandbox.google import fields
from connector.sandbox.google.access import Caller, Directory
from connector.sandbox.google.auth import TokenStore
from connector.sandbox.google.batch import INNER
from connector.sandbox.google.discovery import Method, methods
from connector.sandbox.google.errors import ApiError, from_api_error
from connector.sandbox.google.keys import SandboxKey
from connector.sandbox.google.quota import GoogleStats, Quota
from connector.sandbox.server import Request, Response, Sandbox
from connector.sandbox.world import World

ApiHandler = Callable[[Request, Caller], dict[str, Any]]


class GoogleApi:
    """One sandbox's Google front end: its key, tokens, quota and counters."""

    def __init__(
        self, sandbox: Sandbox, world: World, key: SandboxKey, quotas: dict[str, Quota]
    ) -> None:
        self.sandbox = sandbox
        self.world = world
        self.key = key
        self.directory = Directory(world)
        self.tokens = TokenStore(key, self.directory.known_user)
        # One set of buckets per API ("classroom", "calendar", "meet", "reports", and
        # "reports_filter" for the Reports API's filter queries); tests may change a
        # quota's ``per_user``/``per_project``/``enabled`` on a live sandbox.
        self.quotas = quotas
        self.quota = quotas["classroom"]
        # Meet writes a recording's file some time after the recording ends; until then
        # the recording is ENDED without a Drive file (see routes_meet).
        self.recording_file_lag = timedelta(minutes=10)
        # Google: Classroom log events reach the Reports API in "Near real time (couple
        # of minutes)" (support.google.com/a/answer/7061566); see routes_reports.
        self.reports_lag = timedelta(minutes=2)
        self._stats = GoogleStats()
        self._lock = threading.Lock()

    # --- counters ------------------------------------------------------------------------

    def stats(self) -> GoogleStats:
        """A copy of the counters so far (``token_grants`` included)."""
        with self._lock:
            snap = self._stats.snapshot()
        snap.token_grants = self.tokens.grants
        return snap

    def reset_stats(self) -> None:
        with self._lock:
            self._stats = GoogleStats()

    def count_request(self, *, batch: bool = False) -> None:
        with self._lock:
            self._stats.requests += 1
            self._stats.batches += int(batch)

    # --- routing -------------------------------------------------------------------------

    def plain(
        self,
        method: str,
        path: str,
        handler: Callable[[Request], Response],
        *,
        batch: bool = False,
    ) -> None:
        """A route outside the API proper (``/token``, ``/batch``): counted, not charged."""

        def wrapped(req: Request) -> Response:
            if not req.headers.get(INNER):
                self.count_request(batch=batch)
            return handler(req)

        self.sandbox.router.add(method, path, wrapped)

    def route(self, path: str, method_id: str, handler: ApiHandler) -> None:
        meta = methods()[method_id]

        def wrapped(req: Request) -> Response:
            if not req.headers.get(INNER):
                self.count_request()
            # Clients percent-encode path parameters (an email in userProfiles/{userId}).
            req.params = {k: unquote(v) for k, v in req.params.items()}
            try:
                return self._call(req, meta, handler)
            except ApiError as e:
                return from_api_error(e, meta.service)
            except Exception:  # a sandbox bug must still look like Google's 500
                return from_api_error(ApiError(500), meta.service)

        self.sandbox.router.add("GET", path, wrapped)

    def _call(self, req: Request, meta: Method, handler: ApiHandler) -> Response:
        identity = self.tokens.identity(req)
        caller = self.directory.caller(identity)
        user = identity.email or self.key.client_email
        with self._lock:
            self._stats.api_calls += 1
            self._stats.by_user[user] += 1
            self._stats.by_method[meta.id.removeprefix("classroom.")] += 1
        self.charge(meta.service, user)
        if not identity.scopes & meta.scopes:
            raise ApiError(
                403, "Request had insufficient authentication scopes.", "insufficientPermissions"
            )
        check_query(req, meta)
        with self.world.lock:
            body = handler(req, caller)
        mask = req.arg("fields")
        if mask:
            body = fields.apply(body, fields.parse(mask))
        return Response(200, body)

    def charge(self, bucket: str, user: str) -> None:
        """Charge one call to ``user`` in quota ``bucket``; :class:`ApiError` if refused."""
        limit = self.quotas[bucket].take(user)
        if limit is not None:
            with self._lock:
                self._stats.throttled += 1
            raise self._over_quota(bucket, limit)

    def _over_quota(self, service: str, limit: str) -> ApiError:
        if service.startswith("reports"):
            # The Reports API's limits page: over a quota "the server returns an HTTP 503
            # status code", whose body names the exceeded quota. The exact text is not
            # published; this one follows Google's usual quota message.
            if service == "reports_filter":
                limit = "Filter queries per minute"
            return ApiError(
                503,
                f"Quota exceeded for quota metric 'Queries' and limit '{limit}' of service "
                f"'admin.googleapis.com' for consumer 'project_number:"
                f"{self.key.client_id[:12]}'.",
                "rateLimitExceeded",
            )
        if service == "calendar":
            return ApiError(429, "Rate Limit Exceeded", "rateLimitExceeded", domain="usageLimits")
        metric = "Read requests" if service == "meet" else "Queries"
        limit = limit.replace("Queries", metric)
        return ApiError(
            429,
            f"Quota exceeded for quota metric '{metric}' and limit '{limit}' of service "
            f"'{service}.googleapis.com' for consumer 'project_number:"
            f"{self.key.client_id[:12]}'.",
        )


def check_query(req: Request, meta: Method) -> None:
    """Refuse unknown query parameters, bad enum values and bad integers, as Google does."""
    for raw, values in req.query.items():
        name = raw.removesuffix("[]")
        if name in meta.standard:
            continue
        spec = meta.query.get(name)
        if spec is None:
            raise ApiError(
                400,
                f'Invalid JSON payload received. Unknown name "{name}": '
                "Cannot bind query parameter. Field '{name}' could not be found in request "
                "message.",
            )
        if len(values) > 1 and not spec.get("repeated"):
            raise ApiError(400, f"Parameter {name} may not be repeated.")
        for v in values:
            if "enum" in spec and v not in spec["enum"]:
                raise ApiError(400, f"Invalid value at '{name}', \"{v}\"")
            if spec.get("type") == "integer":
                try:
                    n = int(v)
                except ValueError as e:
                    raise ApiError(400, f"Invalid value at '{name}' (TYPE_INT32), \"{v}\"") from e
                if "minimum" in spec and n < int(spec["minimum"]):
                    raise ApiError(400, f"Invalid value '{v}'. Values must be >= {spec['minimum']}")
            if spec.get("type") == "boolean" and v not in ("true", "false"):
                raise ApiError(400, f"Invalid value at '{name}' (TYPE_BOOL), \"{v}\"")
