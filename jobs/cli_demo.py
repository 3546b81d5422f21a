"""`classpulse demo` and `classpulse sandbox serve`: the product run against the sandbox."""

from __future__ import annotations

import json
import os
import shutil
import time
from datetime import time as dtime
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from jobs.cli import app, out

sandbox_app = typer.Typer(help="The bundled sandbox: Google and Microsoft APIs, served locally.")
app.add_typer(sandbox_app, name="sandbox")



def write_sandbox_config(workdir: Path, scenario: Any, sandbox_url: str) -> Path:
    """Write the service-account key and a classpulse.yaml pointing at a running sandbox."""
    from connector.sandbox.google.keys import service_account_info
    from connector.sandbox.graph import SANDBOX_CLIENT_SECRET
    from connector.sandbox.scenario import MS_SECRET_ENV, settings_for

    workdir.mkdir(parents=True, exist_ok=True)
    key = workdir / "sandbox-service-account.json"
    key.write_text(json.dumps(service_account_info(sandbox_url)))
    key.chmod(0o600)
    cfg = settings_for(
        scenario,
        database_url=f"sqlite:///{(workdir / 'classpulse.db').resolve()}",
        google_endpoint=sandbox_url,
        service_account_file=str(key.resolve()),
        microsoft_base_url=sandbox_url + "v1.0",
        microsoft_authority=sandbox_url.rstrip("/"),
        outbox_dir=str((workdir / "outbox").resolve()),
        audit_log=True,
    )
    path = workdir / "classpulse.yaml"
    header = (
        "# Written by classpulse for the bundled sandbox; valid while the sandbox runs on\n"
        f"# {sandbox_url}. Its secrets are the sandbox's own test values.\n"
    )
    path.write_text(header + yaml.safe_dump(_plain(cfg), sort_keys=False))
    # The Graph side of the sandbox checks the client secret as Entra ID would.
    os.environ.setdefault(MS_SECRET_ENV, SANDBOX_CLIENT_SECRET)
    return path


def _plain(value: Any) -> Any:
    """Config dicts may hold times and paths; YAML wants plain scalars."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dtime):
        return value.strftime("%H:%M")
    if isinstance(value, Path):
        return str(value)
    return value


@sandbox_app.command("serve")
def sandbox_serve(
    scenario: Annotated[str, typer.Option(help="tiny, small or trust.")] = "small",
    seed: Annotated[int, typer.Option(help="Scenario seed.")] = 1,
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0: any free port).")] = 8765,
    latency_ms: Annotated[float, typer.Option(help="Added to every response.")] = 0.0,
    workdir: Annotated[
        Path, typer.Option(help="Where to write a classpulse.yaml that points here.")
    ] = Path("sandbox"),
) -> None:
    """Serve a scenario as the Google and Microsoft APIs until interrupted."""
    from connector.sandbox.app import build_sandbox
    from connector.sandbox.scenario import generate
    from connector.sandbox.world import World

    sc = generate(scenario, seed)
    with build_sandbox(World(sc), port=port, latency_ms=latency_ms) as sb:
        cfg = write_sandbox_config(workdir, sc, sb.url)
        out.print(f"Sandbox serving scenario [bold]{scenario}[/] (seed {seed}) on {sb.url}")
        out.print(f"Config for it: {cfg}")
        out.print("Ctrl-C to stop.")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            out.print("Stopped.")


@app.command()
def demo(
    workdir: Annotated[Path, typer.Option(help="Folder for the store, config and emails.")] = Path(
        "demo"
    ),
    scenario: Annotated[str, typer.Option(help="tiny, small or trust.")] = "small",
    seed: Annotated[int, typer.Option(help="Scenario seed.")] = 1,
) -> None:
    """Run the whole product once against the bundled sandbox: sync, check every rule, write
    the teachers' nudges, the safeguarding alerts and the week's digests as .eml files."""
    from config import load_settings
    from connector.sandbox.app import build_sandbox
    from connector.sandbox.scenario import generate
    from connector.sandbox.world import World
    from jobs import logs
    from jobs.alerts import queue_safeguarding_alerts
    from jobs.calendar import SchoolCalendar
    from jobs.check import run_checks
    from jobs.cli import deliver, sessions_for
    from jobs.digest import queue_digests
    from jobs.digest_week import Week
    from jobs.notify import queue_nudges
    from jobs.reports import print_demo
    from sync.db import upgrade
    from sync.lessons import LessonSyncSummary
    from sync.service import sync_all

    logs.configure(level="WARNING")
    for stale in ("classpulse.db", "classpulse.db-wal", "classpulse.db-shm"):
        (workdir / stale).unlink(missing_ok=True)
    shutil.rmtree(workdir / "outbox", ignore_errors=True)

    started = time.monotonic()
    sc = generate(scenario, seed)
    with build_sandbox(World(sc)) as sb:
        settings = load_settings(write_sandbox_config(workdir, sc, sb.url))
        upgrade(settings.database.url)
        sessions = sessions_for(settings)
        lesson_runs: list[LessonSyncSummary] = []
        runs = sync_all(
            settings, sessions, clock=lambda: sc.now, full=True, lesson_runs=lesson_runs
        )
    # Judge the last school day after its cut-off, inside the nudge send window.
    first = settings.schools[0]
    last_day = max(sc.school_days[first.key])
    as_of = SchoolCalendar.for_school(first).local_instant(last_day, dtime(17, 0))
    with sessions() as session:
        checked = run_checks(session, settings, as_of=as_of)
        session.commit()
    with sessions() as session:
        queued = queue_nudges(session, settings, now=as_of)
        alerts = queue_safeguarding_alerts(session, settings, now=as_of)
        digests = queue_digests(session, settings, now=as_of, week=Week.of(last_day))
        session.commit()
    sent = deliver(settings, sessions, as_of)
    print_demo(
        out,
        runs=runs,
        lesson_runs=lesson_runs,
        checked=checked,
        queued=queued,
        other_messages={"safeguarding alerts": alerts.queued, "digests": digests.queued},
        sent=sent,
        outbox=settings.email.file.directory,
        config_path=workdir / "classpulse.yaml",
        seconds=time.monotonic() - started,
    )

