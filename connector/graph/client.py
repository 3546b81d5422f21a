"""Graph requests over msgraph-sdk's adapter: paging, one retry layer (``$batch`` fan-out is
in :mod:`connector.graph.batching`).

Every request goes through kiota's ``GraphRequestAdapter`` (auth, CAE claims challenges,
redirects, headers) with the SDK's RetryHandler turned off: retries live here only, because
a throttled request *inside* ``$batch`` comes back as a 429 inside a 200 that the SDK's
handler never sees, and two retry layers would multiply. Retries honour ``Retry-After``.

Pages are fetched as raw JSON and each item is parsed on its own by the caller (with the
SDK's models): a single malformed item must cost that item, not its whole page.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Awaitable, Callable, Hashable, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx
import structlog
from kiota_abstractions.api_error import APIError
from kiota_abstractions.method import Method
from kiota_abstractions.request_information import RequestInformation
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph_core import BaseGraphRequestAdapter  # type: ignore[import-untyped]

from connector.graph.batching import OnDone, read_batched
from connector.graph.pacing import Pacer, is_assignment_service
from connector.graph.pages import RETRYABLE, Get, GraphError, Pages, header
from connector.graph.resources import PLATFORM, resource_of
from connector.observe import ApiCall, observe
from connector.source import RequestStats

log = structlog.get_logger(__name__)

MAX_BATCH = 20  # Graph JSON batching: "limited to 20 individual requests"
MAX_RETRY_AFTER_S = 180.0  # longer waits are a sign to stop, as kiota's RetryHandler does
_ERRORS: dict[str, Any] = {"XXX": ODataError.create_from_discriminator_value}

Sleep = Callable[[float], Awaitable[None]]



def _observe(url: str, status: int | None, calls: int) -> None:
    """Report one round trip: a call, or a ``$batch`` envelope (its parts are reported
    one by one from their answers)."""
    resource = resource_of(url)
    observe(ApiCall(PLATFORM, resource, status, batch=calls if resource == "/$batch" else 0))


class GraphClient:
    """Async reads against one tenant. ``stats`` counts round trips and API calls."""

    def __init__(
        self,
        adapter: BaseGraphRequestAdapter,
        stats: RequestStats,
        *,
        concurrency: int = 8,
        sleep: Sleep = asyncio.sleep,
        max_retries: int = 5,
        batch_size: int = MAX_BATCH,
        on_unauthorized: Callable[[], None] | None = None,
        pacer: Pacer | None = None,
        max_throttled_retries: int = 10,
    ) -> None:
        self.adapter = adapter
        self.stats = stats
        self.sleep = sleep
        self.max_retries = max_retries
        self.batch_size = min(batch_size, MAX_BATCH)
        self._sem = asyncio.Semaphore(concurrency)
        self._on_unauthorized = on_unauthorized
        self._pacer = pacer
        # A 429 says exactly how long to wait, so it earns more patience than a 5xx.
        self.max_throttled_retries = max(max_throttled_retries, max_retries)

    # --- URLs -------------------------------------------------------------------------

    @property
    def base(self) -> str:
        return str(self.adapter.base_url).rstrip("/")

    def relative(self, url: str) -> str:
        """A next/delta link as a URL relative to the API root (what $batch wants)."""
        if url.startswith(self.base):
            return url[len(self.base):]
        parts = urlsplit(url)
        path = parts.path
        for version in ("/v1.0", "/beta"):
            if path.startswith(version + "/"):
                path = path[len(version):]
        return path + (f"?{parts.query}" if parts.query else "")

    # --- one request, with the retry policy ---------------------------------------------

    def delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after is not None:
            try:
                return min(max(float(retry_after), 0.0), MAX_RETRY_AFTER_S)
            except ValueError:
                pass
        return min(2.0**attempt, 30.0) * (0.5 + random.random() / 2)

    async def send(
        self, method: Method, url: str, *, body: bytes | None = None,
        headers: Mapping[str, str] | None = None, calls: int = 1, paced: int | None = None,
    ) -> Any:
        """One request (relative ``url``), retried on 429/5xx/resets and once on 401.

        ``paced``: how many assignment-service calls it carries (default: worked out from
        ``url``), for the pacer.
        """
        if paced is None:
            paced = calls if is_assignment_service(url) else 0
        failures = 0
        status: int | None = None
        retry_after: str | None = None
        code = message = ""
        for attempt in range(self.max_throttled_retries + 1):
            info = RequestInformation()
            info.http_method = method
            info.url = self.base + url
            for k, v in (headers or {}).items():
                info.headers.try_add(k, v)
            if body is not None:
                info.headers.try_add("Content-Type", "application/json")
                info.content = body
            status, retry_after, code, message = None, None, "", ""
            async with self._sem:
                # Paced once a slot is ours, so the window counts when calls leave, not
                # when they were queued (queued ones would leave in a burst).
                held = await self._pacer.take(paced) if self._pacer and paced else 0
                self.stats.requests += 1
                self.stats.api_calls += calls
                try:
                    raw = await self.adapter.send_primitive_async(info, "bytes", _ERRORS)
                    answer = json.loads(raw) if raw else None
                    _observe(url, 200, calls)
                    return answer
                except APIError as e:
                    status = e.response_status_code
                    retry_after = header(e.response_headers, "Retry-After")
                    if isinstance(e, ODataError) and e.error is not None:
                        code, message = e.error.code or "", e.error.message or ""
                except (httpx.TransportError, json.JSONDecodeError) as e:
                    message = repr(e)
                finally:
                    if held and self._pacer is not None:
                        self._pacer.release(held)
            _observe(url, status, calls)
            if status == 429 and attempt < self.max_throttled_retries:
                await self._pause(status, attempt, retry_after, url)
                continue
            if failures < self.max_retries and (status is None or status in RETRYABLE):
                failures += 1
                await self._pause(status, failures - 1, retry_after, url)
                continue
            if status == 401 and attempt == 0:
                # The token died before our clock said so (expired, revoked): ask for a
                # new one and try once more. (CAE claims challenges are answered in kiota.)
                if self._on_unauthorized is not None:
                    self._on_unauthorized()
                self.stats.retries += 1
                continue
            raise GraphError(status, code, message)
        raise GraphError(status, code or "RetriesExhausted", message or url)

    async def _pause(self, status: int | None, attempt: int, retry_after: str | None,
                     url: str) -> None:
        delay = self.delay(attempt, retry_after)
        if status == 429:
            self.stats.throttled += 1
        self.stats.retries += 1
        log.info("graph.retry", status=status, attempt=attempt + 1, delay_s=delay, url=url)
        await self.sleep(delay)

    # --- collections ----------------------------------------------------------------------

    async def get_all(self, url: str, headers: Mapping[str, str] | None = None) -> Pages:
        """Every page of one collection, as a top-level request per page."""
        out = Pages()
        next_url: str | None = url
        while next_url is not None:
            try:
                page = await self.send(Method.GET, next_url, headers=headers)
            except GraphError as e:
                out.error = e
                return out
            next_url = self.absorb(out, page)
        return out

    def absorb(self, out: Pages, page: Any) -> str | None:
        """Add one page to ``out``; the next page's relative URL, if any."""
        if isinstance(page, dict) and "value" not in page and isinstance(page.get("id"), str):
            out.items.append(page)  # a single entity (e.g. /education/users/{id})
            return None
        if not isinstance(page, dict) or not isinstance(page.get("value"), list):
            out.error = GraphError(200, "MalformedPage", "no 'value' list in a collection page")
            return None
        out.items.extend(x for x in page["value"] if isinstance(x, dict))
        if isinstance(page.get("@odata.deltaLink"), str):
            out.delta_link = page["@odata.deltaLink"]
        link = page.get("@odata.nextLink")
        return self.relative(link) if isinstance(link, str) else None

    async def get_many(
        self, gets: list[Get], on_done: OnDone | None = None
    ) -> dict[Hashable, Pages]:
        """Many collections in full through ``$batch``: see :mod:`connector.graph.batching`."""
        return await read_batched(self, gets, on_done)
