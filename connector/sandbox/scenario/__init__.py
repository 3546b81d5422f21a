"""The synthetic trust the sandbox serves: types, generator, ground truth and config.

``generate(size, seed)`` builds a :class:`Scenario`; ``settings_for(scenario, …)`` gives
the classpulse config that reads it through the sandbox.
"""

from __future__ import annotations

from connector.sandbox.scenario.config import MS_SECRET_ENV, settings_for
from connector.sandbox.scenario.generate import generate
from connector.sandbox.scenario.sizes import SIZES

__all__ = ["MS_SECRET_ENV", "SIZES", "generate", "settings_for"]
