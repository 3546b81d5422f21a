"""`classpulse digest` and `classpulse preview digest` against a configured store."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from jobs.cli import app
from sync.db import make_engine, make_sessionmaker
from sync.models import MessageStatus, OutboundMessage
from tests.digest.factories import DigestFactory, at


def seed(url: str) -> None:
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        make = DigestFactory(session)
        school = make.school()
        cls = make.klass(school, "7A <b>Maths</b>")
        pupil = make.pupil("Sam Jones", school)
        make.enrol(pupil, cls)
        make.submission(make.due_work(cls, at(23, 9), at(23, 17)), pupil)
        session.commit()
    engine.dispose()


def test_preview_writes_the_digest_with_its_charts_inlined(
    configured: tuple[Path, str], tmp_path: Path
) -> None:
    cfg, url = configured
    seed(url)
    out = tmp_path / "digest.html"
    args = ["preview", "digest", "--to", "HEAD@oak.sch.uk", "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--config", str(cfg), "--as-of", "2026-11-27T15:05"])
    assert result.exit_code == 0, result.output
    page = out.read_text()
    assert page.count('src="data:image/png;base64,') == 2 and "cid:" not in page
    assert "Oak Primary" in page and "Work handed in" in page


def test_digest_dry_run_queues_nothing_and_a_real_run_sends_once(
    configured: tuple[Path, str], tmp_path: Path
) -> None:
    cfg, url = configured
    seed(url)
    runner = CliRunner()
    base = ["digest", "--config", str(cfg), "--as-of", "2026-11-27T15:05"]

    dry = runner.invoke(app, [*base, "--dry-run"])
    real = runner.invoke(app, base)
    again = runner.invoke(app, base)

    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        rows = list(session.scalars(select(OutboundMessage)))
    engine.dispose()
    assert dry.exit_code == real.exit_code == again.exit_code == 0, real.output
    assert "would queue digest 2026-W48 to head@oak.sch.uk" in dry.output
    assert [(r.key, r.status) for r in rows] == [
        ("head@oak.sch.uk:digest:2026-W48", MessageStatus.SENT)
    ]
    assert "Digests queued: 0" in again.output
