"""The Classroom v1 discovery document shipped with google-api-python-client.

The sandbox takes each method's scopes and query parameters (names, enums, repeated)
from it, so that a request Google would refuse is refused here too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

STANDARD_PARAMS = {
    "$.xgafv", "access_token", "alt", "callback", "fields", "key", "oauth_token",
    "prettyPrint", "quotaUser", "upload_protocol", "uploadType",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Method:
    id: str  # e.g. "classroom.courses.list"
    scopes: frozenset[str]
    query: dict[str, dict[str, Any]]  # query parameter name -> its discovery description


@cache
def document() -> dict[str, Any]:
    path = resources.files("googleapiclient.discovery_cache") / "documents" / "classroom.v1.json"
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return doc


@cache
def methods() -> dict[str, Method]:
    out: dict[str, Method] = {}

    def walk(res: dict[str, Any]) -> None:
        for r in res.values():
            for m in r.get("methods", {}).values():
                params = m.get("parameters", {})
                out[m["id"]] = Method(
                    m["id"],
                    frozenset(m.get("scopes", [])),
                    {k: v for k, v in params.items() if v.get("location") == "query"},
                )
            walk(r.get("resources", {}))

    walk(document()["resources"])
    return out
