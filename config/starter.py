"""The commented starter file ``classpulse init`` writes."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from config.problems import ConfigError, Problem


def starter_yaml() -> str:
    """A classpulse.yaml explaining every section, with example values to replace."""
    return files("config").joinpath("starter.yaml").read_text(encoding="utf-8")


def write_starter(path: Path, *, force: bool = False) -> Path:
    """Write :func:`starter_yaml` to ``path`` and return it.

    An existing file is kept (raising :class:`ConfigError`) unless ``force`` is true, so
    ``classpulse init`` never overwrites a school's settings by accident.
    """
    if path.exists() and not force:
        raise ConfigError(
            [Problem("", f"{path} already exists; not overwriting it (use --force to replace it)")],
            path=path,
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(starter_yaml(), encoding="utf-8")
    return path
