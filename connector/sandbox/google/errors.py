"""Google's JSON error bodies, and faults that answer with them.

Every Google API answers an error with ``{"error": {"code", "message", "errors": [...],
"status"}}``: ``status`` is the canonical gRPC code name, ``errors[].reason`` the older
per-request reason. The messages below are the ones Google's front end uses.
"""

from __future__ import annotations

from typing import Any

from connector.sandbox.server import Fault, Response

# status code -> (canonical status, legacy reason, default message)
_CANON: dict[int, tuple[str, str, str]] = {
    400: ("INVALID_ARGUMENT", "badRequest", "Request contains an invalid argument."),
    401: (
        "UNAUTHENTICATED",
        "authError",
        "Request had invalid authentication credentials. Expected OAuth 2 access token, "
        "login cookie or other valid authentication credential. See "
        "https://developers.google.com/identity/sign-in/web/devconsole-project.",
    ),
    403: ("PERMISSION_DENIED", "forbidden", "The caller does not have permission"),
    404: ("NOT_FOUND", "notFound", "Requested entity was not found."),
    409: ("ABORTED", "aborted", "The operation was aborted."),
    429: (
        "RESOURCE_EXHAUSTED",
        "rateLimitExceeded",
        "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user' "
        "of service 'classroom.googleapis.com'.",
    ),
    500: ("INTERNAL", "backendError", "Internal error encountered."),
    503: ("UNAVAILABLE", "backendError", "The service is currently unavailable."),
}


class ApiError(Exception):
    """Raised inside a handler; the router turns it into Google's error body."""

    def __init__(
        self,
        code: int,
        message: str | None = None,
        reason: str | None = None,
        *,
        domain: str | None = None,
        location: tuple[str, str] | None = None,
    ) -> None:
        super().__init__(message or _CANON.get(code, ("", "", ""))[2])
        self.code = code
        self.message = message
        self.reason = reason
        self.domain = domain  # Calendar bodies name one ("calendar", "usageLimits")
        self.location = location  # Calendar bodies: (locationType, location)


def error_body(code: int, message: str | None = None, reason: str | None = None) -> dict[str, Any]:
    """Google's error body for HTTP ``code``."""
    status, default_reason, default_message = _CANON.get(code, ("UNKNOWN", "unknown", "Unknown"))
    msg = message or default_message
    return {
        "error": {
            "code": code,
            "message": msg,
            "errors": [{"message": msg, "domain": "global", "reason": reason or default_reason}],
            "status": status,
        }
    }


def google_error(
    code: int,
    message: str | None = None,
    reason: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A :class:`Response` carrying Google's error body (and headers Google sends with it)."""
    extra = dict(headers or {})
    if code == 401:
        extra.setdefault("WWW-Authenticate", 'Bearer realm="https://accounts.google.com/"')
    return Response(code, error_body(code, message, reason), extra)


def from_api_error(e: ApiError, service: str = "classroom") -> Response:
    if service == "calendar":
        return Response(
            e.code, calendar_error_body(e.code, e.message, e.reason, e.domain, e.location)
        )
    return google_error(e.code, e.message, e.reason)


# Calendar v3 answers in the older shape its error guide shows: no ``status``, a
# ``domain`` per error and, for parameter errors, ``locationType``/``location``.
# (developers.google.com/workspace/calendar/api/guides/errors)
_CALENDAR: dict[int, tuple[str, str, str]] = {
    400: ("global", "badRequest", "Bad Request"),
    401: ("global", "authError", "Invalid Credentials"),
    403: ("global", "forbidden", "Forbidden"),
    404: ("global", "notFound", "Not Found"),
    410: ("global", "fullSyncRequired", "Sync token is no longer valid, a full sync is required."),
    429: ("usageLimits", "rateLimitExceeded", "Rate Limit Exceeded"),
    500: ("global", "backendError", "Backend Error"),
    503: ("global", "backendError", "Backend Error"),
}


def calendar_error_body(
    code: int,
    message: str | None = None,
    reason: str | None = None,
    domain: str | None = None,
    location: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """Calendar v3's error body for HTTP ``code``."""
    d_domain, d_reason, d_message = _CALENDAR.get(code, ("global", "unknown", "Unknown"))
    msg = message or d_message
    item: dict[str, Any] = {"domain": domain or d_domain, "reason": reason or d_reason}
    item["message"] = msg
    if code == 401 and location is None:
        location = ("header", "Authorization")
    if location is not None:
        item["locationType"], item["location"] = location
    return {"error": {"errors": [item], "code": code, "message": msg}}


def google_fault(
    status: int,
    path: str = r"^/v1/",
    *,
    times: int = 1,
    every: int = 1,
    message: str | None = None,
    retry_after_s: int | None = None,
) -> Fault:
    """A status :class:`Fault` on Google paths answering with Google's error body.

    ``path`` is a regex searched in the request path (inner batch calls included).
    Google sends no ``Retry-After`` on Classroom 429s; pass ``retry_after_s`` to add one.
    """
    headers = {"Retry-After": str(retry_after_s)} if retry_after_s is not None else {}
    return Fault(
        path=path,
        kind="status",
        status=status,
        body=error_body(status, message),
        headers=headers,
        times=times,
        every=every,
    )


def fault_body(path: str, status: int) -> dict[str, Any]:
    """The error body Google's API at ``path`` answers ``status`` with (Calendar's own shape)."""
    if path.startswith("/calendar/"):
        return calendar_error_body(status)
    return error_body(status)
