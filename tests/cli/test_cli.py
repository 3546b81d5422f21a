"""The `classpulse` command as IT staff use it: exit codes, messages and the demo."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jobs.cli import app

runner = CliRunner()

GOOD = """\
trust: {key: t, name: Trust}
schools:
  - key: oak
    name: Oak
    platform: google
    google: {admin_email: admin@oak.example.org}
google:
  service_account: {env: OAK_SA_JSON}
"""


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env or {})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("text", "env", "expected"),
    [
        (GOOD.replace("platform: google", "platfrom: google"), {"OAK_SA_JSON": "{}"},
         ["schools[0].platfrom", "unknown key"]),
        (GOOD + "email: {smtp: {port: lots}}\n", {"OAK_SA_JSON": "{}"},
         ["email.smtp.port"]),
        (GOOD, {}, ["google.service_account.env", "OAK_SA_JSON"]),
        (GOOD + "database: [unclosed\n", {"OAK_SA_JSON": "{}"}, ["line 10"]),
    ],
    ids=["unknown-key", "wrong-type", "missing-secret-variable", "broken-yaml"],
)
def test_config_check_exits_2_and_names_each_problem(
    tmp_path: Path, text: str, env: dict[str, str], expected: list[str]
) -> None:
    cfg = tmp_path / "classpulse.yaml"
    cfg.write_text(text)
    code, output = run("config", "check", "--config", str(cfg), env=env)
    assert code == 2, output
    for fragment in expected:
        assert fragment in output


def test_config_check_prints_resolved_settings_without_the_secret(tmp_path: Path) -> None:
    cfg = tmp_path / "classpulse.yaml"
    cfg.write_text(GOOD)
    code, output = run("config", "check", "--config", str(cfg), env={"OAK_SA_JSON": "s3cr3t"})
    assert code == 0, output
    assert "admin@oak.example.org" in output
    assert "s3cr3t" not in output


def test_every_command_that_reads_config_fails_cleanly_on_a_bad_file(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("trust: [\n")
    for command in (["sync"], ["check"], ["notify"], ["db", "upgrade"]):
        code, output = run(*command, "--config", str(cfg))
        assert code == 2, (command, output)
        assert "line" in output


def test_init_writes_a_starter_and_refuses_to_overwrite_it(tmp_path: Path) -> None:
    target = tmp_path / "classpulse.yaml"
    code, _ = run("init", str(target))
    assert code == 0 and "schools:" in target.read_text()
    code, output = run("init", str(target))
    assert code == 2 and "exists" in output


def test_the_demo_syncs_checks_and_writes_a_nudge_per_teacher_with_missing_work(
    tmp_path: Path,
) -> None:
    code, output = run("demo", "--workdir", str(tmp_path), "--scenario", "small")
    assert code == 0, output
    emails = sorted((tmp_path / "outbox").glob("*.eml"))
    assert emails, output
    assert f"{len(emails)} emails" in output
    msg = email.message_from_bytes(emails[0].read_bytes(), policy=email.policy.default)
    assert msg["To"] and msg["Subject"]
    assert {p.get_content_type() for p in msg.walk()} >= {"text/plain", "text/html"}
    # The demo leaves a config behind that validates and names its store.
    code, output = run("config", "check", "--config", str(tmp_path / "classpulse.yaml"))
    assert code == 0, output
