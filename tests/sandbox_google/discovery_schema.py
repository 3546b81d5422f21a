"""Check a JSON value against a schema of a Google discovery document.

Strict the way a faithful fake must be: no field the schema lacks, JSON types as the
discovery types say (``int64``/``uint64`` are strings, ``google-datetime`` is RFC 3339
in UTC with a ``Z``, Calendar's ``date-time`` RFC 3339 with an offset or ``Z`` and
``date`` yyyy-mm-dd, ``double`` a number), every enum value a real one, ``$ref``s
followed. Returns the list of problems (empty: valid).

Calendar v3 documents some values in prose rather than as enums; :data:`DOCUMENTED`
lists them (from the field descriptions in calendar.v3.json) for :func:`documented`.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import googleapiclient

DOCS = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"
_RFC3339_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$")
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# Calendar fields whose values the descriptions list ("Possible values are: ...").
DOCUMENTED: dict[str, set[str]] = {
    "kind": {"calendar#events", "calendar#event"},
    "accessRole": {"none", "freeBusyReader", "reader", "writerWithoutPrivateAccess", "writer",
                   "owner"},
    "status": {"confirmed", "tentative", "cancelled"},
    "eventType": {"birthday", "default", "focusTime", "fromGmail", "outOfOffice",
                  "workingLocation"},
    "responseStatus": {"needsAction", "declined", "tentative", "accepted"},
    "entryPointType": {"video", "phone", "sip", "more"},
    "type": {"eventHangout", "eventNamedHangout", "hangoutsMeet", "addOn"},
}  # fmt: skip


def documented(value: Any, at: str = "$") -> list[str]:
    """Problems with Calendar values outside the documented sets, anywhere in ``value``."""
    out: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if k in DOCUMENTED and isinstance(v, str) and v not in DOCUMENTED[k]:
                out.append(f"{at}.{k}: {v!r} is not a documented value")
            out += documented(v, f"{at}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += documented(v, f"{at}[{i}]")
    return out


@cache
def document(name: str = "classroom.v1") -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((DOCS / f"{name}.json").read_text(encoding="utf-8"))
    return doc


def validate(value: Any, schema_name: str, doc: str = "classroom.v1") -> list[str]:
    schemas = document(doc)["schemas"]
    problems: list[str] = []
    _check(value, schemas[schema_name], schemas, schema_name, problems)
    return problems


def _check(v: Any, s: dict[str, Any], schemas: dict[str, Any], at: str, out: list[str]) -> None:
    if "$ref" in s:
        _check(v, schemas[s["$ref"]], schemas, at, out)
        return
    kind = s.get("type")
    fmt = s.get("format")
    if kind == "object":
        if not isinstance(v, dict):
            out.append(f"{at}: expected object, got {type(v).__name__}")
            return
        props = s.get("properties", {})
        extra = s.get("additionalProperties")
        for k, item in v.items():
            if k in props:
                _check(item, props[k], schemas, f"{at}.{k}", out)
            elif extra is not None:
                _check(item, extra, schemas, f"{at}[{k}]", out)
            else:
                out.append(f"{at}: field {k!r} is not in the schema")
    elif kind == "array":
        if not isinstance(v, list):
            out.append(f"{at}: expected array, got {type(v).__name__}")
            return
        for i, item in enumerate(v):
            _check(item, s["items"], schemas, f"{at}[{i}]", out)
    elif kind == "string":
        if not isinstance(v, str):
            out.append(f"{at}: expected string, got {type(v).__name__}")
            return
        if "enum" in s and v not in s["enum"]:
            out.append(f"{at}: {v!r} is not one of {s['enum']}")
        if fmt in ("int64", "uint64") and not re.fullmatch(r"-?\d+", v):
            out.append(f"{at}: {v!r} is not an {fmt} string")
        if fmt == "google-datetime" and not _RFC3339_Z.match(v):
            out.append(f"{at}: {v!r} is not RFC 3339 UTC with Z")
        if fmt == "date-time" and not _RFC3339.match(v):
            out.append(f"{at}: {v!r} is not RFC 3339")
        if fmt == "date" and not _DATE.match(v):
            out.append(f"{at}: {v!r} is not a yyyy-mm-dd date")
    elif kind == "integer":
        if isinstance(v, bool) or not isinstance(v, int):
            out.append(f"{at}: expected integer, got {type(v).__name__}")
    elif kind == "number":
        if isinstance(v, bool) or not isinstance(v, int | float):
            out.append(f"{at}: expected number, got {type(v).__name__}")
    elif kind == "boolean":
        if not isinstance(v, bool):
            out.append(f"{at}: expected boolean, got {type(v).__name__}")
    elif kind == "any":
        return
    else:
        out.append(f"{at}: schema type {kind!r} not understood")
