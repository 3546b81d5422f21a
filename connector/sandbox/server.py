"""The sandbox's HTTP core: a threaded server on 127.0.0.1, a router, latency and faults.

Platform routes (Google in :mod:`connector.sandbox.google`, Microsoft in
:mod:`connector.sandbox.graph`) register handlers on one :class:`Router`; this module
knows nothing of either API. It is real HTTP on a real socket so that the production
connector code, with its own transports, is what tests and benchmarks exercise.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(slots=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: Mapping[str, str]
    body: bytes
    params: dict[str, str] = field(default_factory=dict)

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def args(self, name: str) -> list[str]:
        return list(self.query.get(name, []))

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass(slots=True)
class Response:
    status: int = 200
    body: bytes | dict[str, Any] | list[Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json; charset=UTF-8"

    def payload(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body, separators=(",", ":")).encode()


Handler = Callable[[Request], Response]


class Router:
    """Routes by method and a path template; ``{name}`` matches one path segment."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def add(self, method: str, template: str, handler: Handler) -> None:
        pattern = ""
        for part in re.split(r"(\{[A-Za-z_][A-Za-z0-9_]*\})", template):
            if part.startswith("{") and part.endswith("}"):
                pattern += f"(?P<{part[1:-1]}>[^/]+)"
            else:
                pattern += re.escape(part)
        self._routes.append((method.upper(), re.compile(f"^{pattern}$"), handler))

    def match(self, method: str, path: str) -> tuple[Handler, dict[str, str]] | None:
        for m, rx, handler in self._routes:
            if m == method and (found := rx.match(path)):
                return handler, found.groupdict()
        return None


@dataclass(slots=True)
class Fault:
    """Misbehave on matching requests: ``kind`` is status, reset, truncate or slow.

    ``times`` counts how many matching requests still fault (-1: forever); ``every``
    faults only each n-th match, for storms that let some calls through.
    """

    path: str  # regex searched in the request path
    kind: str = "status"
    status: int = 503
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1
    every: int = 1
    delay_s: float = 0.0
    _seen: int = 0

    def take(self, path: str) -> bool:
        if self.times == 0 or not re.search(self.path, path):
            return False
        self._seen += 1
        if self._seen % self.every:
            return False
        if self.times > 0:
            self.times -= 1
        return True


# A hook may answer a request itself (auth failure, quota, platform fault) or return None.
Hook = Callable[[Request], Response | None]


class Sandbox:
    """Serves registered routes on 127.0.0.1 from a background thread.

    Use as a context manager, or ``start()``/``stop()``. ``port=0`` picks a free port.
    """

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, latency_ms: float = 0) -> None:
        self.router = Router()
        self.hooks: list[Hook] = []
        self.latency_s = latency_ms / 1000
        self.faults: list[Fault] = []
        self.requests: Counter[str] = Counter()
        self.lock = threading.RLock()
        self._server = _Server((host, port), _handler_for(self))
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/"

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> Sandbox:
        self._thread = threading.Thread(
            # A short poll interval keeps shutdown fast; tests start many sandboxes.
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="sandbox",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def inject(self, fault: Fault) -> Fault:
        with self.lock:
            self.faults.append(fault)
        return fault

    @contextmanager
    def faulty(self, fault: Fault) -> Iterator[Fault]:
        self.inject(fault)
        try:
            yield fault
        finally:
            with self.lock:
                self.faults.remove(fault)

    def total_requests(self) -> int:
        with self.lock:
            return sum(self.requests.values())

    def dispatch(self, req: Request) -> Response:
        found = self.router.match(req.method, req.path)
        if found is None:
            return _not_found(req)
        handler, params = found
        req.params = params
        for hook in self.hooks:
            answer = hook(req)
            if answer is not None:
                return answer
        return handler(req)

    def _fault_for(self, path: str) -> Fault | None:
        with self.lock:
            for f in self.faults:
                if f.take(path):
                    return f
        return None


def _not_found(req: Request) -> Response:
    # Google's and Graph's 404 bodies differ; a path nobody serves gets a neutral one.
    return Response(
        404, {"error": {"code": 404, "message": f"No route for {req.method} {req.path}"}}
    )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def _handler_for(sandbox: Sandbox) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; with Nagle on, keep-alive clients wait
        # ~40 ms for the delayed ACK on every response.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            return  # the sandbox counts requests; per-line logs would drown test output

        def _serve(self) -> None:
            split = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            req = Request(
                method=self.command,
                path=split.path,
                query=parse_qs(split.query, keep_blank_values=True),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
            )
            with sandbox.lock:
                sandbox.requests[f"{req.method} {req.path}"] += 1
            if sandbox.latency_s:
                time.sleep(sandbox.latency_s)
            fault = sandbox._fault_for(req.path)
            if fault is not None and fault.kind == "reset":
                self._reset()
                return
            if fault is not None and fault.kind == "slow":
                time.sleep(fault.delay_s)
                fault = None
            if fault is not None and fault.kind == "status":
                resp = Response(fault.status, fault.body, dict(fault.headers))
            else:
                try:
                    resp = sandbox.dispatch(req)
                except Exception as e:  # a sandbox bug must look like a 500, not hang
                    resp = Response(500, {"error": {"code": 500, "message": repr(e)}})
            payload = resp.payload()
            truncated = fault is not None and fault.kind == "truncate"
            self.send_response(resp.status)
            self.send_header("Content-Type", resp.content_type)
            self.send_header("Content-Length", str(len(payload)))
            for k, v in resp.headers.items():
                self.send_header(k, v)
            self.end_headers()
            if truncated:
                self.wfile.write(payload[: len(payload) // 2])
                self.wfile.flush()
                self._reset()
                return
            self.wfile.write(payload)

        def _reset(self) -> None:
            # SO_LINGER 0 makes close() send RST: the client sees a connection reset.
            self.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
            self.close_connection = True
            self.connection.close()

        do_GET = _serve  # noqa: N815 (http.server's names)
        do_POST = _serve  # noqa: N815 (http.server's names)
        do_PATCH = _serve  # noqa: N815 (http.server's names)
        do_DELETE = _serve  # noqa: N815 (http.server's names)
        do_PUT = _serve  # noqa: N815 (http.server's names)

    return _Handler
