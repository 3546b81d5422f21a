"""The resolved settings as YAML, for ``classpulse config check``: secrets show where they
come from, never what they are."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import yaml

from config.problems import KeyPath
from config.secrets import MASK, SecretError, resolve, secret_positions
from config.settings import SecretRef, Settings


def render_resolved(settings: Settings, *, env: Mapping[str, str] | None = None) -> str:
    """YAML of ``settings`` with defaults filled in and each secret shown as its source.

    A secret appears as ``{env: NAME, value: '********'}`` (or ``{file: PATH, ...}``); one
    that cannot be read now shows ``error:`` with the reason instead of ``value``. A password
    inside ``database.url`` is masked too.
    """
    data: dict[str, Any] = settings.model_dump(mode="json")
    data["database"]["url"] = mask_url_password(settings.database.url)
    for path, value in list(secret_positions(Settings, data)):
        ref = SecretRef.model_validate(value)
        shown: dict[str, str] = {"env": ref.env} if ref.env is not None else {"file": str(ref.file)}
        try:
            resolve(ref, env)
            shown["value"] = MASK
        except SecretError as e:
            shown["error"] = str(e)
        _set(data, path, _Inline(shown))
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)


class _Inline(dict[str, str]):
    """A secret's source, written on one line: ``{env: NAME, value: '********'}``."""


class _Dumper(yaml.SafeDumper):
    pass


def _inline(dumper: yaml.SafeDumper, data: _Inline) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=True)


_Dumper.add_representer(_Inline, _inline)


def mask_url_password(url: str) -> str:
    """``postgresql://u:pw@host/db`` → ``postgresql://u:********@host/db``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{user}:{MASK}@{host}"))


def _set(data: Any, path: KeyPath, value: Any) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value
