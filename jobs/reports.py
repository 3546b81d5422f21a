"""Terminal output of the CLI commands: rich tables, one function per command."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

from jobs.check import CheckSummary
from jobs.notify import NotifySummary
from sync.lessons import LessonSyncSummary
from sync.runner import SyncRunSummary


def print_sync_runs(console: Console, runs: Sequence[SyncRunSummary]) -> None:
    table = Table(title="Classes, work and submissions", title_justify="left")
    for col in ("school", "platform", "status", "classes", "rows new/changed/gone"):
        table.add_column(col)
    for col in ("skipped", "requests (calls)"):
        table.add_column(col, justify="right")
    for r in runs:
        table.add_row(
            r.school_key,
            r.platform,
            str(r.status),
            str(r.classes_done + r.classes_resumed),
            f"{r.rows_inserted}/{r.rows_updated}/{r.rows_deleted}",
            str(r.records_skipped),
            f"{r.requests} ({r.api_calls})",
        )
    console.print(table)
    for r in runs:
        if r.error:
            console.print(f"[red]{r.school_key}: {r.error}[/]", markup=True, highlight=False)


def print_lesson_runs(console: Console, runs: Sequence[LessonSyncSummary]) -> None:
    if not runs:
        return
    table = Table(title="Live lessons", title_justify="left")
    for col in ("school", "platform", "status", "since", "lessons", "rows new/changed"):
        table.add_column(col)
    for col in ("skipped", "requests"):
        table.add_column(col, justify="right")
    for r in runs:
        table.add_row(
            r.school_key,
            r.platform,
            str(r.status),
            r.since.date().isoformat(),
            str(r.lessons),
            f"{r.rows_inserted}/{r.rows_updated}",
            str(r.records_skipped),
            str(r.requests),
        )
    console.print(table)


def print_check(console: Console, summary: CheckSummary) -> None:
    table = Table(title="Checks", title_justify="left")
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
    lesson_runs: Sequence[LessonSyncSummary],
    checked: CheckSummary,
    queued: NotifySummary,
    other_messages: dict[str, int],
    sent: int,
    outbox: Path,
    config_path: Path,
    seconds: float,
) -> None:
    print_sync_runs(console, runs)
    print_lesson_runs(console, lesson_runs)
    print_check(console, checked)
    print_notify(console, queued, sent=sent, dry_run=False)
    for kind, n in other_messages.items():
        console.print(f"{kind.capitalize()} queued: {n}")
    emails = sorted(outbox.glob("*.eml")) if outbox.exists() else []
    console.print(f"\n[bold]{len(emails)} emails[/] written to {outbox.resolve()}/")
    console.print(f"Config used: {config_path}  (the sandbox it points at has stopped)")
    console.print(f"Done in {seconds:.1f} s.")
