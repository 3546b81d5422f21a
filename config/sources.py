"""The two pydantic-settings sources a load reads: the YAML file and ``CLASSPULSE__*`` variables.

The environment source is pydantic-settings' own, given an explicit mapping (so tests and
the CLI need not touch ``os.environ``) and taught two things: a number segment indexes a
list (``CLASSPULSE__SCHOOLS__0__NAME``), and a value that is not JSON where a mapping or
list is expected reaches validation as-is, so it is reported with every other problem.
"""

from __future__ import annotations

import copy
import types
from collections.abc import Mapping
from typing import Any, Union, get_args, get_origin

from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, EnvSettingsSource, InitSettingsSource

from config.problems import KeyPath, Problem, format_key
from config.settings import ENV_DELIMITER, ENV_PREFIX


class YamlSource(InitSettingsSource):
    """The settings file's data, already parsed (see :mod:`config.yamlfile`)."""

    def __init__(self, settings_cls: type[BaseSettings], data: dict[str, Any]) -> None:
        super().__init__(settings_cls, data)


class EnvSource(EnvSettingsSource):
    """``CLASSPULSE__SECTION__KEY`` overrides, read from ``environ``; lists by index.

    ``base`` is the lower-priority data (the file), needed to merge ``SCHOOLS__1__NAME``
    into the file's second school rather than replace the whole list.
    """

    def __init__(
        self,
        settings_cls: type[BaseSettings],
        environ: Mapping[str, str],
        base: Mapping[str, Any],
    ) -> None:
        self._environ = {k: v for k, v in environ.items() if k.upper().startswith(ENV_PREFIX)}
        self._base = base
        self.problems: list[Problem] = []
        self.data: dict[str, Any] = {}
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {k.lower(): v for k, v in self._environ.items()}

    def origins(self) -> dict[KeyPath, str]:
        """Each key path an environment variable sets, with that variable's name."""
        out: dict[KeyPath, str] = {}
        for name in self._environ:
            parts = name[len(ENV_PREFIX) :].lower().split(ENV_DELIMITER)
            out[tuple(int(p) if p.isdigit() else p for p in parts)] = name
        return out

    def unknown_sections(self) -> list[Problem]:
        """Variables whose first segment names no settings section (pydantic ignores them)."""
        fields = set(self.settings_cls.model_fields)
        return [
            Problem(format_key(path), f"unknown key (from {name})")
            for path, name in self.origins().items()
            if path[0] not in fields
        ]

    def decode_complex_value(self, field_name: str, field: FieldInfo, value: Any) -> Any:
        try:
            return super().decode_complex_value(field_name, field, value)
        except ValueError:
            return value

    def next_field(
        self, field: FieldInfo | Any | None, key: str, case_sensitive: bool | None = None
    ) -> FieldInfo | None:
        annotation = field.annotation if isinstance(field, FieldInfo) else field
        item = _list_item_type(annotation)
        if key.isdigit() and item is not None:
            # A raw type, as pydantic-settings itself returns for dict values.
            return item  # type: ignore[no-any-return]
        return super().next_field(field, key, case_sensitive)

    def __call__(self) -> dict[str, Any]:
        data = super().__call__()
        self.data = _merge_indexes(data, self._base, (), self.problems, self.origins())
        return self.data


def _list_item_type(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, types.UnionType):
        for member in get_args(annotation):
            found = _list_item_type(member)
            if found is not None:
                return found
        return None
    if get_origin(annotation) is list:
        return get_args(annotation)[0]
    return None


def _merge_indexes(
    value: Any, base: Any, path: KeyPath, problems: list[Problem], origins: dict[KeyPath, str]
) -> Any:
    """Turn ``{"0": {...}}`` from the environment into a list merged over ``base``'s list."""
    if not isinstance(value, dict):
        return value
    if value and all(isinstance(k, str) and k.isdigit() for k in value):
        items: list[Any] = copy.deepcopy(base) if isinstance(base, list) else []
        for key in sorted(value, key=int):
            i = int(key)
            child = (*path, i)
            if i > len(items):
                var = next((n for p, n in origins.items() if p[: len(child)] == child), "")
                problems.append(
                    Problem(
                        format_key(child),
                        f"there is no item {i} to set (the list has {len(items)}; "
                        f"indexes count from 0) (from {var})",
                    )
                )
                continue
            old = items[i] if i < len(items) else None
            new = _merge_indexes(value[key], old, child, problems, origins)
            if isinstance(old, dict) and isinstance(new, dict):
                new = _deep_merge(old, new)
            if i < len(items):
                items[i] = new
            else:
                items.append(new)
        return items
    base_map = base if isinstance(base, Mapping) else {}
    return {
        k: _merge_indexes(v, base_map.get(k), (*path, k), problems, origins)
        for k, v in value.items()
    }


def _deep_merge(low: dict[str, Any], high: dict[str, Any]) -> dict[str, Any]:
    out = dict(low)
    for k, v in high.items():
        out[k] = (
            _deep_merge(out[k], v) if isinstance(out.get(k), dict) and isinstance(v, dict) else v
        )
    return out
