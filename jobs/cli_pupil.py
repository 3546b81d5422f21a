"""``classpulse pupil export|erase`` and ``classpulse purge``: R7 requests and retention."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from jobs.cli import ConfigOpt, app, fail, now_utc, out, sessions_for, settings_from

pupil_app = typer.Typer(help="Export or erase what is held about one pupil (R7).",
                        no_args_is_help=True)  # fmt: skip
app.add_typer(pupil_app, name="pupil")

EmailArg = Annotated[str, typer.Argument(help="The pupil's email address.")]


@pupil_app.command("export")
def pupil_export(
    email: EmailArg,
    config: ConfigOpt = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write the JSON here (default: stdout).")
    ] = None,
) -> None:
    """Write everything held about one pupil as JSON (a subject access request)."""
    from jobs.pupils import PupilNotFoundError, export_pupil

    settings = settings_from(config)
    with sessions_for(settings)() as session:
        try:
            data = export_pupil(session, email)
        except PupilNotFoundError as e:
            fail(str(e))
    text = json.dumps(data, indent=2, ensure_ascii=False)
    if out_file is None:
        typer.echo(text)
    else:
        out_file.write_text(text + "\n", encoding="utf-8")
        out.print(f"Wrote {out_file}")


@pupil_app.command("erase")
def pupil_erase(
    email: EmailArg,
    config: ConfigOpt = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete everything held about one pupil; a hashed tombstone keeps re-syncs out."""
    from jobs.pupils import PupilNotFoundError, erase_pupil

    settings = settings_from(config)
    if not yes:
        typer.confirm(f"Erase everything held about {email}? This cannot be undone", abort=True)
    with sessions_for(settings)() as session:
        try:
            summary = erase_pupil(session, email, now=now_utc())
        except PupilNotFoundError as e:
            fail(str(e))
        session.commit()
    rows = ", ".join(f"{k} {v}" for k, v in sorted(summary.counts.items())) or "nothing"
    out.print(f"Erased ({rows}); erasure logged as {summary.subject_digest[:12]}…")


@app.command("purge")
def purge_command(
    config: ConfigOpt = None,
    batch_size: Annotated[
        int | None, typer.Option(help="Rows per transaction (default from config).", min=1)
    ] = None,
) -> None:
    """Delete data older than the retention period (R7), in short batches."""
    from jobs.retention import purge

    settings = settings_from(config)
    summary = purge(sessions_for(settings), settings, now=now_utc(), batch_size=batch_size)
    rows = ", ".join(f"{k} {v}" for k, v in sorted(summary.deleted.items())) or "nothing"
    out.print(f"Purged data older than {summary.cutoff:%Y-%m-%d %H:%M} UTC: {rows}")
