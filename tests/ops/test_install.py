"""The Dockerfile's steps, proven without Docker (CI has no engine): its COPY, RUN,
HEALTHCHECK and ENTRYPOINT lines are read from the file and run in a clean venv."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
LOCK = ROOT / "requirements.lock"

CONFIG = """\
database:
  url: sqlite:///{db}
trust: {{key: test-trust, name: Test Trust}}
schools:
  - key: oak
    name: Oak School
    platform: google
    google: {{admin_email: admin@oak.example.org}}
"""


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        pending += line[:-1] + " " if line.endswith("\\") else line
        if not line.endswith("\\"):
            word, _, rest = pending.partition(" ")
            out.append((word.upper(), rest.strip()))
            pending = ""
    return out


def exec_form(args: str) -> list[str]:
    value = json.loads(args)
    assert isinstance(value, list), f"{args!r} is not in exec (JSON) form"
    return [str(v) for v in value]


def lock_pins() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in LOCK.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            req = Requirement(line)
            (spec,) = req.specifier
            assert spec.operator == "==", f"{line!r} is not pinned"
            pins[_norm(req.name)] = spec.version
    return pins


def _norm(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def test_the_lock_pins_every_runtime_dependency_within_its_range() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = lock_pins()
    for line in project["dependencies"]:
        req = Requirement(line)
        name = _norm(req.name)
        assert name in pins, f"{req.name} is not in requirements.lock (run scripts/lock.sh)"
        assert req.specifier.contains(pins[name]), f"{req.name}=={pins[name]} is not {req}"
        for extra in req.extras:  # e.g. psycopg[binary] brings psycopg-binary
            assert _norm(f"{req.name}-{extra}") in pins, f"{req.name}[{extra}] is not locked"


@pytest.fixture(scope="module")
def health_server() -> Iterator[int]:
    """Something answering /healthz, so the image's HEALTHCHECK command can be run."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/healthz" else 404)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


# A real install of every pinned wheel: minutes, not seconds, on a cold machine.
@pytest.mark.timeout(900)
def test_the_image_installs_from_the_lock_migrates_and_starts_in_a_clean_venv(
    tmp_path: Path, health_server: int
) -> None:
    steps = instructions()
    kinds = [k for k, _ in steps]
    assert steps[0] == ("FROM", "python:3.11-slim")
    user = next(a for k, a in steps if k == "USER")
    assert user.split(":")[0].isdigit() and user.split(":")[0] != "0", "runs as root"

    # The build context, as the COPY lines lay it out (a missing path fails here).
    src = tmp_path / "src"
    src.mkdir()
    for kind, args in steps:
        if kind == "COPY":
            *sources, dest = args.split()
            for s in sources:
                target = src / dest
                if (ROOT / s).is_dir():
                    shutil.copytree(ROOT / s, target, ignore=shutil.ignore_patterns("__pycache__"))
                else:
                    shutil.copy(ROOT / s, target / s if dest.endswith("/") else target)

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = {
        "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "CLASSPULSE_CONFIG": str(tmp_path / "etc" / "classpulse.yaml"),
    }
    env.update({k: v for k, v in os.environ.items() if k.startswith("PIP_")})
    pip_runs = [a for k, a in steps if k == "RUN" and "pip install" in a]
    assert len(pip_runs) == 2 and "requirements.lock" in pip_runs[0] and "--no-deps" in pip_runs[1]
    for command in pip_runs:
        subprocess.run(["/bin/sh", "-c", command], cwd=src, env=env, check=True,
                       capture_output=True, text=True)  # fmt: skip

    installed = subprocess.run([str(venv / "bin" / "pip"), "check"], env=env, text=True,
                               capture_output=True)  # fmt: skip
    assert installed.returncode == 0, installed.stdout + installed.stderr

    # Start as the container does: ENTRYPOINT (migrate, then exec) with a command.
    (tmp_path / "etc").mkdir()
    db = tmp_path / "var" / "classpulse.db"
    db.parent.mkdir()
    Path(env["CLASSPULSE_CONFIG"]).write_text(CONFIG.format(db=db))
    entrypoint = exec_form(next(a for k, a in steps if k == "ENTRYPOINT"))
    assert "db upgrade" in entrypoint[2] and "exec classpulse" in entrypoint[2]
    run = tmp_path / "var"
    started = subprocess.run([*entrypoint, "config", "check"], cwd=run, env=env, text=True,
                             capture_output=True, timeout=120)  # fmt: skip
    assert started.returncode == 0, started.stderr
    assert "Configuration OK" in started.stdout
    assert "Database at revision" in started.stdout
    current = subprocess.run(["classpulse", "db", "current"], cwd=run, env=env, text=True,
                             capture_output=True, check=True)  # fmt: skip
    (head,) = {part for part in current.stdout.split() if part[:1].isdigit()}
    assert current.stdout.count(head) == 2, current.stdout  # current == head
    helped = subprocess.run(["classpulse", "--help"], cwd=run, env=env, text=True,
                            capture_output=True, check=True)  # fmt: skip
    for command in ("serve", "pupil", "purge", "db"):
        assert command in helped.stdout
    assert exec_form(next(a for k, a in steps if k == "CMD")) == ["serve"]

    # The HEALTHCHECK command, with the port from the environment as in the image.
    check = next(a for k, a in steps if k == "HEALTHCHECK")
    probe = exec_form(check[check.index("CMD") + 3 :].strip())
    env["CLASSPULSE__SERVER__PORT"] = str(health_server)
    assert subprocess.run(probe, env=env, timeout=30).returncode == 0
    env["CLASSPULSE__SERVER__PORT"] = "1"  # nothing listens: the probe must fail
    assert subprocess.run(probe, env=env, timeout=30, capture_output=True).returncode != 0
    assert "CMD" in kinds and shlex.split(check)[0].startswith("--interval")


def test_the_dockerfile_passes_hadolint() -> None:
    hadolint = Path(sys.executable).parent / "hadolint"
    result = subprocess.run([str(hadolint), str(DOCKERFILE)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
