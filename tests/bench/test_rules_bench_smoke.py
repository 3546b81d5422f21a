"""`classpulse bench rules` on the tiny scenario: figures per scale, and the same
findings for the same copy of the scenario whatever else shares the store."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from jobs.cli import app

SCALE_KEYS = {"scale", "rows", "rules_s", "per_rule_s", "scan_s", "ratio", "findings_by_copy"}


def test_the_rules_bench_prints_figures_per_scale_and_the_copies_keep_their_findings() -> None:
    result = CliRunner().invoke(
        app, ["bench", "rules", "--scenario", "tiny", "--scale", "1,2", "--json"]
    )

    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    assert set(figures) >= {"scenario", "backend", "scan_sql", "scales", "growth"}
    one, two = figures["scales"]
    assert set(one) >= SCALE_KEYS and set(two) >= SCALE_KEYS
    assert set(one["per_rule_s"]) == {"R1", "R2", "R3", "R4"}
    # A re-run at the same instant is measured too, rule by rule.
    assert set(one["steady"]["per_rule_s"]) == {"R1", "R2", "R3", "R4"}
    assert one["scan_columns_s"] > 0 and one["ratio_columns"] > 0
    # The two other yardsticks: the least grouping R3 needs, and reading every row.
    assert one["floor_s"] > 0 and one["floor_ratio"] > 0
    assert one["read_s"] > 0 and one["ratio_read"] > 0
    assert "floor" in result.output and "ratio_r" in result.output
    # Twice the copies, twice the schools; the second copy adds submissions of its own.
    assert two["rows"]["school"] == 2 * one["rows"]["school"]
    assert two["rows"]["submission"] > one["rows"]["submission"]
    # The first copy's findings do not change when a second copy shares the store.
    assert one["findings_by_copy"]["0"] > 0
    assert two["findings_by_copy"]["0"] == one["findings_by_copy"]["0"]
    # The second copy is a clone of the first under other ids: it finds the same.
    assert two["findings_by_copy"]["1"] == two["findings_by_copy"]["0"]
    assert set(figures["growth"]) >= {"rows_ratio", "rules_ratio", "steady_ratio", "scan_ratio"}
    assert "ratio" in result.output and "growth" in result.output
