"""``POST /batch``: Google's multipart/mixed batch endpoint.

Each part is ``application/http`` holding one call (``Content-ID: <base + N>``); the
answer mirrors the parts in order with ``Content-ID: <response-base + N>``. Inner calls
go through the sandbox's router, so auth, quota (each call counts), scopes and faults
apply to each one as if it were sent alone. Inner requests inherit the outer request's
headers (e.g. ``Authorization``) unless they set their own. Classroom takes at most
50 calls per batch. Calendar's batch path is ``/batch/calendar/v3``; Meet's is ``/batch``.
"""

from __future__ import annotations

import email
import email.message
import secrets
from collections.abc import Callable
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

from connector.sandbox.google.errors import fault_body, google_error
from connector.sandbox.server import Fault, Request, Response, Sandbox

MAX_CALLS = 50
INNER = "x-sandbox-inner"  # marks a batch part so it is not counted as an HTTP request


def _inner_request(part: email.message.Message, outer: Request) -> Request | None:
    payload = part.get_payload()
    if not isinstance(payload, str):
        return None
    head, _, body = payload.replace("\r\n", "\n").partition("\n\n")
    lines = head.lstrip("\n").split("\n")
    words = lines[0].split()
    if len(words) < 2:
        return None
    headers = dict(outer.headers)
    headers.pop("content-type", None)
    headers.pop("content-length", None)
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    headers[INNER] = "1"
    split = urlsplit(words[1])
    return Request(
        method=words[0].upper(),
        path=split.path,
        query=parse_qs(split.query, keep_blank_values=True),
        headers=headers,
        body=body.encode(),
    )


def _status_fault(sandbox: Sandbox, path: str) -> Fault | None:
    """The first status fault matching an inner call's path (and it is charged).

    Only status faults apply per inner call: reset, slow and truncate faults act on the
    batch's own HTTP response (the server applies them to ``POST /batch``), so they are
    neither fired nor used up by the calls inside.
    """
    with sandbox.lock:
        for f in sandbox.faults:
            if f.kind == "status" and f.take(path):
                return f
    return None


def _serve_inner(sandbox: Sandbox, req: Request) -> Response:
    fault = _status_fault(sandbox, req.path)
    if fault is not None:
        body = fault.body if fault.body is not None else fault_body(req.path, fault.status)
        return Response(fault.status, body, dict(fault.headers))
    return sandbox.dispatch(req)


def handler(sandbox: Sandbox) -> Callable[[Request], Response]:
    def serve(req: Request) -> Response:
        ctype = req.headers.get("content-type", "")
        if not ctype.lower().startswith("multipart/mixed"):
            return google_error(400, "Batch requests must use Content-Type multipart/mixed.")
        msg = email.message_from_bytes(b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + req.body)
        parts = msg.get_payload() if msg.is_multipart() else []
        if not isinstance(parts, list) or not parts:
            return google_error(400, "A batch request must contain at least one call.")
        if len(parts) > MAX_CALLS:
            return google_error(
                400, f"A batch request cannot contain more than {MAX_CALLS} requests."
            )
        boundary = "batch_" + secrets.token_urlsafe(12).replace("-", "x")
        out: list[str] = []
        for i, part in enumerate(parts, start=1):
            assert isinstance(part, email.message.Message)
            cid = (part.get("Content-ID") or f"<item + {i}>").strip()
            inner = _inner_request(part, req)
            resp = (
                _serve_inner(sandbox, inner)
                if inner is not None
                else google_error(400, "Malformed batch part.")
            )
            try:
                phrase = HTTPStatus(resp.status).phrase
            except ValueError:
                phrase = ""
            head = [f"HTTP/1.1 {resp.status} {phrase}", f"Content-Type: {resp.content_type}"]
            head += [f"{k}: {v}" for k, v in resp.headers.items()]
            head.append("Vary: Origin\r\nVary: X-Origin\r\nVary: Referer")
            out.append(
                f"--{boundary}\r\nContent-Type: application/http\r\n"
                f"Content-ID: <response-{cid.strip('<>')}>\r\n\r\n"
                + "\r\n".join(head)
                + "\r\n\r\n"
                + resp.payload().decode()
                + "\r\n"
            )
        out.append(f"--{boundary}--\r\n")
        return Response(
            200, "".join(out).encode(), content_type=f"multipart/mixed; boundary={boundary}"
        )

    return serve
