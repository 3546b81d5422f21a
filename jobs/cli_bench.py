"""`classpulse bench sync`: measure a full and an incremental sync against the sandbox."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated

import typer

from jobs.cli import app, err, fail, out

bench_app = typer.Typer(help="Benchmarks against the bundled sandbox.", no_args_is_help=True)
app.add_typer(bench_app, name="bench")


@bench_app.command("sync")
def bench_sync(
    platform: Annotated[str, typer.Option(help="google or microsoft.")] = "google",
    scenario: Annotated[str, typer.Option(help="tiny, small or trust.")] = "trust",
    seed: Annotated[int, typer.Option(help="Scenario seed.")] = 1,
    latency_ms: Annotated[float, typer.Option(help="Added to every sandbox response.")] = 100.0,
    database_url: Annotated[
        str | None, typer.Option(help="Sync into this store (default: a fresh SQLite file).")
    ] = None,
    impersonate: Annotated[
        str, typer.Option(help="Read courses as the school admin or as each course's owner.")
    ] = "admin",
    concurrency: Annotated[
        int | None, typer.Option(help="Batches in flight (default: the config's 8).")
    ] = None,
    change: Annotated[
        float, typer.Option(help="Share of submissions changed before the incremental sync.")
    ] = 0.01,
    change_log: Annotated[
        bool,
        typer.Option(
            "--change-log/--no-change-log",
            help="Incremental sync from the Classroom audit log (default) or by re-reading.",
        ),
    ] = True,
    as_json: Annotated[
        bool, typer.Option("--json", help="Also print the figures as JSON on the last line.")
    ] = False,
) -> None:
    """Sync a scenario in full, change some submissions, sync incrementally; print figures."""
    from jobs import logs
    from jobs.bench.sync import report_lines, run_sync_bench

    if platform not in ("google", "microsoft"):
        fail("--platform must be google or microsoft", 2)
    if impersonate not in ("admin", "teacher"):
        fail("--impersonate must be admin or teacher", 2)
    logs.configure(level="WARNING")
    progress: Callable[[str], None] = lambda m: err.print(f"[dim]{m}[/]", highlight=False)  # noqa: E731
    if platform == "microsoft":
        from jobs.bench import graph_sync

        figures = graph_sync.run_graph_bench(
            scenario=scenario, seed=seed, latency_ms=latency_ms, database_url=database_url,
            concurrency=concurrency, change=change, progress=progress,
        )  # fmt: skip
        report_lines = graph_sync.report_lines
    else:
        figures = run_sync_bench(
            scenario=scenario,
            seed=seed,
            latency_ms=latency_ms,
            database_url=database_url,
            impersonate=impersonate,
            concurrency=concurrency,
            change=change,
            change_log=change_log,
            progress=progress,
        )
    for line in report_lines(figures):
        out.print(line, highlight=False, markup=False, soft_wrap=True)
    if as_json:
        print(json.dumps(figures))


@bench_app.command("rules")
def bench_rules(
    scenario: Annotated[str, typer.Option(help="tiny, small or trust.")] = "trust",
    scale: Annotated[str, typer.Option(help="Copies of the scenario per store: 1,10.")] = "1,10",
    seed: Annotated[int, typer.Option(help="Seed of the first copy (copy i: seed + i).")] = 1,
    database_url: Annotated[
        str | None,
        typer.Option(help="A server to create fresh databases on (default: SQLite files)."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Also print the figures as JSON on the last line.")
    ] = False,
) -> None:
    """Time R1-R4 beside one full scan of submissions, at each scale; print figures."""
    from jobs import logs
    from jobs.bench.rules import report_lines, run_rules_bench

    try:
        scales = tuple(int(s) for s in scale.split(",") if s.strip())
    except ValueError:
        fail("--scale takes whole numbers separated by commas, e.g. 1,10", 2)
    if not scales or min(scales) < 1:
        fail("--scale takes whole numbers of at least 1, e.g. 1,10", 2)
    logs.configure(level="WARNING")
    figures = run_rules_bench(
        scenario=scenario,
        scales=scales,
        seed=seed,
        database_url=database_url,
        progress=lambda m: err.print(f"[dim]{m}[/]", highlight=False),
    )
    for line in report_lines(figures):
        out.print(line, highlight=False, markup=False, soft_wrap=True)
    if as_json:
        print(json.dumps(figures))


@bench_app.command("truth")
def bench_truth(
    scenario: Annotated[str, typer.Option(help="tiny, small or trust.")] = "trust",
    seed: Annotated[int, typer.Option(help="Scenario seed.")] = 1,
    database_url: Annotated[
        str | None, typer.Option(help="The store (default: a fresh SQLite file).")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Also print the result as JSON on the last line.")
    ] = False,
) -> None:
    """Sync at 17:00 each school day and hold R3 and R4 to the scenario's ground truth."""
    from jobs import logs
    from jobs.bench.truth import run_truth

    logs.configure(level="ERROR")
    r = run_truth(scenario, seed=seed, database_url=database_url,
                  progress=lambda m: err.print(f"[dim]  {m}[/]", highlight=False))
    out.print(
        f"truth {r.scenario}: {r.days} school days in {r.seconds:.0f} s, sync runs failed "
        f"{r.failed_runs}\n  equal {r.equal} (school, rule, day)\n  differing "
        f"{len(r.differing)}\n  expected findings judged "
        + ", ".join(f"{k} {v}" for k, v in sorted(r.expected.items())),
        highlight=False,
    )
    for d in r.differing[:20]:
        out.print(f"  differs: {d}", highlight=False, markup=False)
    if as_json:
        print(json.dumps({"scenario": r.scenario, "days": r.days, "equal": r.equal,
                          "differing": r.differing, "expected": dict(r.expected),
                          "failed_runs": r.failed_runs, "seconds": round(r.seconds, 1)}))
    if r.differing or r.failed_runs:
        raise typer.Exit(1)
