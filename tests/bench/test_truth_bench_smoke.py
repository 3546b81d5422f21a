"""`classpulse bench truth` on the tiny scenario: every day synced, R3 and R4 held to
the ground truth, the result printed and given as JSON."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from jobs.cli import app


def test_the_truth_bench_syncs_each_day_and_finds_what_the_scenario_expects() -> None:
    result = CliRunner().invoke(app, ["bench", "truth", "--scenario", "tiny", "--json"])

    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    assert figures["days"] == 5
    assert figures["differing"] == [] and figures["failed_runs"] == 0
    assert figures["equal"] == 5 * 3  # one school, three rules, five days
    assert figures["expected"]["R3"] > 0
    assert "differing 0" in result.output
