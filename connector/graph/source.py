"""``GraphClassSource``: the ClassSource protocol over Microsoft Graph (education).

msgraph-sdk is async (kiota); this class owns an event loop on a background thread and
presents the synchronous protocol ``sync/`` expects. Per class it reads, through
``$batch``, its members, teachers, assignments and modules in full, and submissions with
outcomes: per assignment on a full read, or the class's ``getRecentlyModifiedSubmissions``
since its cursor on an incremental one (see :mod:`connector.graph.snapshot`). That
function reaches back seven days, so a cursor older than :data:`INCREMENTAL_WINDOW`
triggers a full read instead.
"""

from __future__ import annotations

import asyncio
import inspect
import queue
import threading
from collections.abc import Callable, Coroutine, Hashable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

import httpx
import structlog
from azure.core.credentials import TokenCredential
from azure.core.credentials_async import AsyncTokenCredential
from kiota_authentication_azure.azure_identity_authentication_provider import (
    AzureIdentityAuthenticationProvider,
)
from kiota_http.middleware.options import RetryHandlerOption
from msgraph.graph_request_adapter import GraphRequestAdapter
from msgraph.graph_service_client import GraphServiceClient
from msgraph_core import GraphClientFactory  # type: ignore[import-untyped]

from config.settings import MicrosoftSettings
from connector.graph import education as edu
from connector.graph.auth import GRAPH_SCOPE, RenewingCredential, build_credential
from connector.graph.client import GraphClient, Sleep
from connector.graph.pacing import ASSIGNMENTS_RATE, Pacer
from connector.graph.pages import Get, GraphError, Pages
from connector.graph.snapshot import ClassReader
from connector.records import (
    ClassRecord,
    ClassSnapshot,
    PersonRecord,
    Platform,
    SchoolRecord,
    SkippedRecord,
)
from connector.source import ClassSource, RequestStats
from connector.stop import StopSignal

log = structlog.get_logger(__name__)
R = TypeVar("R")

# getRecentlyModifiedSubmissions covers "the previous seven days"; leave a day's margin.
INCREMENTAL_WINDOW = timedelta(days=6)


@dataclass
class GraphShared:
    """What the sources of one tenant's schools share within a run: the app's credential
    (one token for all, not one grant per school) and its assignment-service pacer (Graph
    throttles per app per tenant, not per school). The first source fills it in."""

    credential: TokenCredential | AsyncTokenCredential | None = None
    pacer: Pacer | None = None


