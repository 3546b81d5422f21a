"""`classpulse serve` (the long-running service) and `classpulse status`."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Annotated

import typer

from config.settings import Settings
from jobs import logs
from jobs.cli import ConfigOpt, app, err, out, sessions_for, settings_from


@contextlib.contextmanager
def _sandbox(workdir: Path, scenario: str, seed: int) -> Iterator[tuple[Settings, datetime]]:
    """A running sandbox and settings for it; the clock starts after the last day's cut-off."""
    from config import load_settings
    from connector.sandbox.app import build_sandbox
    from connector.sandbox.scenario import generate
    from connector.sandbox.world import World
    from jobs.calendar import SchoolCalendar
    from jobs.cli_demo import write_sandbox_config

    sc = generate(scenario, seed)
    with build_sandbox(World(sc)) as sb:
        settings = load_settings(write_sandbox_config(workdir, sc, sb.url))
        first = settings.schools[0]
        last_day = max(sc.school_days[first.key])
        # The demo's instant: the day is judged and the nudge window still open.
        start = SchoolCalendar.for_school(first).local_instant(last_day, dtime(17, 0))
        yield settings, start


def _with(
    settings: Settings, *, port: int | None, database_url: str | None, host: str | None
) -> Settings:
    update: dict[str, object] = {}
    server = settings.server
    if port is not None:
        server = server.model_copy(update={"port": port})
    if host is not None:
        server = server.model_copy(update={"host": host})
    update["server"] = server
    if database_url is not None:
        update["database"] = settings.database.model_copy(update={"url": database_url})
    return settings.model_copy(update=update)


@app.command()
def serve(
    config: ConfigOpt = None,
    sandbox: Annotated[
        bool, typer.Option("--sandbox", help="No config: run against the bundled sandbox.")
    ] = False,
    scenario: Annotated[str, typer.Option(help="Sandbox: tiny, small or trust.")] = "small",
    seed: Annotated[int, typer.Option(help="Sandbox scenario seed.")] = 1,
    workdir: Annotated[
        Path, typer.Option(help="Sandbox: folder for the store, config and emails.")
    ] = Path("sandbox-service"),
    tick_seconds: Annotated[
        float | None,
        typer.Option(help="Compress the schedule: every job on an interval of N seconds."),
    ] = None,
    port: Annotated[int | None, typer.Option(help="Override server.port.")] = None,
    host: Annotated[str | None, typer.Option(help="Override server.host.")] = None,
    database_url: Annotated[str | None, typer.Option(help="Override database.url.")] = None,
    console_logs: Annotated[
        bool, typer.Option("--console-logs", help="Readable log lines instead of JSON.")
    ] = False,
    log_level: Annotated[str, typer.Option(help="DEBUG, INFO, WARNING or ERROR.")] = "INFO",
) -> None:
    """Run the service: scheduled syncs, checks and emails, with /healthz, /readyz, /metrics."""
    from jobs.service.main import serve as run_service

    logs.configure(json=not console_logs, level=log_level.upper())

    def listening(bound: int) -> None:
        out.print(f"classpulse serving health and metrics on port {bound}", highlight=False)

    if sandbox:
        with _sandbox(workdir, scenario, seed) as (settings, start):
            t0 = time.monotonic()

            def clock() -> datetime:
                return start + _elapsed(t0)

            settings = _with(
                settings, port=port, database_url=database_url, host=host or "127.0.0.1"
            )
            code = run_service(
                settings, clock=clock, tick_seconds=tick_seconds, on_listening=listening
            )
    else:
        settings = _with(settings_from(config), port=port, database_url=database_url, host=host)
        code = run_service(settings, tick_seconds=tick_seconds, on_listening=listening)
    raise typer.Exit(code)


def _elapsed(t0: float) -> timedelta:
    return timedelta(seconds=time.monotonic() - t0)


@app.command()
def status(config: ConfigOpt = None) -> None:
    """Last sync per platform and school, open findings, outbox state, next scheduled runs."""
    from rich.table import Table

    from jobs.service.status import read_status

    settings = settings_from(config)
    sessions = sessions_for(settings)
    engine = sessions.kw["bind"]
    with sessions() as session:
        st = read_status(engine, session)
    syncs = Table("school", "platform", "last run", "status", "ended", "last success")
    for s in st.syncs:
        syncs.add_row(
            s.school, s.platform, _t(s.started_at), s.status, _t(s.ended_at), _t(s.last_success)
        )
    out.print(syncs if st.syncs else "No sync has run yet.")
    findings = Table("rule", "school", "open")
    for (rule, school), n in sorted(st.findings.items()):
        findings.add_row(rule, school, str(n))
    out.print(findings if st.findings else "No open findings.")
    outbox = ", ".join(f"{k}: {v}" for k, v in sorted(st.outbox.items())) or "empty"
    out.print(f"Outbox: {outbox}", highlight=False)
    runs = Table("job", "next run (UTC)")
    for job, when in st.next_runs:
        runs.add_row(job, _t(when) if when else "paused")
    out.print(runs if st.next_runs else "No scheduled jobs stored (the service has not run).")


def _t(when: datetime | None) -> str:
    return "-" if when is None else when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _register_soak() -> None:
    from jobs.cli_bench import bench_app

    @bench_app.command("soak")
    def soak(
        scenario: Annotated[str, typer.Option(help="tiny, small or trust.")] = "trust",
        days: Annotated[int, typer.Option(help="Simulated school days (from Monday).")] = 5,
        seed: Annotated[int, typer.Option(help="Scenario seed.")] = 1,
        throttle_every: Annotated[int, typer.Option(help="A 429 every N API requests.")] = 23,
        error_every: Annotated[int, typer.Option(help="A 503 every N API requests.")] = 37,
    ) -> None:
        """The service's timetable over a simulated school week with injected 429s and 5xx."""
        from jobs.bench.soak import run_soak

        logs.configure(level="ERROR")
        r = run_soak(
            scenario, days=days, seed=seed, throttle_every=throttle_every,
            error_every=error_every,
            progress=lambda m: err.print(f"[dim]  {m}[/]", highlight=False),
        )
        f = r.findings
        out.print(
            f"soak {r.scenario}, {r.days} school days, {r.seconds:.0f} s\n"
            f"  jobs run          {r.jobs_run}\n  jobs failed       {r.jobs_failed}\n"
            f"  sync runs failed  {r.sync_runs_failed}\n"
            f"  messages sent     {r.messages_sent} (emails handed over {r.emails_sent})\n"
            f"  duplicates        {r.duplicates}\n"
            f"  findings expected {f.expected}\n  lost findings     {f.lost}\n"
            f"  spurious findings {f.spurious}\n  found late        {f.late}\n"
            f"  open/resolved differs {f.state}\n"
            f"  429s retried      {r.throttled}\n  5xx retried       {r.server_errors}\n"
            f"  peak RSS          {r.peak_rss_mb:.0f} MB (the soaked service with its sandbox;"
            " the reference runs in a second process)",
            highlight=False,
        )
        for key in r.examples:
            out.print(f"  differs: {key}", highlight=False)
        if r.duplicates or r.emails_sent != r.messages_sent or f.lost or f.spurious or f.state:
            raise typer.Exit(1)


_register_soak()
