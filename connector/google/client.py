"""A Google API client (Classroom, Reports): per-thread HTTP, batches of 50, one retry layer.

googleapiclient is untyped; ``Any`` stays in this module and the stream declarations.
Everything leaving :class:`ClassroomClient` is a ``dict`` answer or a
:class:`connector.google.errors.GoogleError`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, TypeVar

import structlog
from googleapiclient.discovery import build_from_document
from googleapiclient.discovery_cache import get_static_doc
from googleapiclient.http import BatchHttpRequest

from connector.google.errors import GoogleError, RetryableError, classify
from connector.google.retry import RetryPolicy
from connector.google.transport import CachedResource, CountingHttp
from connector.observe import ApiCall, observe
from connector.source import RequestStats

log = structlog.get_logger(__name__)

# Google: "You're limited to 50 calls in a single batch request" (Classroom batch guide).
MAX_BATCH = 50

K = TypeVar("K", bound=Hashable)
# A function that builds one request from a service object (both untyped).
RequestBuilder = Callable[[Any], Any]
Answer = dict[str, Any] | GoogleError


class _Unparsable:
    """Marker for an inner batch answer whose body did not parse (a truncated reply)."""

    def __init__(self, error: ValueError) -> None:
        self.error = error


class ClassroomClient:
    """Executes one Google API's requests (Classroom unless ``api`` names another), one at
    a time or batched, with retries and counters."""

    def __init__(
        self,
        endpoint: str,
        http_factory: Callable[[], Any],
        *,
        stats: RequestStats | None = None,
        retry: RetryPolicy | None = None,
        api: tuple[str, str] = ("classroom", "v1"),
    ) -> None:
        self.endpoint = endpoint if endpoint.endswith("/") else endpoint + "/"
        self.stats = stats if stats is not None else RequestStats()
        self.retry = retry or RetryPolicy()
        self._http_factory = http_factory
        # Charges n calls to a quota pacer before they are sent (each attempt counts);
        # the Classroom source paces its own calls around this client instead.
        self.pace: Callable[[int], object] | None = None
        self._local = threading.local()
        self._lock = threading.Lock()
        doc = get_static_doc(*api)
        if doc is None:  # pragma: no cover - the documents ship with the library
            raise RuntimeError(f"{api[0]} {api[1]} discovery document missing")
        self._doc: str = doc

    # --- per-thread objects ----------------------------------------------------------------

    def _count(self, *, requests: int = 0, api_calls: int = 0, throttled: int = 0,
               retries: int = 0) -> None:
        with self._lock:
            self.stats.requests += requests
            self.stats.api_calls += api_calls
            self.stats.throttled += throttled
            self.stats.retries += retries

    def _thread_http(self) -> CountingHttp:
        http: CountingHttp | None = getattr(self._local, "http", None)
        if http is None:
            http = CountingHttp(self._http_factory(), lambda: self._count(requests=1))
            self._local.http = http
        return http

    def service(self) -> Any:
        """This thread's service object (built from the shipped document)."""
        svc = getattr(self._local, "service", None)
        if svc is None:
            # api_endpoint replaces rootUrl + servicePath; both APIs read here (Classroom,
            # Admin SDK Reports) have an empty servicePath.
            svc = CachedResource(
                build_from_document(
                    self._doc,
                    http=self._thread_http(),
                    client_options={"api_endpoint": self.endpoint},
                )
            )
            self._local.service = svc
        return svc

    # --- single calls ----------------------------------------------------------------------

    def execute(self, build: RequestBuilder, what: str) -> dict[str, Any]:
        """Run one request with retries; raise a classified error when it cannot succeed."""
        attempt = 0
        while True:
            attempt += 1
            request = build(self.service())
            if self.pace is not None:
                self.pace(1)
            self._count(api_calls=1)
            try:
                answer: Any = request.execute(http=self._thread_http(), num_retries=0)
                _observe(request, 200)
                return dict(answer or {})
            except Exception as exc:  # classified right here, once
                err = classify(exc, what)
            _observe(request, err.status)
            self._wait_or_raise(err, attempt, what)

    def _wait_or_raise(self, err: GoogleError, attempt: int, what: str) -> None:
        if not isinstance(err, RetryableError):
            raise err
        if err.throttled:
            self._count(throttled=1)
        if self.retry.gives_up(attempt, err.retry_after):
            log.warning("google.gave_up", what=what, attempts=attempt, error=str(err))
            raise err
        self._count(retries=1)
        self.retry.sleep(self.retry.delay(attempt, err.retry_after))

    # --- batches ---------------------------------------------------------------------------

    def execute_batch(
        self, calls: Mapping[K, RequestBuilder], describe: Callable[[K], str] = str
    ) -> dict[K, Answer]:
        """Run many requests in batches of at most 50, retrying only the calls that failed.

        Every key gets either the JSON answer or the (classified) error it ended with;
        ``describe`` names a call in error messages.
        """
        results: dict[K, Answer] = {}
        keys = list(calls)
        for start in range(0, len(keys), MAX_BATCH):
            chunk = keys[start : start + MAX_BATCH]
            results.update(self._run_chunk({k: calls[k] for k in chunk}, describe))
        return results

    def _run_chunk(
        self, calls: Mapping[K, RequestBuilder], describe: Callable[[K], str]
    ) -> dict[K, Answer]:
        results: dict[K, Answer] = {}
        pending: list[K] = list(calls)
        attempt = 0
        while pending:
            attempt += 1
            answers = self._send_batch(pending, calls, describe)
            failed: list[tuple[K, RetryableError]] = []
            for key in pending:
                answer = answers[key]
                if isinstance(answer, RetryableError):
                    failed.append((key, answer))
                else:
                    results[key] = answer
            if not failed:
                break
            throttled = len({id(e) for _, e in failed if e.throttled})
            self._count(throttled=throttled)
            waits = [e.retry_after for _, e in failed if e.retry_after is not None]
            retry_after = max(waits) if waits else None
            if self.retry.gives_up(attempt, retry_after):
                log.warning("google.gave_up", calls=len(failed), attempts=attempt,
                            error=str(failed[0][1]))
                results.update(dict(failed))
                break
            self._count(retries=len(failed))
            self.retry.sleep(self.retry.delay(attempt, retry_after))
            # Only the failed calls go into the next batch.
            pending = [k for k, _ in failed]
        return results

    def _send_batch(
        self, keys: Sequence[K], calls: Mapping[K, RequestBuilder], describe: Callable[[K], str]
    ) -> dict[K, Answer]:
        """One batch round trip. A failure of the whole POST fails every call in it."""
        if self.pace is not None:
            self.pace(len(keys))
        service = self.service()
        ids = {str(i): key for i, key in enumerate(keys)}
        answers: dict[K, Answer] = {}

        def collect(request_id: str, response: Any, exception: Exception | None) -> None:
            key = ids[request_id]
            if exception is not None:
                answers[key] = classify(exception, describe(key))
            elif isinstance(response, _Unparsable):
                answers[key] = classify(response.error, describe(key))
            else:
                answers[key] = dict(response or {})

        # Batches do not follow api_endpoint (API_NOTES): name the batch URL ourselves.
        batch = BatchHttpRequest(callback=collect, batch_uri=self.endpoint + "batch")
        requests: dict[K, Any] = {}
        for request_id, key in ids.items():
            request = requests[key] = calls[key](service)
            request.postproc = _tolerant(request.postproc)
            batch.add(request, request_id=request_id)
        self._count(api_calls=len(keys))
        try:
            batch.execute(http=self._thread_http())
        except Exception as exc:  # classified right here, once
            # The same error object for every call: counted as one 429 received.
            err = classify(exc, f"batch of {len(keys)}")
            observe(ApiCall(PLATFORM, "batch", err.status or None, batch=len(keys)))
            return {k: err for k in keys}
        observe(ApiCall(PLATFORM, "batch", 200, batch=len(keys)))
        for key in keys:
            answer = answers.setdefault(
                key, RetryableError(f"{describe(key)}: no answer in batch")
            )
            _observe(requests[key], answer.status if isinstance(answer, GoogleError) else 200)
        return answers


PLATFORM = "google"


def _observe(request: Any, status: int) -> None:
    """Report one call under its discovery method id (``classroom.`` dropped)."""
    method = str(getattr(request, "methodId", "") or "unknown")
    resource = method.removeprefix("classroom.")
    observe(ApiCall(PLATFORM, resource, status or None))


def _tolerant(postproc: Callable[[Any, bytes], Any]) -> Callable[[Any, bytes], Any]:
    """Wrap a postproc so one truncated inner body does not abort the batch's callbacks."""

    def run(resp: Any, content: bytes) -> Any:
        try:
            return postproc(resp, content)
        except ValueError as exc:  # json.JSONDecodeError included
            return _Unparsable(exc)

    return run

