"""``POST /v1.0/$batch``: JSON batching (Graph docs, "Combine multiple HTTP requests using
JSON batching").

At most 20 requests; ids unique; each answer in ``responses`` carries ``id``, ``status``,
``headers`` and ``body``. The batch itself answers 200 when it parses, whatever its parts
did: a throttled part is a 429 (with ``Retry-After``) inside the 200.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

from connector.sandbox.graph.errors import error_body, graph_error
from connector.sandbox.graph.state import GraphState
from connector.sandbox.server import Request, Response, Sandbox

MAX_BATCH = 20  # "JSON batch requests are currently limited to 20 individual requests."


def handler(sandbox: Sandbox, state: GraphState) -> Any:
    def batch(req: Request) -> Response:
        try:
            payload = json.loads(req.body or b"null")
            parts = payload["requests"]
            if not isinstance(parts, list) or not parts:
                raise ValueError("requests must be a non-empty list")
            ids = [str(p["id"]) for p in parts]
            for p in parts:
                if not isinstance(p.get("url"), str) or not isinstance(p.get("method"), str):
                    raise ValueError("each request needs a method and a url")
        except (ValueError, KeyError, TypeError) as e:
            return graph_error(400, "BadRequest", f"Invalid batch payload: {e}")
        if len(parts) > MAX_BATCH:
            # The limit is documented; this wording is the sandbox's own.
            return graph_error(
                400, "BadRequest", f"Batch request exceeds the maximum of {MAX_BATCH} requests."
            )
        if len({i.lower() for i in ids}) != len(ids):
            return graph_error(400, "BadRequest", "Batch request ids must be unique.")
        with state.lock:
            state.batches += 1
        return Response(200, {"responses": [_one(sandbox, state, req, p) for p in parts]})

    return batch


def _one(sandbox: Sandbox, state: GraphState, outer: Request, part: dict[str, Any]) -> Any:
    url = part["url"]
    if not url.startswith("/"):
        url = "/" + url
    split = urlsplit(url)
    headers = {k.lower(): str(v) for k, v in (part.get("headers") or {}).items()}
    for name in ("authorization", "host"):
        if name in outer.headers:
            headers[name] = outer.headers[name]
    body = part.get("body")
    inner = Request(
        method=part["method"].upper(),
        path="/v1.0" + split.path,
        query=parse_qs(split.query, keep_blank_values=True),
        headers=headers,
        body=json.dumps(body).encode() if body is not None else b"",
    )
    resp: Response | None = None
    with state.lock:
        for f in state.inner_faults:
            if f.take(inner.path):
                resp = Response(f.status, f.body or error_body(f.status), dict(f.headers))
                break
    if resp is None:
        try:
            resp = sandbox.dispatch(inner)
        except Exception as e:  # a sandbox bug inside a batch is a 500 part, not a dead batch
            resp = graph_error(500, "InternalServerError", repr(e))
    out_headers = {"Content-Type": resp.content_type.split(";")[0], **resp.headers}
    answer: dict[str, Any] = {"id": str(part["id"]), "status": resp.status, "headers": out_headers}
    if isinstance(resp.body, bytes):
        answer["body"] = json.loads(resp.body) if resp.body else None
    elif resp.body is not None:
        answer["body"] = resp.body
    return answer
