"""Declaring a Classroom list: which method, where the items are, id, cursor, order, page size.

Each resource module declares its streams with :class:`Stream` and nothing else about
transport; :mod:`connector.google.source` pages them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

# Asked of every list whose size is not fixed by the API. Google documents no maximum and
# caps larger values silently ("the server may return fewer"), so asking high costs
# nothing and spares pages; the sandbox serves at most this many.
MAX_PAGE_SIZE = 1000

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
    # sends nothing and takes the server's default.
    page_size: int
    method: ListMethod

    def request(
        self,
        course_id: str,
        page_token: str | None,
        page_size: int = 0,
        extra: Mapping[str, Any] | None = None,
    ) -> Callable[[Any], Any]:
        """A builder for one page (``page_size`` > 0 overrides the declared size);
        ``extra`` adds call parameters (e.g. a ``courseWorkId``)."""
        params: dict[str, Any] = dict(extra or {})
        size = page_size or self.page_size
        if size:
            params["pageSize"] = size
        if page_token:
            # list_next() refuses repeated params (states=[...]): page with the token ourselves.
            params["pageToken"] = page_token
        method = self.method
        return lambda service: method(service, course_id, params)
