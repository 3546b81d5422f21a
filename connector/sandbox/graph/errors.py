"""Graph's error bodies, and a :class:`Fault` that answers with one.

Shape (Microsoft Graph docs, "Microsoft Graph error responses and resource types" and the
JSON batching page): ``{"error": {"code", "message", "innerError": {"date", "request-id",
"client-request-id"}}}``. Throttled answers carry ``Retry-After`` in seconds.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from connector.sandbox.server import Fault, Response

# Codes Graph uses for the statuses the sandbox produces (Graph docs, error codes table).
_CODES = {
    400: ("BadRequest", "Invalid request."),
    401: ("InvalidAuthenticationToken", "Access token is empty."),
    403: ("Forbidden", "Insufficient privileges to complete the operation."),
    404: ("ResourceNotFound", "Resource not found."),
    429: ("TooManyRequests", "Too many requests; please retry after the indicated time."),
    500: ("InternalServerError", "An internal server error occurred."),
    503: ("ServiceUnavailable", "The service is temporarily unavailable."),
    504: ("GatewayTimeout", "The gateway timed out."),
}


def error_body(
    status: int, code: str | None = None, message: str | None = None, client_request_id: str = ""
) -> dict[str, Any]:
    default_code, default_message = _CODES.get(status, ("UnknownError", "Unknown error."))
    request_id = str(uuid.uuid4())
    return {
        "error": {
            "code": code if code is not None else default_code,
            "message": message if message is not None else default_message,
            "innerError": {
                "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                "request-id": request_id,
                "client-request-id": client_request_id or request_id,
            },
        }
    }


def graph_error(
    status: int,
    code: str | None = None,
    message: str | None = None,
    *,
    retry_after: int | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A Graph error response; 429 and 503 carry ``Retry-After`` when given."""
    out = dict(headers or {})
    if retry_after is not None:
        out["Retry-After"] = str(retry_after)
    return Response(status, error_body(status, code, message), out)


def graph_fault(
    status: int,
    *,
    path: str = r"^/v1\.0/",
    code: str | None = None,
    message: str | None = None,
    retry_after: int | None = None,
    times: int = 1,
    every: int = 1,
) -> Fault:
    """A :class:`Fault` answering matching Graph requests with Graph's error body.

    Faults apply to real HTTP requests only; a request inside ``$batch`` is throttled by
    the sandbox's limiter (see :mod:`connector.sandbox.graph.throttle`) or by
    :attr:`GraphState.inner_faults`.
    """
    headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
    return Fault(
        path=path,
        kind="status",
        status=status,
        body=error_body(status, code, message),
        headers=headers,
        times=times,
        every=every,
    )
