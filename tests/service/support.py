"""Start `classpulse serve` as a real process and watch it over HTTP."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from connector.sandbox.graph import SANDBOX_CLIENT_SECRET
from connector.sandbox.scenario import MS_SECRET_ENV

CLASSPULSE = [sys.executable, "-c", "from jobs.cli import main; main()"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def env(**extra: str) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("CLASSPULSE__")}
    e[MS_SECRET_ENV] = SANDBOX_CLIENT_SECRET
    e.update(extra)
    return e


def start_serve(workdir: Path, port: int, *args: str, **extra_env: str) -> subprocess.Popen[str]:
    """`classpulse serve --sandbox` on ``port``, logging JSON to ``workdir/serve.log``."""
    return _serve(
        workdir, "--sandbox", "--scenario", "tiny", "--workdir", str(workdir),
        "--port", str(port), *args, **extra_env,
    )


def start_serve_config(
    workdir: Path, port: int, config: Path, *args: str, **extra_env: str
) -> subprocess.Popen[str]:
    """`classpulse serve --config CONFIG` on ``port`` (a sandbox the test runs and can make
    misbehave), logging JSON to ``workdir/serve.log``."""
    return _serve(workdir, "--config", str(config), "--port", str(port), *args, **extra_env)


def _serve(workdir: Path, *args: str, **extra_env: str) -> subprocess.Popen[str]:
    workdir.mkdir(parents=True, exist_ok=True)
    log = (workdir / "serve.log").open("w")
    return subprocess.Popen(
        [*CLASSPULSE, "serve", *args],
        stdout=subprocess.DEVNULL,
        stderr=log,
        text=True,
        env=env(**extra_env),
        cwd=workdir,
    )


def get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except OSError:
        return 0, ""


def get_json(port: int, path: str) -> dict[str, Any]:
    status, body = get(port, path)
    return json.loads(body) if status and body else {}


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def metric(text: str, name: str, **labels: str) -> float:
    """Sum of the samples of ``name`` whose labels include ``labels``."""
    total = 0.0
    for line in text.splitlines():
        m = re.match(r"^(\w+)(?:\{(.*)\})? (\S+)$", line)
        if not m or m.group(1) != name:
            continue
        have = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
        if all(have.get(k) == v for k, v in labels.items()):
            total += float(m.group(3))
    return total
