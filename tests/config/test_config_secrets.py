"""Secrets live in the environment or a file, are checked at load time and never shown."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from config import (
    ConfigError,
    Problem,
    Secret,
    SecretError,
    SecretRef,
    load_settings,
    render_resolved,
    resolve,
)

WITH_FILE_SECRET = """\
trust: {key: t, name: T}
schools:
  - {key: oak, name: Oak, platform: microsoft}
microsoft:
  tenant_id: tenant
  client_id: client
  client_secret: {file: %s}
"""


def test_a_missing_secret_variable_is_reported_at_its_key(write_config):
    path = write_config()

    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})

    assert str(caught.value) == (
        "email.smtp.password.env (line 16): environment variable SMTP_PASSWORD is not set"
    )


def test_an_empty_secret_variable_is_reported(write_config):
    with pytest.raises(ConfigError) as caught:
        load_settings(write_config(), env={"SMTP_PASSWORD": ""})

    assert caught.value.problems == [
        Problem("email.smtp.password.env", "environment variable SMTP_PASSWORD is empty", 16)
    ]


def test_a_secret_file_that_does_not_exist_is_reported(write_config, tmp_path):
    path = write_config(WITH_FILE_SECRET % "secrets/graph.txt")

    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})

    assert caught.value.problems == [
        Problem(
            "microsoft.client_secret.file",
            f"file {tmp_path / 'secrets/graph.txt'} does not exist",
            7,
        )
    ]


def test_a_secret_file_that_cannot_be_read_is_reported(write_config, tmp_path):
    (tmp_path / "graph-secret").mkdir()  # unreadable as a file, even for root
    path = write_config(WITH_FILE_SECRET % "graph-secret")

    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})

    assert [(p.key, p.line) for p in caught.value.problems] == [("microsoft.client_secret.file", 7)]
    assert "is a directory" in caught.value.problems[0].message


def test_a_relative_secret_file_is_found_next_to_the_settings_file(write_config, tmp_path):
    (tmp_path / "graph.txt").write_text("from-the-file\n")
    path = write_config(WITH_FILE_SECRET % "graph.txt")

    settings = load_settings(path, env={}, cwd=tmp_path / "somewhere-else")

    assert settings.microsoft.client_secret is not None
    assert resolve(settings.microsoft.client_secret).reveal() == "from-the-file"


def test_a_password_written_in_the_file_is_refused_without_repeating_it(write_config):
    path = write_config(
        """\
        trust: {key: t, name: T}
        schools:
          - {key: oak, name: Oak, platform: microsoft}
        email:
          smtp:
            password: hunter2
        """
    )

    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})

    assert caught.value.problems == [
        Problem(
            "email.smtp.password",
            "secrets are not stored in the file; use password: {env: NAME} or {file: PATH}",
            6,
        )
    ]
    assert "hunter2" not in str(caught.value)


def test_a_password_given_as_a_variable_value_is_refused_without_repeating_it(write_config, env):
    env["CLASSPULSE__EMAIL__SMTP__PASSWORD"] = "hunter2"

    with pytest.raises(ConfigError) as caught:
        load_settings(write_config(), env=env)

    assert [p.key for p in caught.value.problems] == ["email.smtp.password"]
    assert "CLASSPULSE__EMAIL__SMTP__PASSWORD__ENV=NAME" in str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_a_secret_ref_with_both_sources_is_refused(write_config):
    path = write_config(
        """\
        trust: {key: t, name: T}
        schools:
          - {key: oak, name: Oak, platform: microsoft}
        email:
          smtp:
            password: {env: SMTP_PASSWORD, file: /run/secrets/smtp}
        """
    )

    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={"SMTP_PASSWORD": "x"})

    assert caught.value.problems == [
        Problem("email.smtp.password", "give exactly one of 'env' or 'file'", 6)
    ]


def test_a_secret_never_shows_in_str_repr_or_logs(caplog):
    secret = resolve(SecretRef(env="SMTP_PASSWORD"), {"SMTP_PASSWORD": "correct-horse"})

    with caplog.at_level(logging.INFO):
        logging.getLogger("test").info("connecting with %s / %r", secret, secret)

    assert secret.reveal() == "correct-horse"
    assert "correct-horse" not in f"{secret} {secret!r} {caplog.text}"
    assert str(secret) == "********"


def test_resolving_an_unset_variable_says_which(tmp_path):
    with pytest.raises(SecretError, match="environment variable NOPE is not set"):
        resolve(SecretRef(env="NOPE"), {})
    (tmp_path / "key.json").write_text('{"type": "service_account"}')
    assert resolve(SecretRef(file=tmp_path / "key.json")) == Secret('{"type": "service_account"}')


def test_masked_output_never_contains_the_secret_value(write_config, env, tmp_path):
    (tmp_path / "graph.txt").write_text("graph-client-secret")
    text = (WITH_FILE_SECRET % "graph.txt").replace(
        "schools:", "database: {url: 'postgresql://cp:db-pass-123@db/cp'}\nschools:"
    )
    text += "email:\n  smtp:\n    password: {env: SMTP_PASSWORD}\n"
    settings = load_settings(write_config(text), env=env)

    shown = render_resolved(settings, env=env)

    assert "correct-horse-battery" not in shown
    assert "graph-client-secret" not in shown
    assert "db-pass-123" not in shown
    assert "password: {env: SMTP_PASSWORD, value: '********'}" in shown
    assert f"client_secret: {{file: {tmp_path / 'graph.txt'}, value: '********'}}" in shown
    assert "url: postgresql://cp:********@db/cp" in shown
    assert "correct-horse-battery" not in settings.model_dump_json()


def test_the_resolved_output_says_when_a_secret_has_gone_missing(write_config, env):
    settings = load_settings(write_config(), env=env)

    shown = render_resolved(settings, env={})

    assert "error: environment variable SMTP_PASSWORD is not set" in shown


def test_the_resolved_output_is_yaml_that_loads_again(write_config, env, tmp_path):
    settings = load_settings(write_config(), env=env)
    again = Path(tmp_path / "again.yaml")
    again.write_text(render_resolved(settings, env=env).replace(", value: '********'", ""))

    assert load_settings(again, env=env) == settings


def test_an_environment_variable_can_point_a_secret_elsewhere(write_config):
    env = {"CLASSPULSE__EMAIL__SMTP__PASSWORD__ENV": "MAIL_PASS", "MAIL_PASS": "relay-pass"}

    settings = load_settings(write_config(), env=env)

    assert settings.email.smtp.password == SecretRef(env="MAIL_PASS")
    assert resolve(settings.email.smtp.password, env).reveal() == "relay-pass"


def test_a_secret_variable_named_by_the_environment_is_reported_with_its_source(write_config):
    env = {"CLASSPULSE__EMAIL__SMTP__PASSWORD__ENV": "MAIL_PASS"}

    with pytest.raises(ConfigError) as caught:
        load_settings(write_config(), env=env)

    assert caught.value.problems == [
        Problem(
            "email.smtp.password.env",
            "environment variable MAIL_PASS is not set "
            "(from CLASSPULSE__EMAIL__SMTP__PASSWORD__ENV)",
            None,
        )
    ]
