"""Terminal output of the CLI commands: rich tables, one function per command."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

from jobs.check import CheckSummary
from jobs.notify import NotifySummary
from sync.runner import SyncRunSummary


def print_sync_runs(console: Console, runs: Sequence[SyncRunSummary]) -> None:
    table = Table(title="Sync runs")
    for col in ("school", "platform", "status", "classes", "inserted", "updated", "deleted"):
        table.add_column(col)
    for col in ("skipped", "requests", "api calls"):
        table.add_column(col, justify="right")
    for r in runs:
        table.add_row(
            r.school_key,
            r.platform,
            str(r.status),
            str(r.classes_done + r.classes_resumed),
            str(r.rows_inserted),
            str(r.rows_updated),
            str(r.rows_deleted),
            str(r.records_skipped),
            str(r.requests),
            str(r.api_calls),
        )
    console.print(table)
    for r in runs:
        if r.error:
            console.print(f"[red]{r.school_key}: {r.error}[/]", markup=True, highlight=False)


def print_check(console: Console, summary: CheckSummary) -> None:
    table = Table(title="Checks")
    for col in ("school", "rule", "days judged", "opened", "still open", "resolved"):
        table.add_column(col)
    for r in summary.runs:
        days = ", ".join(d.isoformat() for d in r.days) or "-"
        c = r.counts
        table.add_row(r.school_key, r.rule, days, str(c.opened), str(c.still_open), str(c.resolved))
    console.print(table)
    for key, why in summary.skipped.items():
        console.print(f"{key}: not checked ({why})", highlight=False)


def print_notify(console: Console, summary: NotifySummary, *, sent: int, dry_run: bool) -> None:
    verb = "would queue" if dry_run else "queued"
    console.print(f"Nudges {verb}: {summary.queued}; delivered: {sent}")
    for reason, n in sorted(summary.skipped.items()):
        console.print(f"  skipped ({reason}): {n}", highlight=False)


def print_demo(
    console: Console,
    *,
    runs: Sequence[SyncRunSummary],
    checked: CheckSummary,
    queued: NotifySummary,
    sent: int,
    outbox: Path,
    config_path: Path,
    seconds: float,
) -> None:
    print_sync_runs(console, runs)
    print_check(console, checked)
    print_notify(console, queued, sent=sent, dry_run=False)
    emails = sorted(outbox.glob("*.eml")) if outbox.exists() else []
    console.print(f"\n[bold]{len(emails)} emails[/] written to {outbox.resolve()}/")
    console.print(f"Config used: {config_path}  (the sandbox it points at has stopped)")
    console.print(f"Done in {seconds:.1f} s.")
