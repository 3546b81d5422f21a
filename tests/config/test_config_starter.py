"""``classpulse init``'s starter file: explained, loadable, never overwriting a real one."""

from __future__ import annotations

import pytest

from config import ConfigError, load_settings, render_resolved, starter_yaml, write_starter


def test_the_starter_file_loads_once_its_secrets_exist(tmp_path):
    path = write_starter(tmp_path / "classpulse.yaml")
    (tmp_path / "google-service-account.json").write_text('{"type": "service_account"}')

    settings = load_settings(path, env={"CLASSPULSE_MS_CLIENT_SECRET": "graph-secret"})

    assert [s.platform for s in settings.schools] == ["google", "microsoft"]
    assert settings.schools[0].r1.cutoff.isoformat() == "16:00:00"
    assert [r.mode for r in settings.schools[0].r1.classes] == ["exempt", "weekly", "daily"]
    assert "graph-secret" not in render_resolved(
        settings, env={"CLASSPULSE_MS_CLIENT_SECRET": "graph-secret"}
    )


def test_the_starter_file_names_the_secrets_it_still_needs(tmp_path):
    path = write_starter(tmp_path / "classpulse.yaml")

    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})

    assert [p.key for p in caught.value.problems] == [
        "google.service_account.file",
        "microsoft.client_secret.env",
    ]


def test_the_starter_file_explains_every_section():
    text = starter_yaml()

    for section in ("database:", "trust:", "schools:", "google:", "microsoft:", "email:", "sync:"):
        assert f"\n{section}" in text
    for knob in (
        "time_zone:",
        "admin_email:",
        "cutoff:",
        "min_items:",
        "counts:",
        "classes:",
        "leaders:",
        "service_account:",
        "client_secret:",
        "transport:",
        "smtp:",
        "CLASSPULSE__",
    ):
        assert knob in text


def test_write_starter_refuses_to_overwrite_an_existing_file(tmp_path):
    path = tmp_path / "classpulse.yaml"
    path.write_text("# the school's own settings\n")

    with pytest.raises(ConfigError, match="already exists"):
        write_starter(path)

    assert path.read_text() == "# the school's own settings\n"


def test_write_starter_overwrites_when_forced(tmp_path):
    path = tmp_path / "classpulse.yaml"
    path.write_text("# old\n")

    assert write_starter(path, force=True) == path
    assert path.read_text() == starter_yaml()
