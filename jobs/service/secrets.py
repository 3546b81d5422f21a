"""The configured secrets' values, so the logs can mask them wherever they turn up."""

from __future__ import annotations

import json
from collections.abc import Iterator

from config.secrets import SecretError, resolve, secret_positions
from config.settings import SecretRef, Settings


def secret_values(settings: Settings) -> Iterator[str]:
    """Every configured secret that resolves, plus the parts a key file is made of."""
    for _, raw in secret_positions(Settings, settings.model_dump()):
        try:
            value = resolve(SecretRef.model_validate(raw)).reveal()
        except (SecretError, ValueError):
            continue
        yield value
        yield from _parts(value)


def _parts(value: str) -> Iterator[str]:
    """A service-account JSON: its private key, and each line of the key's body."""
    try:
        data = json.loads(value)
    except ValueError:
        data = None
    key = data.get("private_key") if isinstance(data, dict) else None
    for text in (key, value) if isinstance(key, str) else (value,):
        if text is not value:
            yield text
        for line in text.splitlines():
            if len(line) >= 16 and not line.startswith("-----"):
                yield line.strip()
