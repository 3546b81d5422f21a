"""`classpulse bench sync` on the tiny scenario: the figures are there and make sense."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from jobs.cli import app

KEYS = {
    "requests",
    "min_requests",
    "wall_s",
    "bound_s",
    "incremental_requests",
    "api_calls",
    "peak_rss_mb",
}


def test_the_sync_bench_prints_its_figures_as_json_on_its_last_line() -> None:
    result = CliRunner().invoke(
        app,
        ["bench", "sync", "--platform", "google", "--scenario", "tiny", "--latency-ms", "0",
         "--change", "0.05", "--json"],
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    assert set(figures) >= KEYS
    assert figures["classes"] == 3 and figures["failed_runs"] == 0
    assert figures["requests"] >= figures["min_requests"] > 0
    assert figures["api_calls"] >= figures["requests"]
    # The incremental sync reads less than the full one and misses nothing that changed.
    assert figures["incremental_api_calls"] < figures["api_calls"]
    assert figures["incremental_missed"] == 0 and figures["changed_submissions"] > 0
    assert "requests" in result.output and "peak_rss_mb" in result.output


def test_the_microsoft_sync_bench_prints_its_figures_and_says_how_they_were_bounded() -> None:
    result = CliRunner().invoke(
        app,
        ["bench", "sync", "--platform", "microsoft", "--scenario", "tiny", "--latency-ms", "0",
         "--change", "0.05", "--json"],
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    assert set(figures) >= KEYS | {"incremental_floor_requests", "throttle_bound_s"}
    assert figures["platform"] == "microsoft"
    assert figures["classes"] == 3 and figures["failed_runs"] == 0
    assert figures["requests"] >= figures["min_requests"] > 0
    assert figures["api_calls"] >= figures["min_api_calls"] > figures["requests"]
    assert figures["assignment_calls"] >= figures["min_assignment_calls"] > 0
    assert figures["incremental_api_calls"] < figures["api_calls"]
    assert figures["incremental_missed"] == 0 and figures["changed_submissions"] > 0
    assert "Graph v1.0 floor" in result.output
