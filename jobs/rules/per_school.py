"""One SQL statement for many schools whose parameters differ (windows, thresholds).

A rule judges every school in one pass; what differs between schools rides along in the
statement as a value per group of schools sharing it, so the database still makes one
pass over the rows. Schools of a trust mostly share settings and calendars, so the
groups are few.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, case, literal
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.types import TypeEngine


def per_school(
    school_id: ColumnElement[int] | QueryableAttribute[int],
    values: Mapping[int, Any],
    type_: TypeEngine[Any] | None = None,
) -> ColumnElement[Any]:
    """``values[school_id]`` as one SQL expression: a bound value when every school has the
    same one, else a CASE over the groups of schools sharing a value (the largest group is
    the ELSE branch, so a row of it is decided without a test)."""
    groups: dict[Any, list[int]] = defaultdict(list)
    for sid, value in values.items():
        groups[value].append(sid)
    if not groups:
        raise ValueError("per_school needs at least one school")
    ordered = sorted(groups.items(), key=lambda g: len(g[1]))
    *rest, (common, _) = ordered
    if not rest:
        return literal(common, type_)
    return case(
        *((school_id.in_(ids), literal(v, type_)) for v, ids in rest),
        else_=literal(common, type_),
    )
