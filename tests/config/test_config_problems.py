"""A user's mistakes in classpulse.yaml come back all at once, by key path and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import ConfigError, Problem, load_settings


def problems(path: Path, env: dict[str, str]) -> list[Problem]:
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env=env)
    return caught.value.problems


def test_the_minimal_file_loads(write_config, env):
    settings = load_settings(write_config(), env=env)

    assert settings.schools[0].key == "oak"
    assert settings.email.smtp.password is not None
    assert settings.email.smtp.password.env == "SMTP_PASSWORD"


def test_an_unknown_key_is_named_with_its_path_and_line(write_config, env):
    path = write_config(
        """\
        trust: {key: t, name: T}
        schools:
          - key: oak
            name: Oak
            platform: microsoft
            r1:
              cutof: "15:00"
        """
    )

    assert problems(path, env) == [Problem("schools[0].r1.cutof", "unknown key", 7)]


def test_a_misspelt_time_zone_is_reported_at_its_line(write_config, env):
    path = write_config(
        """\
        trust: {key: t, name: T}
        schools:
          - key: oak
            name: Oak
            platform: microsoft
            time_zone: Europe/Lndon
        """
    )

    with pytest.raises(ConfigError) as caught:
        load_settings(path, env=env)

    assert str(caught.value) == "schools[0].time_zone (line 6): unknown time zone 'Europe/Lndon'"


def test_a_wrong_type_says_what_was_expected(write_config, env):
    path = write_config(
        """\
        trust: {key: t, name: T}
        schools:
          - {key: oak, name: Oak, platform: microsoft}
        email:
          smtp:
            port: twenty-five
            starttls: maybe
        """
    )

    found = problems(path, env)

    assert [(p.key, p.line) for p in found] == [("email.smtp.port", 6), ("email.smtp.starttls", 7)]
    assert found[0].message.startswith("should be a valid integer")
    assert found[1].message.startswith("should be a valid boolean")


def test_a_section_given_as_text_asks_for_a_mapping(write_config, env):
    path = write_config(
        """\
        trust: Test Trust
        schools:
          - {key: oak, name: Oak, platform: microsoft}
        """
    )

    assert problems(path, env) == [
        Problem("trust", "should be a mapping (indented key: value lines)", 1)
    ]


def test_a_missing_required_key_points_at_its_section(write_config, env):
    path = write_config(
        """\
        trust:
          key: t
        schools:
          - {key: oak, name: Oak, platform: microsoft}
        """
    )

    assert problems(path, env) == [Problem("trust.name", "required, but missing", 1)]


def test_broken_yaml_reports_the_line_and_column(write_config, env):
    path = write_config(
        """\
        trust:
          key: t
          name: "Test Trust
        schools: []
        """
    )

    [problem] = problems(path, env)

    assert problem.key == ""
    assert problem.line is not None and problem.line >= 3
    assert problem.message.startswith("not valid YAML")
    assert "column" in problem.message


def test_a_file_that_is_a_list_is_refused(write_config, env):
    path = write_config("- trust\n- schools\n")

    [problem] = problems(path, env)

    assert "must be a mapping" in problem.message


def test_several_problems_are_reported_together(write_config, env):
    path = write_config(
        """\
        trust:
          key: Not A Key
          name: T
        schools:
          - key: oak
            name: Oak
            platform: google
          - key: elm
            name: Elm
            platform: microsoft
            time_zone: Mars/Olympus
        email:
          transpot: smtp
          smtp:
            password: {env: SMTP_PASSWORD}
        """
    )

    found = problems(path, {})

    assert [(p.key, p.line) for p in found] == [
        ("trust.key", 2),
        ("schools[0]", 5),
        ("schools[1].time_zone", 11),
        ("email.transpot", 13),
        ("email.smtp.password.env", 15),
    ]
    assert "needs a 'google' block" in found[1].message


def test_every_problem_is_on_its_own_line(write_config, env):
    path = write_config(
        """\
        trust: {key: t, name: T, colour: blue}
        schools:
          - {key: oak, name: Oak, platform: teams}
        """
    )

    with pytest.raises(ConfigError) as caught:
        load_settings(path, env=env)

    assert str(caught.value).splitlines() == [
        "trust.colour (line 1): unknown key",
        "schools[0].platform (line 3): should be 'google' or 'microsoft'",
    ]


def test_a_key_written_twice_is_reported(write_config, env):
    path = write_config(
        """\
        trust: {key: t, name: T}
        schools:
          - {key: oak, name: Oak, platform: microsoft}
        sync:
          lookback_days: 14
          lookback_days: 28
        """
    )

    assert problems(path, env) == [
        Problem("sync.lookback_days", "appears twice (lines 5 and 6); keep one", 6)
    ]


def test_two_schools_with_one_key_are_refused(write_config, env):
    path = write_config(
        """\
        trust: {key: t, name: T}
        schools:
          - {key: oak, name: Oak, platform: microsoft}
          - {key: oak, name: Oak Two, platform: microsoft}
        """
    )

    assert problems(path, env) == [Problem("", "school key 'oak' appears twice", None)]


def test_a_cutoff_written_as_16_00_means_four_in_the_afternoon(write_config, env):
    # Plain YAML 1.1 would read 16:00 as the base-60 number 960.
    path = write_config(
        """\
        trust: {key: t, name: T}
        schools:
          - key: oak
            name: Oak
            platform: microsoft
            r1:
              cutoff: 16:00
        """
    )

    settings = load_settings(path, env=env)

    assert settings.schools[0].r1.cutoff.isoformat() == "16:00:00"
