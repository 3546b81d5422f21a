"""Reading the YAML file: its data, the line of every key, and YAML's own surprises removed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from config.problems import ConfigError, KeyPath, Problem, format_key

_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"

# YAML 1.1 reads ``cutoff: 16:00`` as the base-60 integer 960, which pydantic would then
# take as 00:16:00. These are PyYAML's int/float patterns without the base-60 forms, so
# clock times stay strings and validate as times.
_INT_RE = re.compile(
    r"""^(?:[-+]?0b[0-1_]+
    |[-+]?0[0-7_]+
    |[-+]?(?:0|[1-9][0-9_]*)
    |[-+]?0x[0-9a-fA-F_]+)$""",
    re.X,
)
_FLOAT_RE = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)


class _Loader(yaml.SafeLoader):
    """SafeLoader without sexagesimal numbers."""


_Loader.yaml_implicit_resolvers = {
    first: [
        (tag, _INT_RE if tag == _INT else _FLOAT_RE if tag == _FLOAT else regexp)
        for tag, regexp in resolvers
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass
class YamlFile:
    """A parsed settings file: ``data`` as loaded, ``lines`` maps key paths to 1-based lines."""

    data: dict[str, Any]
    lines: dict[KeyPath, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def line_for(self, path: KeyPath) -> int | None:
        """The line of ``path``, or of its nearest ancestor that is in the file."""
        for end in range(len(path), 0, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None


def parse_yaml(text: str) -> YamlFile:
    """Parse settings YAML; broken YAML raises :class:`ConfigError` with the line and column."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as e:
        raise ConfigError([_syntax_problem(e)]) from e
    except yaml.YAMLError as e:
        raise ConfigError([Problem("", f"not valid YAML: {e}")]) from e
    finally:
        loader.dispose()
    if data is None:
        return YamlFile({})
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else "a single value"
        raise ConfigError(
            [Problem("", f"the file must be a mapping of settings (key: value), not {kind}", 1)]
        )
    parsed = YamlFile(data)
    assert node is not None
    _map_lines(node, (), parsed)
    return parsed


def _syntax_problem(e: yaml.MarkedYAMLError) -> Problem:
    mark = e.problem_mark or e.context_mark
    what = e.problem or e.context or "not valid YAML"
    if mark is None:
        return Problem("", f"not valid YAML: {what}")
    return Problem("", f"not valid YAML: {what} (column {mark.column + 1})", mark.line + 1)


def _map_lines(node: yaml.Node, path: KeyPath, out: YamlFile) -> None:
    if isinstance(node, yaml.MappingNode):
        first_seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            child = (*path, key)
            if key in first_seen:
                out.problems.append(
                    Problem(
                        format_key(child),
                        f"appears twice (lines {first_seen[key]} and {line}); keep one",
                        line,
                    )
                )
                continue
            first_seen[key] = line
            out.lines[child] = line
            _map_lines(value_node, child, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out.lines[(*path, i)] = item.start_mark.line + 1
            _map_lines(item, (*path, i), out)
