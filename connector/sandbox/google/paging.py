"""Page tokens and page sizes for list methods.

A token is opaque to clients: base64url of the next offset and a fingerprint of the
request it continues (method, path, query without pageToken/pageSize, caller). Google
says "the list request must be otherwise identical"; a token replayed on a different
request is refused with 400 INVALID_ARGUMENT, as is a token that does not decode.

Page sizes: rosters (teachers/students) default to 30, as the discovery document says.
No other Classroom list documents a default or a maximum ("the server may assign a
maximum"); the sandbox chooses a default of 100 and a maximum of 1,000 for every Classroom
list (rosters included) so that clients must follow ``nextPageToken``. Calendar and Meet
document theirs (see routes_calendar, routes_meet): larger sizes are coerced to the maximum.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from typing import Any, TypeVar

from connector.sandbox.google.errors import ApiError
from connector.sandbox.server import Request

ROSTER_DEFAULT_PAGE = 30
DEFAULT_PAGE = 100
MAX_PAGE = 1000

T = TypeVar("T")


def fingerprint(req: Request, caller: str, size_param: str = "pageSize") -> str:
    """What a page token is bound to: the request without its token and page size."""
    query = sorted(
        (k.removesuffix("[]"), v)
        for k, vs in req.query.items()
        if k not in ("pageToken", size_param, "alt", "prettyPrint", "fields")
        for v in vs
    )
    raw = json.dumps([req.method, req.path, query, caller])
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def page_size(
    req: Request, default: int = DEFAULT_PAGE, *, param: str = "pageSize", maximum: int = MAX_PAGE
) -> int:
    raw = req.arg(param)
    if raw in (None, ""):
        return default
    try:
        n = int(raw)
    except ValueError as e:
        raise ApiError(400, f"Invalid value at 'page_size' (TYPE_INT32), \"{raw}\"") from e
    if n < 0:
        raise ApiError(400, "page_size must not be negative")
    return default if n == 0 else min(n, maximum)


def paginate(
    req: Request,
    items: Sequence[T],
    caller: str,
    *,
    default: int = DEFAULT_PAGE,
    param: str = "pageSize",
    maximum: int = MAX_PAGE,
) -> tuple[list[T], str | None]:
    """One page of ``items`` (already filtered and in stable order) and the next token.

    ``param`` names the page-size parameter (Calendar's is ``maxResults``); sizes above
    ``maximum`` are coerced to it, as Calendar and Meet document.
    """
    size = page_size(req, default, param=param, maximum=maximum)
    fp = fingerprint(req, caller, param)
    offset = 0
    if data := read_token(req, fp):
        try:
            offset = int(data["o"])
        except (ValueError, KeyError, TypeError) as e:
            raise ApiError(400) from e
        if offset < 0:
            raise ApiError(400)
    page = list(items[offset : offset + size])
    nxt = offset + size
    if nxt >= len(items):
        return page, None
    return page, make_token(fp, {"o": nxt})


def make_token(fp: str, data: dict[str, Any]) -> str:
    """An opaque page token carrying ``data``, valid only for requests with print ``fp``."""
    raw = json.dumps({**data, "f": fp}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read_token(req: Request, fp: str) -> dict[str, Any] | None:
    """The data of the request's ``pageToken`` (None without one); 400 if it does not
    decode or was issued for a different request."""
    token = req.arg("pageToken") or ""
    if not token:
        return None
    try:
        data: Any = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        ok = isinstance(data, dict) and data.get("f") == fp
    except ValueError as e:
        raise ApiError(400) from e
    if not ok:
        raise ApiError(400)
    return dict(data)


def listing(key: str, page: list[dict[str, Any]], token: str | None) -> dict[str, Any]:
    """A list response: proto3 JSON leaves out an empty repeated field and an empty token."""
    body: dict[str, Any] = {}
    if page:
        body[key] = page
    if token:
        body["nextPageToken"] = token
    return body
