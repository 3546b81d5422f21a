"""Secrets: resolved from an environment variable or a file when needed, never printed.

The settings hold only a :class:`~config.settings.SecretRef` (where the secret lives).
:func:`resolve` reads it into a :class:`Secret`, whose ``str``/``repr`` is a mask so that a
secret passed to a logger or an f-string by mistake does not leak.
"""

from __future__ import annotations

import os
import types
from collections.abc import Iterator, Mapping
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from config.problems import KeyPath
from config.settings import SecretRef

MASK = "********"


class Secret:
    """A secret value; call :meth:`reveal` at the one place that needs the plain text."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret itself. Hand it straight to the client that needs it; never log it."""
        return self._value

    def __str__(self) -> str:
        return MASK

    def __repr__(self) -> str:
        return f"Secret('{MASK}')"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


class SecretError(Exception):
    """A secret cannot be read; the message says why and never contains the value."""


def resolve(ref: SecretRef, env: Mapping[str, str] | None = None) -> Secret:
    """Read the secret ``ref`` points to, from ``env`` (default ``os.environ``) or its file.

    A file's trailing newline is dropped (editors and ``echo`` add one). Raises
    :class:`SecretError` if the variable is unset or empty or the file unreadable or empty.
    """
    if ref.env is not None:
        environ: Mapping[str, str] = os.environ if env is None else env
        value = environ.get(ref.env)
        if value is None:
            raise SecretError(f"environment variable {ref.env} is not set")
        if not value:
            raise SecretError(f"environment variable {ref.env} is empty")
        return Secret(value)
    assert ref.file is not None  # SecretRef guarantees exactly one source
    path = ref.file.expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SecretError(f"file {path} does not exist") from None
    except IsADirectoryError:
        raise SecretError(f"{path} is a directory, not a file") from None
    except PermissionError:
        raise SecretError(f"file {path} is not readable (permission denied)") from None
    except UnicodeDecodeError:
        raise SecretError(f"file {path} is not UTF-8 text") from None
    except OSError as e:
        raise SecretError(f"file {path} cannot be read: {e.strerror}") from None
    value = text.rstrip("\r\n")
    if not value.strip():
        raise SecretError(f"file {path} is empty")
    return Secret(value)


def secret_positions(
    model: type[BaseModel], data: Any, path: KeyPath = ()
) -> Iterator[tuple[KeyPath, Any]]:
    """Every place in ``data`` (plain dicts/lists shaped like ``model``) typed as a SecretRef.

    Yields ``(key path, raw value)``; the value may be anything the user wrote there, which
    is how a literal password in the file is caught before validation.
    """
    if not isinstance(data, Mapping):
        return
    for name, info in model.model_fields.items():
        if name in data:
            yield from _walk(info.annotation, data[name], (*path, name))


def _walk(annotation: Any, value: Any, path: KeyPath) -> Iterator[tuple[KeyPath, Any]]:
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        if SecretRef in members:
            if value is not None:
                yield path, value
            return
        for member in members:
            yield from _walk(member, value, path)
        return
    if annotation is SecretRef:
        yield path, value
    elif origin is list and isinstance(value, list):
        (item,) = get_args(annotation)
        for i, v in enumerate(value):
            yield from _walk(item, v, (*path, i))
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield from secret_positions(annotation, value, path)
