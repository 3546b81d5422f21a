"""``$batch`` fan-out: many collections read in full, 20 calls to a batch, concurrently.

Graph answers each part of a batch on its own (a throttled part is a 429 inside the 200),
so parts are retried here, after the longest ``Retry-After`` among them, and next pages
join later batches; the requests themselves go through :meth:`GraphClient.send`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Hashable, Sequence
from typing import TYPE_CHECKING, Any

import structlog
from kiota_abstractions.method import Method

from connector.graph.pacing import is_assignment_service
from connector.graph.pages import RETRYABLE, Get, GraphError, Pages, header
from connector.graph.resources import PLATFORM, resource_of
from connector.observe import ApiCall, observe

if TYPE_CHECKING:
    from connector.graph.client import GraphClient

log = structlog.get_logger(__name__)


OnDone = Callable[[Hashable, Pages], Sequence[Get] | None]


async def read_batched(
    client: GraphClient, gets: list[Get], on_done: OnDone | None = None
) -> dict[Hashable, Pages]:
    """Read many collections in full through ``$batch`` (≤20 per batch, concurrently).

    A part answered 429/5xx is sent again in a later batch after the longest
    ``Retry-After`` among them; next pages join later batches as well. ``on_done`` hears
    of each collection as soon as it is read in full (or failed for good), while the
    batches of the others are still out; what it returns is read too, in the batches of
    the next round (so reads that only the answers reveal share batches, not one each).
    """
    results: dict[Hashable, Pages] = {g.key: Pages() for g in gets}
    attempts: dict[Hashable, int] = {}
    pending: list[tuple[Get, str]] = [(g, g.url) for g in gets]

    async def answered(chunk: list[tuple[Get, str]]) -> tuple[list[tuple[Get, str]], Any]:
        return chunk, await _batch(client, chunk)

    while pending:
        chunks = [pending[i:i + client.batch_size]
                  for i in range(0, len(pending), client.batch_size)]
        pending = []
        wait: float | None = None
        # Tasks made here, in order: as_completed would start bare coroutines in set
        # order, and the first classes' batches must leave first.
        tasks = [asyncio.ensure_future(answered(c)) for c in chunks]
        try:
            for next_answer in asyncio.as_completed(tasks):
                chunk, answer = await next_answer
                again: list[tuple[Get, str]] = []
                for (get, url), part in zip(chunk, answer, strict=True):
                    delay = _take(client, results[get.key], attempts, get, url, part, again)
                    if delay is not None:
                        wait = delay if wait is None else max(wait, delay)
                pending += again
                if on_done is not None:
                    still = {get.key for get, _ in again}
                    for get, _ in chunk:
                        if get.key not in still:
                            for extra in on_done(get.key, results[get.key]) or ():
                                if extra.key not in results:
                                    results[extra.key] = Pages()
                                    pending.append((extra, extra.url))
        except BaseException:
            # A stop (or the read's cancellation) in one batch: the others are not wanted
            # either. Wait for them to unwind, so their pacer places are given back.
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        if pending and wait is not None:
            log.info("graph.batch_retry", parts=len(pending), delay_s=wait)
            await client.sleep(wait)
    return results


def _take(
    client: GraphClient, out: Pages, attempts: dict[Hashable, int], get: Get, url: str,
    part: tuple[int, dict[str, Any], Any] | GraphError, again: list[tuple[Get, str]],
) -> float | None:
    """One batch part into ``out``; what to ask again goes to ``again``. Returns the
    wait a retryable failure asks for."""
    if isinstance(part, GraphError):
        out.error = part
        return None
    status, headers, body = part
    if 200 <= status < 300:
        link = client.absorb(out, body)
        if link is not None and out.error is None:
            again.append((get, link))
        return None
    n = attempts[get.key] = attempts.get(get.key, 0) + 1
    limit = client.max_throttled_retries if status == 429 else client.max_retries
    if status in RETRYABLE and n <= limit:
        if status == 429:
            client.stats.throttled += 1
        client.stats.retries += 1
        again.append((get, url))
        return client.delay(n - 1, header(headers, "Retry-After"))
    err = body.get("error", {}) if isinstance(body, dict) else {}
    out.error = GraphError(status, str(err.get("code", "")), str(err.get("message", "")))
    return None


async def _batch(
    client: GraphClient, chunk: list[tuple[Get, str]]
) -> list[tuple[int, dict[str, Any], Any] | GraphError]:
    if len(chunk) == 1:
        # A batch of one costs the same quota and a bigger body: send it plainly.
        get, url = chunk[0]
        try:
            page = await client.send(Method.GET, url, headers=get.headers)
        except GraphError as e:
            if e.status is not None and e.status not in RETRYABLE:
                return [(e.status, {}, {"error": {"code": e.code, "message": e.message}})]
            return [e]
        return [(200, {}, page)]
    requests = [
        {"id": str(i), "method": "GET", "url": url, **({"headers": dict(get.headers)}
                                                      if get.headers else {})}
        for i, (get, url) in enumerate(chunk)
    ]
    body = json.dumps({"requests": requests}).encode()
    paced = sum(1 for _, url in chunk if is_assignment_service(url))
    try:
        answer = await client.send(Method.POST, "/$batch", body=body, calls=len(chunk),
                                 paced=paced)
    except GraphError as e:
        return [e] * len(chunk)
    by_id: dict[str, tuple[int, dict[str, Any], Any]] = {}
    for r in (answer or {}).get("responses", []):
        if isinstance(r, dict) and "id" in r:
            by_id[str(r["id"])] = (int(r.get("status", 0)), r.get("headers") or {},
                                   r.get("body"))
    missing = GraphError(None, "MissingBatchResponse", "no answer for a batch part")
    parts = [by_id.get(str(i), missing) for i in range(len(chunk))]
    for (_, url), part in zip(chunk, parts, strict=True):
        status = part.status if isinstance(part, GraphError) else part[0]
        observe(ApiCall(PLATFORM, resource_of(url), status))
    return parts
