"""Scenarios are generated once per test session: the generator is deterministic."""

from __future__ import annotations

import pytest

from connector.sandbox.scenario import generate
from connector.sandbox.scenario.model import Scenario


@pytest.fixture(scope="session")
def tiny() -> Scenario:
    return generate("tiny")


@pytest.fixture(scope="session")
def small() -> Scenario:
    return generate("small")


@pytest.fixture(scope="session")
def trust() -> Scenario:
    return generate("trust")
