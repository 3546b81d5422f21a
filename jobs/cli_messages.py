"""`classpulse digest`, `classpulse alerts`, `classpulse preview` and `classpulse mis import`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from sqlalchemy import select

from jobs import logs
from jobs.cli import (
    AsOfOpt,
    ConfigOpt,
    JsonLogsOpt,
    app,
    deliver,
    err,
    fail,
    out,
    parse_as_of,
    sessions_for,
    settings_from,
)

if TYPE_CHECKING:
    from jobs.digest_week import Week

mis_app = typer.Typer(help="Pupil groups from the school's MIS.", no_args_is_help=True)
app.add_typer(mis_app, name="mis")

DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="Show what would be queued; queue and send nothing.")
]


def _week(value: str | None) -> Week | None:
    from jobs.digest_week import Week

    if value is None:
        return None
    try:
        return Week.parse(value)
    except ValueError as e:
        fail(str(e), 2)


def _print_queued(messages: list[tuple[str, str, str, str]], dry_run: bool) -> None:
    verb = "would queue" if dry_run else "queued"
    for recipient, kind, period, subject in messages:
        line = f"  {verb} {kind} {period} to {recipient}: {subject}"
        out.print(line, markup=False, highlight=False)


@app.command()
def digest(
    config: ConfigOpt = None,
    week: Annotated[
        str | None,
        typer.Option(
            help="Send this ISO week's digest now, e.g. 2026-W48. Default: the current "
            "week, once its configured day and time have come."
        ),
    ] = None,
    as_of: AsOfOpt = None,
    dry_run: DryRunOpt = False,
    json_logs: JsonLogsOpt = False,
) -> None:
    """Queue the weekly digests (schools, trust) and parent notes, then deliver the outbox."""
    from jobs.alerts import queue_parent_notes
    from jobs.digest import queue_digests

    logs.configure(json=json_logs)
    settings = settings_from(config)
    when = parse_as_of(as_of, settings)
    wk = _week(week)
    sessions = sessions_for(settings)
    with sessions() as session:
        digests = queue_digests(session, settings, now=when, week=wk)
        notes = queue_parent_notes(session, settings, now=when, week=wk)
        if dry_run:
            session.rollback()
        else:
            session.commit()
    _print_queued(digests.messages + notes.messages, dry_run)
    skipped = digests.skipped + notes.skipped
    out.print(
        f"Digests {'to queue' if dry_run else 'queued'}: {digests.queued}; parent notes: "
        f"{notes.queued}; skipped: {dict(skipped) or 'none'}",
        highlight=False,
    )
    if not dry_run:
        out.print(f"Sent {deliver(settings, sessions, when)} message(s) from the outbox.")


@app.command()
def alerts(
    config: ConfigOpt = None,
    as_of: AsOfOpt = None,
    dry_run: DryRunOpt = False,
    json_logs: JsonLogsOpt = False,
) -> None:
    """Queue a safeguarding alert for each new 1:1 call (R4), then deliver the outbox."""
    from jobs.alerts import queue_safeguarding_alerts

    logs.configure(json=json_logs)
    settings = settings_from(config)
    when = parse_as_of(as_of, settings)
    sessions = sessions_for(settings)
    with sessions() as session:
        summary = queue_safeguarding_alerts(session, settings, now=when)
        if dry_run:
            session.rollback()
        else:
            session.commit()
    _print_queued(summary.messages, dry_run)
    out.print(
        f"Alerts {'to queue' if dry_run else 'queued'}: {summary.queued}; "
        f"skipped: {dict(summary.skipped) or 'none'}",
        highlight=False,
    )
    if not dry_run:
        out.print(f"Sent {deliver(settings, sessions, when)} message(s) from the outbox.")


@app.command()
def preview(
    kind: Annotated[Literal["nudge", "digest"], typer.Argument(help="nudge or digest.")],
    to: Annotated[str, typer.Option("--to", help="The recipient whose email to build.")],
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Write the HTML here (default: stdout).")
    ] = None,
    config: ConfigOpt = None,
    as_of: AsOfOpt = None,
    week: Annotated[str | None, typer.Option(help="Digest: this ISO week.")] = None,
) -> None:
    """Write the HTML that ``--to`` would be sent now (charts inlined), sending nothing."""
    from jobs.preview import PreviewError, preview_digest, preview_nudge

    settings = settings_from(config)
    when = parse_as_of(as_of, settings)
    wk = _week(week)
    with sessions_for(settings)() as session:
        try:
            if kind == "nudge":
                html = preview_nudge(session, settings, to, now=when)
            else:
                html = preview_digest(session, settings, to, now=when, week=wk)
        except PreviewError as e:
            fail(str(e), 1)
        finally:
            session.rollback()
    if out_path is None:
        typer.echo(html)
    else:
        out_path.write_text(html, encoding="utf-8")
        out.print(f"Wrote {out_path}", highlight=False)


@mis_app.command("import")
def mis_import(
    school: Annotated[str, typer.Argument(help="The school's key.")],
    csv_path: Annotated[
        Path, typer.Argument(help="The CSV file.", exists=True, dir_okay=False, readable=True)
    ],
    config: ConfigOpt = None,
) -> None:
    """Import pupil groups (SEND, pupil premium, EAL, vulnerable) from a CSV; all or nothing.

    Columns: email (required), upn, send, pupil_premium, eal, vulnerable, guardian_emails
    (';'-separated). Headers in any case; values yes/no, y/n, true/false, 1/0, blank = no.
    """
    from jobs.cli import now_utc
    from jobs.mis import MisFileError, import_rows, parse_csv
    from sync.models import School

    settings = settings_from(config)
    try:
        school_settings = settings.school(school)
    except KeyError:
        fail(f"no school {school!r} in the configuration", 2)
    try:
        parsed = parse_csv(csv_path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        fail(f"{csv_path} is not UTF-8 text: export it as CSV UTF-8", 2)
    except MisFileError as e:
        fail(f"{csv_path}: {e}", 2)
    if parsed.errors:
        err.print(
            f"[bold red]{csv_path} has {len(parsed.errors)} bad row(s); nothing was imported:[/]",
            highlight=False,
        )
        for line, reason in parsed.errors:
            err.print(f"  line {line}: {reason}", markup=False, highlight=False)
        raise typer.Exit(2)
    with sessions_for(settings)() as session:
        row = session.scalar(select(School).where(School.key == school))
        if row is None:
            fail(f"school {school!r} has not been synced yet: run classpulse sync first", 2)
        report = import_rows(session, row, school_settings, parsed.rows, now=now_utc())
        session.commit()
    out.print(f"Imported {report.imported} pupil(s); removed {report.removed} no longer listed.")
    for line, email in report.unmatched:
        note = f"  line {line}: no pupil {email} at {school}; skipped"
        out.print(note, markup=False, highlight=False)
    if parsed.ignored_columns:
        ignored = ", ".join(parsed.ignored_columns)
        out.print(f"Ignored columns (not stored): {ignored}", markup=False, highlight=False)
    if report.guardians_dropped:
        out.print("Guardian emails were not stored: parent notes are off for this school.")
