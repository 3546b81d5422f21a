"""Declaring a Classroom list: which method, where the items are, id, cursor, order, page size.

Each resource module declares its streams with :class:`Stream` and nothing else about
transport; :mod:`connector.google.source` pages them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Builds the list request for one page: (service, course id, extra params) -> HttpRequest.
ListMethod = Callable[[Any, str, dict[str, Any]], Any]


@dataclass(frozen=True, slots=True)
class Stream:
    name: str
    items_key: str  # the list's key in the answer, e.g. "courseWork"
    id_field: str
    cursor_field: str | None  # field an incremental read would compare (updateTime)
    is_sorted: bool  # the API lists newest cursor_field first by default
    # No Classroom list documents a maximum page size ("zero or unspecified: the server may
    # assign a maximum"); rosters document a default of 30 and ignore larger values. 0
    # sends nothing and takes the server's maximum.
    page_size: int
    method: ListMethod

    def request(
        self, course_id: str, page_token: str | None, page_size: int = 0
    ) -> Callable[[Any], Any]:
        """A builder for one page (``page_size`` > 0 overrides the declared size)."""
        params: dict[str, Any] = {}
        size = page_size or self.page_size
        if size:
            params["pageSize"] = size
        if page_token:
            # list_next() refuses repeated params (states=[...]): page with the token ourselves.
            params["pageToken"] = page_token
        method = self.method
        return lambda service: method(service, course_id, params)
