"""The `classpulse` command: the composition root that wires config, store, sync and jobs.

Every command reads the clock once (or takes ``--as-of``) and passes it down; nothing
below this module reads the wall clock for a rule.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, NoReturn
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from sqlalchemy.orm import Session, sessionmaker

from config import ConfigError, Settings, load_settings
from jobs import logs

app = typer.Typer(
    help="classpulse: checks that a school's remote-learning policy is kept.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Create and upgrade the store's schema.", no_args_is_help=True)
config_app = typer.Typer(help="Write and check the configuration file.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(config_app, name="config")

out = Console()
err = Console(stderr=True)

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="Config file. Default: $CLASSPULSE_CONFIG, else ./classpulse.yaml.",
        dir_okay=False,
    ),
]
AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Judge as of this instant (ISO 8601). Without an offset it is read in the "
        "schools' time zone. Default: now.",
    ),
]
JsonLogsOpt = Annotated[bool, typer.Option("--json-logs", help="Log JSON lines to stderr.")]


def fail(message: str, code: int = 1) -> NoReturn:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def settings_from(path: Path | None) -> Settings:
    """Load settings or stop with exit code 2 and every problem listed."""
    try:
        return load_settings(path)
    except ConfigError as e:
        err.print("[bold red]The configuration has problems:[/]", highlight=False)
        for line in str(e).splitlines():
            err.print(f"  {line}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(2) from e


def sessions_for(settings: Settings) -> sessionmaker[Session]:
    from sync.db import make_engine, make_sessionmaker

    return make_sessionmaker(make_engine(settings.database.url))


def now_utc() -> datetime:
    return datetime.now(UTC)


def parse_as_of(value: str | None, settings: Settings) -> datetime:
    if value is None:
        return now_utc()
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        fail(f"--as-of {value!r} is not an ISO 8601 date-time (e.g. 2026-03-20T16:30)", 2)
    if when.tzinfo is None:
        zones = {s.time_zone for s in settings.schools}
        if len(zones) != 1:
            fail("--as-of needs an offset: the schools are in different time zones", 2)
        when = when.replace(tzinfo=ZoneInfo(zones.pop()))
    return when.astimezone(UTC)


# --- config --------------------------------------------------------------------------------


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="Where to write it.")] = Path("classpulse.yaml"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented starter configuration file."""
    from config import write_starter

    try:
        written = write_starter(path, force=force)
    except ConfigError as e:
        fail(str(e), 2)
    out.print(f"Wrote {written}. Edit it, then run: classpulse config check --config {written}")


@config_app.command("check")
def config_check(config: ConfigOpt = None) -> None:
    """Print the resolved settings (secrets masked), or every problem and exit 2."""
    from config import render_resolved

    settings = settings_from(config)
    out.print(render_resolved(settings), markup=False, highlight=False)
    out.print("[green]Configuration OK[/]")


# --- store ---------------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade(
    config: ConfigOpt = None,
    revision: Annotated[str, typer.Option(help="Target revision.")] = "head",
) -> None:
    """Create or upgrade the store's tables (Alembic)."""
    from sync.db import current_revision, upgrade

    settings = settings_from(config)
    upgrade(settings.database.url, revision)
    out.print(f"Database at revision {current_revision(settings.database.url)}")


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision, e.g. base.")],
    config: ConfigOpt = None,
) -> None:
    """Step the schema back (for rolling back a release)."""
    from sync.db import current_revision, downgrade

    settings = settings_from(config)
    downgrade(settings.database.url, revision)
    out.print(f"Database at revision {current_revision(settings.database.url)}")


@db_app.command("current")
def db_current(config: ConfigOpt = None) -> None:
    """Show the schema revision of the store and the newest one this release has."""
    from sync.db import current_revision, head_revision

    settings = settings_from(config)
    out.print(f"current: {current_revision(settings.database.url)}  head: {head_revision()}")


# --- the pipeline ------------------------------------------------------------------------


@app.command()
def sync(
    config: ConfigOpt = None,
    platform: Annotated[
        str | None, typer.Option(help="Only schools on this platform: google or microsoft.")
    ] = None,
    school: Annotated[str | None, typer.Option(help="Only this school (its key).")] = None,
    full: Annotated[bool, typer.Option("--full", help="Re-read everything.")] = False,
    json_logs: JsonLogsOpt = False,
) -> None:
    """Pull rosters, work and submissions from the platforms into the store."""
    from jobs.reports import print_lesson_runs, print_sync_runs
    from sync.lessons import LessonSyncSummary
    from sync.service import sync_all

    logs.configure(json=json_logs)
    if platform not in (None, "google", "microsoft"):
        fail(f"--platform must be google or microsoft, not {platform!r}", 2)
    settings = settings_from(config)
    lesson_runs: list[LessonSyncSummary] = []
    runs = sync_all(
        settings,
        sessions_for(settings),
        clock=now_utc,
        platform=platform,
        school_key=school,
        full=full,
        lesson_runs=lesson_runs,
    )
    print_sync_runs(out, runs)
    print_lesson_runs(out, lesson_runs)
    statuses = [r.status for r in runs] + [r.status for r in lesson_runs]
    if "failed" in statuses:
        raise typer.Exit(1)


