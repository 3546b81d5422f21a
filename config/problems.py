"""What is wrong with a configuration, said in the YAML's own terms.

Every problem names a key path as the file spells it (``schools[0].time_zone``) and, where
the key is in the file, its line. Loading collects all of them before raising, so a user
fixes a file in one pass instead of one error per run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

KeyPath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the settings.

    ``key`` is a dotted path (``email.smtp.port``, ``schools[1].name``), empty for the file
    as a whole; ``line`` is 1-based in the YAML file, or None when the key is not in it.
    """

    key: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.key
        if self.line is not None:
            where = f"{where} (line {self.line})" if where else f"line {self.line}"
        return f"{where}: {self.message}" if where else self.message


class ConfigError(Exception):
    """The settings cannot be used; ``problems`` lists every reason, in file order."""

    def __init__(self, problems: Sequence[Problem], *, path: Path | None = None) -> None:
        self.problems = list(problems)
        self.path = path
        super().__init__("\n".join(str(p) for p in self.problems))


def format_key(path: KeyPath) -> str:
    """``("schools", 0, "time_zone")`` → ``schools[0].time_zone``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def sort_problems(problems: Sequence[Problem]) -> list[Problem]:
    """File problems first in line order, then those not in the file (environment) by key."""
    return sorted(
        problems,
        key=lambda p: (p.line is None, p.line or 0, p.key),
    )
