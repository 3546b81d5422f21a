"""The discovery documents shipped with google-api-python-client: Classroom, Calendar, Meet
and the Admin SDK Reports API.

The sandbox takes each method's scopes and query parameters (names, enums, repeated,
minimums) from them, so that a request Google would refuse is refused here too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

# The documents the sandbox serves. A method id starts with its API's name: "classroom.",
# "calendar.", "meet." and, for admin.reports_v1, "reports." (e.g. reports.activities.list).
DOCUMENTS = ("classroom.v1", "calendar.v3", "meet.v2", "admin.reports_v1")

STANDARD_PARAMS = {
    "$.xgafv", "access_token", "alt", "callback", "fields", "key", "oauth_token",
    "prettyPrint", "quotaUser", "upload_protocol", "uploadType",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Method:
    id: str  # e.g. "classroom.courses.list", "reports.activities.list"
    scopes: frozenset[str]
    query: dict[str, dict[str, Any]]  # query parameter name -> its discovery description
    standard: frozenset[str] = frozenset(STANDARD_PARAMS)  # the API's system parameters

    @property
    def service(self) -> str:
        """``classroom``, ``calendar``, ``meet`` or ``reports``: which quota a call uses."""
        return self.id.split(".", 1)[0]


@cache
def document(name: str = "classroom.v1") -> dict[str, Any]:
    path = resources.files("googleapiclient.discovery_cache") / "documents" / f"{name}.json"
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return doc


@cache
def methods() -> dict[str, Method]:
    out: dict[str, Method] = {}
    for name in DOCUMENTS:
        doc = document(name)
        standard = frozenset(doc.get("parameters", {})) | STANDARD_PARAMS

        def walk(res: dict[str, Any], standard: frozenset[str] = standard) -> None:
            for r in res.values():
                for m in r.get("methods", {}).values():
                    params = m.get("parameters", {})
                    out[m["id"]] = Method(
                        m["id"],
                        frozenset(m.get("scopes", [])),
                        {k: v for k, v in params.items() if v.get("location") == "query"},
                        standard,
                    )
                walk(r.get("resources", {}))

        walk(doc["resources"])
    return out
