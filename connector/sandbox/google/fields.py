"""Partial responses: the ``fields`` system parameter, e.g. ``nextPageToken,courses(id,name)``."""

from __future__ import annotations

from typing import Any

from connector.sandbox.google.errors import ApiError

Mask = dict[str, "Mask | None"]  # None: the whole field


def parse(spec: str) -> Mask:
    mask, rest = _parse(spec.replace(" ", ""), 0)
    if rest != len(spec.replace(" ", "")):
        raise ApiError(400, f"Invalid field selection {spec}")
    return mask


def _parse(s: str, i: int) -> tuple[Mask, int]:
    mask: Mask = {}
    while i < len(s) and s[i] != ")":
        j = i
        while j < len(s) and s[j] not in ",()":
            j += 1
        path = s[i:j].split("/")
        if not all(path):
            raise ApiError(400, f"Invalid field selection {s}")
        sub: Mask | None = None
        if j < len(s) and s[j] == "(":
            sub, j = _parse(s, j + 1)
            if j >= len(s) or s[j] != ")":
                raise ApiError(400, f"Invalid field selection {s}")
            j += 1
        node = mask
        for name in path[:-1]:
            nxt = node.get(name)
            if nxt is None:
                nxt = {}
                node[name] = nxt
            node = nxt
        node[path[-1]] = sub
        i = j + 1 if j < len(s) and s[j] == "," else j
    return mask, i


def apply(value: Any, mask: Mask | None) -> Any:
    if mask is None:
        return value
    if isinstance(value, list):
        return [apply(v, mask) for v in value]
    if not isinstance(value, dict):
        return value
    if "*" in mask:
        return value
    return {k: apply(value[k], sub) for k, sub in mask.items() if k in value}
