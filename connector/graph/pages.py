"""What a Graph read yields: collections read in full, and errors that ended a read."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

# Statuses worth asking again: throttled, or the service's passing failures.
RETRYABLE = frozenset({429, 500, 502, 503, 504})


class GraphError(Exception):
    """A Graph request that failed for good (after retries, where retrying made sense)."""

    def __init__(self, status: int | None, code: str = "", message: str = "") -> None:
        super().__init__(f"Graph {status} {code}: {message}".strip())
        self.status = status
        self.code = code
        self.message = message

    @property
    def auth(self) -> bool:
        return self.status in (401, 403)


@dataclass(frozen=True, slots=True)
class Get:
    """One collection to read in full: ``url`` is relative to the API root."""

    key: Hashable
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Pages:
    """Every item of a collection, its delta link, or why it could not be read."""

    items: list[dict[str, Any]] = field(default_factory=list)
    delta_link: str | None = None
    error: GraphError | None = None


def header(headers: Mapping[str, Any] | None, name: str) -> str | None:
    for k, v in (headers or {}).items():
        if k.lower() == name.lower():
            return str(v[0] if isinstance(v, list | tuple) else v)
    return None
