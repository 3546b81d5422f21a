"""Where settings come from: which file, and environment variables over it."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import ConfigError, Problem, load_settings


def test_an_environment_variable_wins_over_the_file(write_config, env):
    path = write_config()
    env |= {
        "CLASSPULSE__DATABASE__URL": "postgresql+psycopg://classpulse@db/classpulse",
        "CLASSPULSE__EMAIL__SMTP__PORT": "2525",
    }

    settings = load_settings(path, env=env)

    assert settings.database.url == "postgresql+psycopg://classpulse@db/classpulse"
    assert settings.email.smtp.port == 2525
    assert settings.email.smtp.host == "smtp.example.org"  # the rest of the file still holds


def test_a_school_in_the_list_can_be_overridden_by_its_position(write_config, env):
    path = write_config()
    env["CLASSPULSE__SCHOOLS__0__NAME"] = "Oak Primary Academy"

    settings = load_settings(path, env=env)

    assert settings.schools[0].name == "Oak Primary Academy"
    assert settings.schools[0].google is not None  # the rest of the school is kept


def test_an_override_for_a_school_that_is_not_there_is_reported(write_config, env):
    path = write_config()
    env["CLASSPULSE__SCHOOLS__4__NAME"] = "Ash"

    with pytest.raises(ConfigError) as caught:
        load_settings(path, env=env)

    [problem] = caught.value.problems
    assert problem.key == "schools[4]"
    assert "CLASSPULSE__SCHOOLS__4__NAME" in problem.message


def test_a_bad_environment_value_names_the_variable(write_config, env):
    path = write_config()
    env |= {"CLASSPULSE__EMAIL__SMTP__PORT": "abc", "CLASSPULSE__EMAIL__SMTP__HOSTNAME": "x"}

    with pytest.raises(ConfigError) as caught:
        load_settings(path, env=env)

    assert [(p.key, p.line) for p in caught.value.problems] == [
        ("email.smtp.hostname", None),
        ("email.smtp.port", None),
    ]
    hostname, port = caught.value.problems
    assert hostname.message == "unknown key (from CLASSPULSE__EMAIL__SMTP__HOSTNAME)"
    assert port.message.endswith("(from CLASSPULSE__EMAIL__SMTP__PORT)")


def test_a_misspelt_section_variable_is_not_silently_ignored(write_config, env):
    path = write_config()
    env["CLASSPULSE__DATABSE__URL"] = "sqlite:///x.db"

    with pytest.raises(ConfigError) as caught:
        load_settings(path, env=env)

    assert caught.value.problems == [
        Problem("databse.url", "unknown key (from CLASSPULSE__DATABSE__URL)", None)
    ]


def test_the_classpulse_config_variable_is_used_when_no_path_is_given(write_config, env, tmp_path):
    path = write_config(name="etc/school.yaml")
    env["CLASSPULSE_CONFIG"] = str(path)

    settings = load_settings(env=env, cwd=tmp_path / "elsewhere")

    assert settings.trust.key == "test-trust"


def test_classpulse_yaml_in_the_working_directory_is_the_fallback(write_config, env, tmp_path):
    write_config()

    settings = load_settings(env=env, cwd=tmp_path)

    assert settings.trust.key == "test-trust"


def test_a_given_path_wins_over_the_variable(write_config, env, tmp_path):
    chosen = write_config(name="chosen.yaml")
    env["CLASSPULSE_CONFIG"] = str(tmp_path / "missing.yaml")

    assert load_settings(chosen, env=env).trust.key == "test-trust"


def test_a_missing_file_error_lists_the_paths_tried(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_settings(env={}, cwd=tmp_path)

    message = str(caught.value)
    assert str(tmp_path / "classpulse.yaml") in message
    assert "--config: not given" in message
    assert "$CLASSPULSE_CONFIG: not set" in message
    assert "classpulse init" in message


def test_a_missing_file_named_by_the_variable_is_not_replaced_by_another(write_config, tmp_path):
    write_config()  # ./classpulse.yaml exists, but the variable names another file

    with pytest.raises(ConfigError) as caught:
        load_settings(env={"CLASSPULSE_CONFIG": "other.yaml"}, cwd=tmp_path)

    assert str(tmp_path / "other.yaml") in str(caught.value)
    assert caught.value.path == tmp_path / "other.yaml"


def test_a_relative_config_path_is_relative_to_the_working_directory(write_config, env, tmp_path):
    write_config(name="conf/classpulse.yaml")

    settings = load_settings(Path("conf/classpulse.yaml"), env=env, cwd=tmp_path)

    assert settings.trust.key == "test-trust"
