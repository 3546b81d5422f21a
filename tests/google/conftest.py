"""Fixtures for the Google connector: a fake Classroom and a source wired to it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from google_fakes import FakeGoogle

from config.settings import GoogleSettings, SchoolSettings
from connector.google.retry import RetryPolicy
from connector.google.source import GoogleClassSource

SCHOOL = SchoolSettings.model_validate(
    {"key": "hill", "name": "Hill School", "platform": "google",
     "google": {"admin_email": "admin@hill.example"}}
)


@pytest.fixture
def fake() -> FakeGoogle:
    return FakeGoogle(page_size=2)


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_source(fake: FakeGoogle, sleeps: list[float]) -> Callable[..., GoogleClassSource]:
    def make(http: Any = None, concurrency: int = 2, **retry: Any) -> GoogleClassSource:
        settings = GoogleSettings(endpoint="http://fake.test/", concurrency=concurrency)
        policy = RetryPolicy(sleep=sleeps.append, rand=lambda: 0.5, **retry)
        return GoogleClassSource(
            settings, SCHOOL, {}, http_factory=lambda: http or fake, retry=policy
        )

    return make
