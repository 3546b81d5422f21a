"""OData collection answers: ``$top``/``$skiptoken`` paging, ``$select``, delta links.

Graph pages with ``@odata.nextLink`` (an absolute URL carrying an opaque ``$skiptoken``)
and ends a delta round with ``@odata.deltaLink`` (carrying ``$deltatoken``) on the last
page (Graph docs, "Paging Microsoft Graph data", "Use delta query").
"""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from connector.sandbox.graph.errors import graph_error
from connector.sandbox.graph.state import GraphState
from connector.sandbox.server import Request, Response

Item = dict[str, Any]


def base_url(req: Request) -> str:
    return f"http://{req.headers.get('host', '127.0.0.1')}"


def iso(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _encode(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _decode(token: str) -> dict[str, Any]:
    padded = token + "=" * (-len(token) % 4)
    value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    if not isinstance(value, dict):
        raise ValueError("not a token")
    return value


def delta_since(req: Request) -> tuple[datetime | None, Response | None]:
    """The instant a ``$deltatoken`` stands for (None: an initial round), or a 400."""
    token = req.arg("$deltatoken")
    if token is None:
        return None, None
    try:
        return datetime.fromisoformat(_decode(token)["since"]), None
    except (ValueError, KeyError):
        return None, graph_error(400, "BadRequest", "The delta token is not valid.")


def select(item: Item, fields: list[str]) -> Item:
    if not fields:
        return item
    keep = {f.strip() for f in fields if f.strip()}
    return {k: v for k, v in item.items() if k in keep or k == "@odata.type"}


def collection(
    req: Request,
    state: GraphState,
    items: list[Item],
    *,
    context: str,
    delta_at: datetime | None = None,
) -> Response:
    """One page of ``items``; ``delta_at`` makes the last page carry a delta link."""
    try:
        top = int(req.arg("$top") or state.default_page_size)
        skip = req.arg("$skiptoken")
        offset = int(_decode(skip)["offset"]) if skip else 0
    except (ValueError, KeyError):
        return graph_error(400, "BadRequest", "Invalid $top or $skiptoken value.")
    if top < 1:
        return graph_error(400, "BadRequest", "Invalid value for $top: it must be positive.")
    top = min(top, state.max_page_size)
    fields = ",".join(req.args("$select")).split(",") if req.args("$select") else []
    page = [select(x, fields) for x in items[offset : offset + top]]
    base = base_url(req)
    body: dict[str, Any] = {"@odata.context": f"{base}/v1.0/$metadata#{context}", "value": page}
    if offset + top < len(items):
        query = [(k, v) for k, vs in req.query.items() if k != "$skiptoken" for v in vs]
        if not req.arg("$top"):
            query.append(("$top", str(top)))
        query.append(("$skiptoken", _encode({"offset": offset + top})))
        body["@odata.nextLink"] = f"{base}{req.path}?{urlencode(query, safe='$,')}"
    elif delta_at is not None:
        token = _encode({"since": delta_at.isoformat()})
        body["@odata.deltaLink"] = f"{base}{req.path}?{urlencode({'$deltatoken': token})}"
    return Response(
        200,
        body,
        {"OData-Version": "4.0"},
        "application/json;odata.metadata=minimal;odata.streaming=true;"
        "IEEE754Compatible=false;charset=utf-8",
    )


def entity(req: Request, item: Item, *, context: str) -> Response:
    fields = ",".join(req.args("$select")).split(",") if req.args("$select") else []
    body = {"@odata.context": f"{base_url(req)}/v1.0/$metadata#{context}/$entity"}
    body.update(select(item, fields))
    return Response(
        200,
        body,
        {"OData-Version": "4.0"},
        "application/json;odata.metadata=minimal;odata.streaming=true;"
        "IEEE754Compatible=false;charset=utf-8",
    )


_CLAUSE = re.compile(r"^\s*(\w+)\s+(eq|ne|gt|ge|lt|le)\s+('(?:[^']|'')*'|\S+)\s*$")
Filter = list[tuple[str, str, str]]


def parse_filter(
    req: Request, allowed: dict[str, frozenset[str]]
) -> tuple[Filter, Response | None]:
    """``$filter`` as ``[(property, operator, value)]`` for clauses joined by ``and``, or a
    400. ``allowed`` maps each filterable property to its operators. Enough OData for the
    filters the connector sends, and Graph's answer to the rest."""
    text = req.arg("$filter")
    if not text:
        return [], None
    out: Filter = []
    for clause in re.split(r"\s+and\s+", text.strip()):
        m = _CLAUSE.match(clause)
        if m is None:
            return [], graph_error(
                400, "BadRequest",
                "Invalid filter clause: The $filter expression must evaluate to a single "
                "boolean value.",
            )  # fmt: skip
        prop, op, value = m.groups()
        if op not in allowed.get(prop, frozenset()):
            return [], graph_error(
                400, "BadRequest", f"Invalid filter clause: '{op}' is not supported for {prop}."
            )
        out.append((prop, op, value[1:-1].replace("''", "'") if value[0] == "'" else value))
    return out, None


def matches(item: Item, clauses: Filter) -> bool:
    """Whether ``item`` passes every clause (date-times compare as instants)."""
    for prop, op, value in clauses:
        have = item.get(prop)
        if have is None:
            return False
        left: Any = have
        right: Any = value
        if prop.endswith("DateTime"):
            try:
                left = datetime.fromisoformat(str(have).replace("Z", "+00:00"))
                right = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                return False
        ok = {"eq": left == right, "ne": left != right, "gt": left > right,
              "ge": left >= right, "lt": left < right, "le": left <= right}[op]  # fmt: skip
        if not ok:
            return False
    return True