class GraphClassSource:
    """One tenant (optionally one educationSchool in it), read app-only.

    ``credential`` overrides the one built from ``settings`` (client secret or certificate
    PEM); ``shared`` carries a credential and pacer between the sources of one run;
    ``stop`` ends retry and pacing waits early (see :mod:`connector.stop`; the sources
    sharing a pacer share a stop); ``sleep`` and ``clock`` are injectable for tests.
    """

    platform = Platform.MICROSOFT

    def __init__(
        self,
        settings: MicrosoftSettings,
        *,
        school_id: str | None = None,
        client_secret: str | None = None,
        certificate_pem: bytes | None = None,
        credential: TokenCredential | AsyncTokenCredential | None = None,
        sleep: Sleep | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        max_retries: int = 5,
        timeout_s: float = 60.0,
        assignments_rate: tuple[int, float] | None = ASSIGNMENTS_RATE,
        shared: GraphShared | None = None,
        stop: StopSignal | None = None,
    ) -> None:
        self.settings = settings
        self.school_id = school_id
        self.stats = RequestStats()
        self.clock = clock
        self._skipped: list[SkippedRecord] = []
        self._shared = shared or GraphShared()
        inner = credential or self._shared.credential or build_credential(
            settings, client_secret=client_secret, certificate_pem=certificate_pem)
        if self._shared.credential is None:
            self._shared.credential = inner
        self._credential: TokenCredential | AsyncTokenCredential | RenewingCredential = inner
        if not inspect.iscoroutinefunction(inner.get_token):
            self._credential = RenewingCredential(cast(TokenCredential, inner))
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="graph", daemon=True)
        self._thread.start()
        wait: Sleep = stop.asleep if stop is not None else asyncio.sleep
        self._client: GraphClient = self._run(
            self._connect(sleep or wait, wait, max_retries, timeout_s, assignments_rate))
        self._sdk = GraphServiceClient(request_adapter=self._client.adapter)

    async def _connect(self, sleep: Sleep, wait: Sleep, max_retries: int, timeout_s: float,
                       rate: tuple[int, float] | None) -> GraphClient:
        base = self.settings.base_url.rstrip("/")  # a trailing slash doubles it in URLs
        auth = AzureIdentityAuthenticationProvider(
            self._credential, scopes=[GRAPH_SCOPE], allowed_hosts=[urlsplit(base).hostname or ""])
        # Our retry layer is the only one (see connector.graph.client).
        http = GraphClientFactory.create_with_default_middleware(
            client=httpx.AsyncClient(timeout=httpx.Timeout(timeout_s)),
            options={RetryHandlerOption.get_key(): RetryHandlerOption(max_retries=0)},
        )
        adapter = GraphRequestAdapter(auth, client=http)
        adapter.base_url = base
        renew = self._credential.renew if isinstance(self._credential, RenewingCredential) \
            else None
        # Pacing always really waits (ending early on a stop): an injected sleep is for
        # retry waits in tests.
        if rate is not None and self._shared.pacer is None:
            self._shared.pacer = Pacer(rate[0], rate[1], wait)
        pacer = None if rate is None else self._shared.pacer
        return GraphClient(adapter, self.stats, concurrency=self.settings.concurrency,
                           sleep=sleep, max_retries=max_retries, on_unauthorized=renew,
                           pacer=pacer)

    def _run(self, coro: Coroutine[Any, Any, R]) -> R:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def close(self) -> None:
        """Close the HTTP client and stop the loop thread."""
        if not self._loop.is_running():
            return
        try:
            self._run(self._client.adapter._http_client.aclose())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
            self._loop.close()

    def __enter__(self) -> GraphClassSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- ClassSource ---------------------------------------------------------------------

    def schools(self) -> list[SchoolRecord]:
        """The tenant's educationSchools."""
        pages = self._run(self._client.get_all(self._url(self._sdk.education.schools)))
        if pages.error is not None:
            raise pages.error
        out = []
        for item in pages.items:
            rec = edu.school(item)
            if isinstance(rec, SkippedRecord):
                self._note(rec)
            else:
                out.append(rec)
        return out

    def list_classes(self) -> Iterator[ClassRecord]:
        school_ids = [self.school_id] if self.school_id else [s.platform_id for s in self.schools()]
        gets = [Get(sid, self._url(
            self._sdk.education.schools.by_education_school_id(sid).classes)) for sid in school_ids]
        results = self._run(self._client.get_many(gets))
        seen: set[str] = set()
        for sid in school_ids:
            pages = results[sid]
            if pages.error is not None:
                raise pages.error  # without the class list there is nothing to sync
            for item in pages.items:
                rec = edu.klass(item, sid, self.clock().date())
                if isinstance(rec, SkippedRecord):
                    self._note(rec)
                elif rec.platform_id not in seen:
                    seen.add(rec.platform_id)
                    yield rec

    def read_classes(
        self,
        classes: list[ClassRecord],
        cursors: Mapping[str, Mapping[str, str]],
        *,
        full: bool,
    ) -> Iterator[ClassSnapshot]:
        # About a batch's worth of classes per concurrent slot, so batches stay full.
        size = max(1, self.settings.concurrency * 6)
        for i in range(0, len(classes), size):
            reader = ClassReader(self._client, self._sdk, started=self.clock(),
                                 window=INCREMENTAL_WINDOW)
            # Snapshots arrive while the rest of the chunk is still being read (on the loop
            # thread), so committing them overlaps the waiting on Graph and its throttle.
            ready: queue.Queue[ClassSnapshot | None] = queue.Queue()
            read = asyncio.run_coroutine_threadsafe(
                reader.read(classes[i:i + size], cursors, full=full, emit=ready.put),
                self._loop)
            read.add_done_callback(_then_put(ready, None))
            try:
                while (snap := ready.get()) is not None:
                    yield snap
                read.result()  # what the read raised, after what it had read
            finally:
                read.cancel()  # the caller stopped early: stop reading for it

    def skipped(self) -> list[SkippedRecord]:
        return list(self._skipped)

    def people(self, ids: list[str]) -> Iterator[PersonRecord]:
        gets = [Get(pid, self._url(self._sdk.education.users.by_education_user_id(pid)))
                for pid in ids]
        results: dict[Hashable, Pages] = self._run(self._client.get_many(gets))
        for pid in ids:
            pages = results[pid]
            if pages.error is not None:
                self._note(SkippedRecord(Platform.MICROSOFT, "educationUser", pid,
                                         str(pages.error)))
                continue
            for item in pages.items:
                rec = edu.person(item)
                if isinstance(rec, SkippedRecord):
                    self._note(rec)
                else:
                    yield rec

    # --- helpers --------------------------------------------------------------------------

    @staticmethod
    def _url(builder: Any) -> str:
        """The SDK's own relative URL for a request builder."""
        return str(builder.to_get_request_information().url)

    def _note(self, rec: SkippedRecord) -> None:
        log.warning("graph.skipped", resource=rec.resource, platform_id=rec.platform_id,
                    reason=rec.reason)
        self._skipped.append(rec)


def _then_put(q: queue.Queue[ClassSnapshot | None], item: None) -> Callable[[Any], None]:
    return lambda _done: q.put(item)


def _conforms(source: GraphClassSource) -> ClassSource:
    return source  # mypy checks GraphClassSource against the ClassSource protocol here


__all__ = ["GraphClassSource", "GraphError", "GraphShared"]
