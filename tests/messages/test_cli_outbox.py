"""`classpulse notify` and `classpulse outbox [--failed]` as IT staff use them."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from jobs.cli import app
from sync.db import make_engine, make_sessionmaker
from sync.models import MessageStatus, OutboundMessage
from tests.jobs.factories import Factory
from tests.messages.rows import MORNING, TUE, finding, queued

runner = CliRunner()


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    # The CLI points structlog at the runner's stderr, which closes when the run ends.
    yield
    structlog.reset_defaults()


def setup(tmp_path: Path, template: Path) -> tuple[Path, sessionmaker[Session]]:
    db = tmp_path / "cli.db"
    shutil.copyfile(template, db)
    cfg = tmp_path / "classpulse.yaml"
    cfg.write_text(
        f"""\
database: {{url: "sqlite:///{db}"}}
trust: {{key: oaks, name: Oaks Trust}}
schools:
  - {{key: oak, name: Oak Primary, platform: microsoft}}
email:
  from_address: classpulse@oak.sch.uk
  file: {{directory: "{tmp_path / "outbox"}"}}
"""
    )
    return cfg, make_sessionmaker(make_engine(f"sqlite:///{db}"))


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def test_outbox_failed_lists_what_a_server_refused(tmp_path: Path, _sqlite_template: Path) -> None:
    cfg, sessions = setup(tmp_path, _sqlite_template)
    with sessions() as db:
        bad = queued(db, "nobody@oak.sch.uk")
        queued(db, "ann@oak.sch.uk")
        row = db.get(OutboundMessage, bad)
        assert row is not None
        row.status, row.attempts = MessageStatus.FAILED, 1
        row.last_error = "550 5.1.1 [No such mailbox] here"
        db.commit()

    code, output = run("outbox", "--failed", "--config", str(cfg))
    assert code == 0, output
    assert "nobody@oak.sch.uk" in output and "ann@oak.sch.uk" not in output
    assert "550 5.1.1 [No such mailbox] here" in output  # brackets shown, not markup
    assert "failed" in output
    code, output = run("outbox", "--config", str(cfg))
    assert "ann@oak.sch.uk" in output and "queued" in output


def test_notify_dry_run_queues_nothing_and_notify_delivers_once(
    tmp_path: Path, _sqlite_template: Path
) -> None:
    cfg, sessions = setup(tmp_path, _sqlite_template)
    with sessions() as db:
        make = Factory(db)
        school = make.school()
        cls = make.klass(school, "7A Maths", teachers=[make.person()])
        finding(db, "R1", school, day=TUE, cls=cls)
        db.commit()
    as_of = MORNING.isoformat()

    code, output = run("notify", "--dry-run", "--as-of", as_of, "--config", str(cfg))
    assert code == 0, output
    assert "would queue: 1" in output
    assert not (tmp_path / "outbox").exists()

    for _ in range(2):
        code, output = run("notify", "--as-of", as_of, "--config", str(cfg))
        assert code == 0, output
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1
    code, output = run("outbox", "--config", str(cfg))
    assert "ann@oak.sch.uk" in output and "sent" in output