@app.command()
def check(
    config: ConfigOpt = None,
    as_of: AsOfOpt = None,
    school: Annotated[str | None, typer.Option(help="Only this school (its key).")] = None,
    rule: Annotated[list[str] | None, typer.Option(help="Only these rules, e.g. R1.")] = None,
    json_logs: JsonLogsOpt = False,
) -> None:
    """Evaluate the policy rules over the store and record findings."""
    from jobs.check import run_checks
    from jobs.reports import print_check

    logs.configure(json=json_logs)
    settings = settings_from(config)
    when = parse_as_of(as_of, settings)
    with sessions_for(settings)() as session:
        summary = run_checks(
            session, settings, as_of=when, rules=tuple(rule) if rule else None, school_key=school
        )
        session.commit()
    print_check(out, summary)


@app.command()
def notify(
    config: ConfigOpt = None,
    as_of: AsOfOpt = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be queued; send nothing.")
    ] = False,
    json_logs: JsonLogsOpt = False,
) -> None:
    """Queue today's teacher nudges from open findings and deliver the outbox.

    Nudges are rebuilt when sent, inside each school's send window (R6); one that missed
    its window waits for the teacher's next one.
    """
    from jobs.alerts import queue_safeguarding_alerts
    from jobs.notify import queue_nudges
    from jobs.reports import print_notify

    logs.configure(json=json_logs)
    settings = settings_from(config)
    when = parse_as_of(as_of, settings)
    sessions = sessions_for(settings)
    with sessions() as session:
        summary = queue_nudges(session, settings, now=when)
        # 1:1 calls go to the safeguarding contact in the window of the day they are found.
        alerts = queue_safeguarding_alerts(session, settings, now=when)
        if dry_run:
            session.rollback()
        else:
            session.commit()
    sent = 0 if dry_run else deliver(settings, sessions, when)
    print_notify(out, summary, sent=sent, dry_run=dry_run)
    out.print(f"Safeguarding alerts queued: {alerts.queued}")


def deliver(settings: Settings, sessions: sessionmaker[Session], when: datetime) -> int:
    """Send what the outbox holds due at ``when``; nudges are rebuilt as they are sent."""
    from config.secrets import SecretError
    from jobs.notify import composers_for
    from jobs.outbox import send_due
    from jobs.transports import transport_for

    try:
        transport = transport_for(settings)
    except (SecretError, ValueError, NotImplementedError) as e:
        fail(f"cannot set up the {settings.email.transport} transport: {e}")
    return send_due(
        sessions,
        transport,
        now=when,
        email_settings=settings.email,
        composers=composers_for(settings),
    )


@app.command("run")
def run_once(
    config: ConfigOpt = None,
    full: Annotated[bool, typer.Option("--full", help="Re-read everything.")] = False,
    json_logs: JsonLogsOpt = False,
) -> None:
    """The whole pipeline once: sync every school, evaluate the rules, send nudges."""
    from jobs.alerts import queue_safeguarding_alerts
    from jobs.check import run_checks
    from jobs.digest import queue_digests
    from jobs.notify import queue_nudges
    from jobs.reports import print_check, print_lesson_runs, print_notify, print_sync_runs
    from sync.lessons import LessonSyncSummary
    from sync.service import sync_all

    logs.configure(json=json_logs)
    settings = settings_from(config)
    sessions = sessions_for(settings)
    lesson_runs: list[LessonSyncSummary] = []
    runs = sync_all(settings, sessions, clock=now_utc, full=full, lesson_runs=lesson_runs)
    print_sync_runs(out, runs)
    print_lesson_runs(out, lesson_runs)
    # One clock reading for the checks and the nudges, so both judge the same instant.
    when = now_utc()
    with sessions() as session:
        print_check(out, run_checks(session, settings, as_of=when))
        session.commit()
    with sessions() as session:
        summary = queue_nudges(session, settings, now=when)
        alerts = queue_safeguarding_alerts(session, settings, now=when)
        digests = queue_digests(session, settings, now=when)  # only those due now
        session.commit()
    print_notify(out, summary, sent=deliver(settings, sessions, when), dry_run=False)
    out.print(f"Safeguarding alerts queued: {alerts.queued}; digests queued: {digests.queued}")


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


# Commands in other modules register themselves on `app`; imported last, after `app` exists.
from jobs import (  # noqa: E402
    cli_bench,  # noqa: F401
    cli_demo,  # noqa: F401
    cli_findings,  # noqa: F401
    cli_messages,  # noqa: F401
    cli_outbox,  # noqa: F401
    cli_pupil,  # noqa: F401
    cli_serve,  # noqa: F401
)
