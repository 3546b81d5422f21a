"""A small valid settings file, written into a temporary directory."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

MINIMAL = """\
trust:
  key: test-trust
  name: Test Trust
schools:
  - key: oak
    name: Oak Primary
    time_zone: Europe/London
    platform: google
    google:
      admin_email: admin@oak.example.org
email:
  transport: smtp
  smtp:
    host: smtp.example.org
    port: 587
    password: {env: SMTP_PASSWORD}
"""

WriteConfig = Callable[..., Path]


@pytest.fixture
def write_config(tmp_path: Path) -> WriteConfig:
    """``write_config(text=MINIMAL, name="classpulse.yaml")`` → the file's path in tmp_path."""

    def write(text: str = MINIMAL, name: str = "classpulse.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


@pytest.fixture
def env() -> dict[str, str]:
    """An environment in which the minimal file's secret exists."""
    return {"SMTP_PASSWORD": "correct-horse-battery"}
