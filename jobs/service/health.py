"""``/healthz``, ``/readyz`` and ``/metrics`` on ``server.port`` (stdlib HTTP, own thread)."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import structlog
from alembic.runtime.migration import MigrationContext
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import func, select, text

from jobs.service.runtime import Runtime
from sync.db import head_revision
from sync.models import RunStatus, SyncRun

log = structlog.get_logger(__name__)


def readiness(rt: Runtime, head: str) -> tuple[bool, dict[str, Any]]:
    """Ready when the store answers, is at the release's schema, and a sync succeeded lately."""
    try:
        with rt.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            revision = MigrationContext.configure(conn).get_current_revision()
    except Exception as e:
        return False, {"ready": False, "reason": "database-unreachable", "error": type(e).__name__}
    if revision != head:
        return False, {
            "ready": False, "reason": "migrations-not-at-head", "current": revision, "head": head,
        }
    with rt.sessions() as session:
        last = session.scalar(
            select(func.max(SyncRun.ended_at)).where(
                SyncRun.status.in_([RunStatus.SUCCEEDED, RunStatus.PARTIAL])
            )
        )
    limit = timedelta(minutes=rt.settings.server.ready_max_sync_age_minutes)
    now = rt.clock()
    if last is None:
        return False, {"ready": False, "reason": "no-successful-sync"}
    if now - last > limit:
        return False, {"ready": False, "reason": "sync-too-old", "last_sync": last.isoformat()}
    return True, {"ready": True, "last_sync": last.isoformat(), "leader": rt.leader}


class HealthServer:
    """Serves until :meth:`stop`; ``port`` is the bound one (config may say 0: any free)."""

    def __init__(self, rt: Runtime, host: str, port: int) -> None:
        head = head_revision()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # the stdlib's name
                path = self.path.split("?", 1)[0]
                if path == "/healthz":
                    self._json(200, {"alive": True, "leader": rt.leader})
                elif path == "/readyz":
                    try:
                        ok, body = readiness(rt, head)
                    except Exception as e:
                        ok, body = False, {"ready": False, "reason": type(e).__name__}
                    self._json(200 if ok else 503, body)
                elif path == "/metrics":
                    self._send(200, rt.metrics.render(), CONTENT_TYPE_LATEST)
                else:
                    self._json(404, {"error": "not found"})

            def _json(self, status: int, body: dict[str, Any]) -> None:
                self._send(status, json.dumps(body).encode(), "application/json")

            def _send(self, status: int, data: bytes, ctype: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # probes every few seconds would drown the log

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, name="health", daemon=True
        )

    def start(self) -> None:
        self._thread.start()
        log.info("health.listening", port=self.port)

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
