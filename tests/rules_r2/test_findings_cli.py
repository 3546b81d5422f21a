"""`classpulse check --rule R2` and `classpulse findings` as a script would use them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import structlog
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from jobs.cli import app
from tests.rules_r2.conftest import MON, R2Store, at

runner = CliRunner()


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    # The CLI points structlog at the runner's stderr, which closes when the run ends.
    yield
    structlog.reset_defaults()


def config(tmp_path: Path) -> Path:
    path = tmp_path / "classpulse.yaml"
    path.write_text(
        f"""\
database: {{url: "sqlite:///{tmp_path / 'unit.db'}"}}
trust: {{key: oaks, name: Oaks Trust}}
schools:
  - {{key: oak, name: Oak Primary, platform: microsoft}}
"""
    )
    return path


def test_check_r2_then_findings_json_lists_the_overdue_work_in_the_documented_shape(
    sqlite_session: Session, store: R2Store, tmp_path: Path
) -> None:
    teacher = store.person("Ann Teacher", "ann@oak.sch.uk")
    cls = store.klass(store.school(), "7A History", teachers=[teacher])
    work = store.homework(cls, title="Fractions 1")
    store.submit(work, store.person("Pip", None, staff=False), at(MON, 10))
    sqlite_session.commit()
    cfg = str(config(tmp_path))
    as_of = at(MON + timedelta(days=2), 17).isoformat()

    checked = runner.invoke(app, ["check", "--config", cfg, "--rule", "R2", "--as-of", as_of])
    assert checked.exit_code == 0, checked.output
    assert "R2" in checked.output

    listed = runner.invoke(app, ["findings", "--config", cfg, "--open", "--json"])
    assert listed.exit_code == 0, listed.output
    [row] = json.loads(listed.output)
    assert set(row) == {
        "id", "rule", "school", "day", "subject", "class", "teacher_emails", "evidence",
        "first_seen_at", "last_seen_at", "resolved_at",
    }
    assert row["rule"] == "R2"
    assert row["school"] == "oak"
    assert row["day"] == "2026-11-25"
    assert row["subject"] == {"kind": "work", "id": work.platform_id, "name": "Fractions 1"}
    assert row["class"] == {"id": cls.platform_id, "name": "7A History"}
    assert row["teacher_emails"] == ["ann@oak.sch.uk"]
    assert row["evidence"]["overdue"] == 1
    assert row["first_seen_at"] == "2026-11-25T17:00:00Z"
    assert row["resolved_at"] is None

    table = runner.invoke(app, ["findings", "--config", cfg, "--rule", "R1"])
    assert table.exit_code == 0
    assert "Findings (0)" in table.output
