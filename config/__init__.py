"""classpulse settings: one YAML file, ``CLASSPULSE__*`` overrides, secrets by reference.

``load_settings()`` is the only way the service builds its :class:`Settings`; it raises
:class:`ConfigError` listing every problem at once.
"""

from config.loader import CONFIG_ENV, DEFAULT_NAME, find_config, load_settings
from config.problems import ConfigError, Problem
from config.render import render_resolved
from config.secrets import MASK, Secret, SecretError, resolve
from config.settings import SecretRef, Settings
from config.starter import starter_yaml, write_starter

__all__ = [
    "CONFIG_ENV",
    "DEFAULT_NAME",
    "MASK",
    "ConfigError",
    "Problem",
    "Secret",
    "SecretError",
    "SecretRef",
    "Settings",
    "find_config",
    "load_settings",
    "render_resolved",
    "resolve",
    "starter_yaml",
    "write_starter",
]
