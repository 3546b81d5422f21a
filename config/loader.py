"""Finding the settings file, loading it with the environment over it, and checking secrets."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails
from pydantic_settings import SettingsError

from config.problems import ConfigError, KeyPath, Problem, format_key, sort_problems
from config.secrets import SecretError, resolve, secret_positions
from config.settings import ENV_DELIMITER, ENV_PREFIX, SecretRef, Settings, loading_from
from config.sources import EnvSource, YamlSource
from config.yamlfile import YamlFile, parse_yaml

CONFIG_ENV = "CLASSPULSE_CONFIG"
DEFAULT_NAME = "classpulse.yaml"


def find_config(
    path: Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Path:
    """The settings file: ``path`` (--config), else $CLASSPULSE_CONFIG, else ./classpulse.yaml.

    Only the first of these that is given is looked at: a named file that is missing is an
    error, never a silent fall-back to another one.
    """
    environ = os.environ if env is None else env
    base = Path.cwd() if cwd is None else cwd
    from_env = environ.get(CONFIG_ENV) or None
    if path is not None:
        candidate, source = path, "--config"
    elif from_env is not None:
        candidate, source = Path(from_env), f"${CONFIG_ENV}"
    else:
        candidate, source = Path(DEFAULT_NAME), f"./{DEFAULT_NAME}"
    full = candidate.expanduser()
    full = full if full.is_absolute() else base / full
    if full.is_file():
        return full
    tried = [
        f"--config: {path}" if path is not None else "--config: not given",
        f"${CONFIG_ENV}: {from_env}" if from_env is not None else f"${CONFIG_ENV}: not set",
    ]
    if path is None and from_env is None:
        tried.append(f"./{DEFAULT_NAME}: {full}")
    state = "is a directory" if full.is_dir() else "does not exist"
    raise ConfigError(
        [
            Problem(
                "",
                f"no settings file: {full} ({source}) {state}; tried {'; '.join(tried)}. "
                f"Create one with `classpulse init` or pass --config PATH.",
            )
        ],
        path=full,
    )


def load_settings(
    path: Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Settings:
    """Load, validate and check the settings; raise :class:`ConfigError` with every problem.

    ``env`` defaults to ``os.environ`` and supplies both ``CLASSPULSE__*`` overrides (which
    win over the file) and the variables secrets name. Secret files given as relative paths
    are relative to the settings file's directory.
    """
    environ: Mapping[str, str] = os.environ if env is None else env
    file = find_config(path, env=environ, cwd=cwd)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError([Problem("", f"cannot read {file}: {e}")], path=file) from None
    try:
        parsed = parse_yaml(text)
    except ConfigError as e:
        raise ConfigError(e.problems, path=file) from None
    _anchor_secret_files(parsed.data, file.parent)
    return _build(parsed, environ, file)


def _build(parsed: YamlFile, environ: Mapping[str, str], file: Path) -> Settings:
    problems = list(parsed.problems)
    errors: list[ErrorDetails] = []
    yaml_source = YamlSource(Settings, parsed.data)
    env_source = EnvSource(Settings, environ, parsed.data)
    settings: Settings | None = None
    try:
        with loading_from(env_source, yaml_source):
            settings = Settings()
    except SettingsError as e:  # defensive: our env source returns raw text instead
        problems.append(Problem("", str(e)))
    except ValidationError as e:
        errors = e.errors(include_input=False, include_url=False)
    # What validation saw: the file with the environment over it.
    merged = _deep_merge(parsed.data, env_source.data)
    problems += _validation_problems(errors, merged, parsed, env_source)
    problems += env_source.problems + env_source.unknown_sections()
    problems += _secret_problems(merged, parsed, env_source, environ)
    if problems or settings is None:
        raise ConfigError(sort_problems(_unique(problems)), path=file)
    return settings


def _anchor_secret_files(data: dict[str, Any], base: Path) -> None:
    """Make ``{file: relative}`` in the file relative to the file, not the working directory."""
    for _, value in secret_positions(Settings, data):
        if isinstance(value, dict) and isinstance(value.get("file"), str):
            p = Path(value["file"]).expanduser()
            value["file"] = str(p if p.is_absolute() else base / p)


def _literal_secret_message(path: KeyPath, from_env: str | None) -> str:
    name = path[-1]
    if from_env:
        var = ENV_PREFIX + ENV_DELIMITER.join(str(p).upper() for p in path)
        return (
            f"secrets are not stored in settings; set {var}{ENV_DELIMITER}ENV=NAME "
            f"or {var}{ENV_DELIMITER}FILE=PATH (from {from_env})"
        )
    return f"secrets are not stored in the file; use {name}: {{env: NAME}} or {{file: PATH}}"


def _secret_problems(
    merged: dict[str, Any], parsed: YamlFile, env_source: EnvSource, environ: Mapping[str, str]
) -> list[Problem]:
    out: list[Problem] = []
    for path, value in secret_positions(Settings, merged):
        if not isinstance(value, dict):
            origin = _env_origin(path, env_source)
            line = None if origin else parsed.line_for(path)
            out.append(Problem(format_key(path), _literal_secret_message(path, origin), line))
            continue
        try:
            ref = SecretRef.model_validate(value)
        except ValidationError:
            continue  # already reported by the settings validation
        try:
            resolve(ref, environ)
        except SecretError as e:
            where = (*path, "env" if ref.env is not None else "file")
            origin = _env_origin(where, env_source)
            message = f"{e} (from {origin})" if origin else str(e)
            out.append(
                Problem(format_key(where), message, None if origin else parsed.line_for(where))
            )
    return out


def _validation_problems(
    errors: list[ErrorDetails], merged: dict[str, Any], parsed: YamlFile, env_source: EnvSource
) -> list[Problem]:
    literal_secrets = {
        path for path, value in secret_positions(Settings, merged) if not isinstance(value, dict)
    }
    out = []
    for err in errors:
        loc: KeyPath = tuple(err["loc"])
        if any(loc[: len(s)] == s for s in literal_secrets):
            continue  # reported once, with advice, by _secret_problems
        origin = _env_origin(loc, env_source)
        message = _readable(err)
        if origin:
            message = f"{message} (from {origin})"
        line = None if origin else parsed.line_for(loc)
        out.append(Problem(format_key(loc), message, line))
    return out


def _readable(err: ErrorDetails) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required, but missing"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return "should be a mapping (indented key: value lines)"
    if kind == "list_type":
        return "should be a list (lines starting with '- ')"
    message = err["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    if message.startswith("Input should"):
        message = "should" + message.removeprefix("Input should")
    return message


def _env_origin(path: KeyPath, env_source: EnvSource) -> str | None:
    """The variable that set ``path`` or one of its ancestors, if the environment did."""
    for env_path, name in env_source.origins().items():
        if path[: len(env_path)] == env_path:
            return name
    return None


def _deep_merge(low: Any, high: Any) -> Any:
    if isinstance(low, dict) and isinstance(high, dict):
        out = dict(low)
        for k, v in high.items():
            out[k] = _deep_merge(out.get(k), v) if k in out else v
        return out
    return high


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))
