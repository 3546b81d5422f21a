"""`classpulse bench soak` on the tiny scenario for one school day: the service's real
timetable under injected 429s and 5xx, with the figures the issue asks for."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from jobs.cli import app


def test_a_soaked_school_day_loses_nothing_and_sends_nothing_twice() -> None:
    result = CliRunner().invoke(app, ["bench", "soak", "--scenario", "tiny", "--days", "1"])

    assert result.exit_code == 0, result.output

    def figure(name: str) -> int:
        found = re.search(rf"^\s*{name}\s+(\d+)", result.output, re.MULTILINE)
        assert found, f"{name} missing from:\n{result.output}"
        return int(found.group(1))

    # Every job of a school day's timetable ran (syncs every 15 minutes, checks,
    # nudges, deliveries, the nightly full sync and purge), none failed.
    assert figure("jobs run") > 100
    assert figure("jobs failed") == 0
    assert figure("sync runs failed") == 0
    # The faults were there and were ridden out.
    assert figure("429s retried") > 0 and figure("5xx retried") > 0
    assert figure("duplicates") == 0
    assert figure("lost findings") == 0
    assert figure("findings expected") > 0
    assert figure("messages sent") > 0
    assert "peak RSS" in result.output
