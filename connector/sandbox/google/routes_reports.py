"""Admin SDK Reports API: ``activities.list`` over the Classroom audit log.

``GET /admin/reports/v1/activity/users/{userKey}/applications/{applicationName}``
(discovery: admin.reports_v1, servicePath "", so a client's ``api_endpoint`` is the
sandbox root). What Google documents and the sandbox does:

- Scope ``admin.reports.audit.readonly`` (else 403 insufficientPermissions, in
  :class:`GoogleApi`). Only admins read the log: the customer's super admin every Google
  school's events, a school's admin their own school's. Anyone else gets **401** "Access
  denied. You are not authorized to read activity records." -- the answer seen from the
  Reports API for a non-admin (googleworkspace/python-samples issue 21, and Microsoft's
  Defender for Cloud Apps troubleshooting table for its Google Workspace connector), not
  the Directory API's 403 "Not Authorized to access this resource/api". Client libraries
  refresh the token on a 401 and ask again before giving up.
- Newest first: Google's quickstart gets "the last 10 login events" with maxResults=10,
  so the first page holds the latest activities (the reference states no order).
- ``startTime``/``endTime`` RFC 3339 (the discovery pattern); startTime must be before
  endTime and the current time (400 "Invalid request: Start time is after end time.", the
  wording seen in google-api-python-client issue 148; the other texts are ours). Both
  bounds are inclusive (undocumented: a reader should expect to see its watermark's own
  events again). Without endTime the report runs to now; the reach is 180 days.
- Events show ``GoogleApi.reports_lag`` after they happen (default 2 minutes: "Near real
  time (couple of minutes)", support.google.com/a/answer/7061566).
- ``eventName`` exact; ``filters`` ``name==value`` / ``name<>value`` terms, comma
  separated, the last term on a name winning; a term on a parameter the event lacks
  empties the report for that event, a term on no Classroom parameter or with another
  operator is ignored ("if an invalid parameter is supplied ... the API ignores that
  parameter"). ``maxResults`` 1..1000, default 1000. Other query parameters (orgUnitID,
  actorIpAddress, ...) are accepted and not applied.
- A page token holds the cursor (time and uniqueQualifier of the page's last activity),
  so events that arrive while a reader pages do not shift the pages; it is bound to the
  request (400 on any other).
- Quota: 2,400 queries per minute per user and 250 filter queries per minute (a request
  with userKey other than ``all``, eventName, filters, actorIpAddress, orgUnitID or
  groupIdFilter); over either: 503 (see quota.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from connector.sandbox.google import audit_render
from connector.sandbox.google.access import Caller
from connector.sandbox.google.api import GoogleApi
from connector.sandbox.google.audit_events import AuditEvent
from connector.sandbox.google.audit_index import AuditLog, Key, scan
from connector.sandbox.google.discovery import document, methods
from connector.sandbox.google.errors import ApiError
from connector.sandbox.google.paging import fingerprint, make_token, read_token
from connector.sandbox.server import Request

METHOD = "reports.activities.list"
PATH = "/admin/reports/v1/activity/users/{userKey}/applications/{applicationName}"
REACH = timedelta(days=180)
MAX_RESULTS = 1000
NOT_ADMIN = "Access denied. You are not authorized to read activity records."
_FILTER_QUERY = ("eventName", "filters", "actorIpAddress", "orgUnitID", "groupIdFilter")
_TERM = re.compile(r"^\s*([A-Za-z_]+)\s*(==|<>)\s*(.*?)\s*$")


def register(api: GoogleApi) -> None:
    log = AuditLog(api.world)
    spec = methods()[METHOD].query
    applications = set(_path_enum("applicationName"))
    time_pattern = re.compile(spec["startTime"]["pattern"])

    def when(req: Request, name: str) -> datetime | None:
        raw = req.arg(name)
        if raw is None:
            return None
        bad = ApiError(400, f"Invalid request: {name} is not an RFC 3339 date-time.")
        if not time_pattern.fullmatch(raw):
            raise bad
        try:  # the pattern lets through hour 25 or month 13; Python keeps microseconds
            return datetime.fromisoformat(re.sub(r"(\.\d{6})\d+", r"\1", raw))
        except ValueError as e:
            raise bad from e

    def list_activities(req: Request, caller: Caller) -> dict[str, Any]:
        if req.params["applicationName"] not in applications:
            raise ApiError(400, f"Invalid value '{req.params['applicationName']}'.")
        if not caller.admin_of:
            raise ApiError(401, NOT_ADMIN, "authError")
        w = api.world
        start, end = when(req, "startTime"), when(req, "endTime")
        if start is not None and end is not None and start >= end:
            raise ApiError(400, "Invalid request: Start time is after end time.")
        if start is not None and start > w.now:
            raise ApiError(400, "Invalid request: Start time is after the current time.")
        size = int(req.arg("maxResults") or MAX_RESULTS)
        if size > MAX_RESULTS:
            raise ApiError(400, f"Invalid value '{size}'. Values must be <= {MAX_RESULTS}")
        user_key = req.params["userKey"]
        actor = None if user_key == "all" else api.directory.resolve_user(user_key, caller)
        if user_key != "all" and actor is None:
            raise ApiError(404, "Resource Not Found: userKey")
        if user_key != "all" or any(req.arg(p) for p in _FILTER_QUERY):
            api.charge("reports_filter", caller.email or api.key.client_email)
        fp = fingerprint(req, caller.user_id, "maxResults")
        cursor = _cursor(read_token(req, fp))
        if req.params["applicationName"] != "classroom":
            return {"kind": "admin#reports#activities", "etag": audit_render.etag(fp)}

        timelines = log.timelines(caller.admin_of)
        newest = w.now - api.reports_lag
        newest = min(newest, end) if end is not None else newest
        oldest = max(start, w.now - REACH) if start is not None else w.now - REACH
        keep = _matcher(api, actor, req.arg("eventName"), req.arg("filters"))
        found = scan(timelines, newest, oldest, cursor, keep)
        page = [item for _, item in zip(range(size + 1), found, strict=False)]
        body: dict[str, Any] = {
            "kind": "admin#reports#activities",
            "etag": audit_render.etag(fp, w.revision, cursor, len(page)),
        }
        if page[:size]:
            body["items"] = [audit_render.activity(w, e) for _, e in page[:size]]
        if len(page) > size:
            body["nextPageToken"] = make_token(fp, {"k": page[size - 1][0]})
        return body

    api.route(PATH, METHOD, list_activities)


def _path_enum(name: str) -> list[str]:
    method = document("admin.reports_v1")["resources"]["activities"]["methods"]["list"]
    return list(method["parameters"][name]["enum"])


def _cursor(data: dict[str, Any] | None) -> Key | None:
    if data is None:
        return None
    key = data.get("k")
    if not isinstance(key, int):
        raise ApiError(400)
    return key


def _matcher(
    api: GoogleApi, actor: str | None, event_name: str | None, filters: str | None
) -> Callable[[AuditEvent], bool]:
    terms: dict[str, tuple[str, str]] = {}
    for part in (filters or "").split(","):
        m = _TERM.match(part)
        if m and m.group(1) in audit_render.PARAMETERS:
            terms[m.group(1)] = (m.group(2), m.group(3))

    def keep(e: AuditEvent) -> bool:
        if (actor is not None and e.actor_id != actor) or (event_name and e.name != event_name):
            return False
        if not terms:
            return True
        values = audit_render.values(api.world, e)
        for name, (op, want) in terms.items():
            if name not in values:
                return False
            got = values[name]
            if isinstance(got, bool):
                texts = ["true" if got else "false"]
            else:
                texts = got if isinstance(got, list) else [got]
            if (want in texts) != (op == "=="):
                return False
        return True

    return keep
