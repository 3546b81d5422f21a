"""The connector's one retry policy: exponential backoff with full jitter, Retry-After first.

Google's client can retry by itself (``execute(num_retries=N)``) but ignores Retry-After;
we keep that at 0 and retry here, so the two never stack.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from connector.stop import StopSignal


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """``max_attempts`` counts the first try. Sleeps are injectable so tests never sleep."""

    max_attempts: int = 6
    base_s: float = 1.0
    cap_s: float = 64.0
    # A Retry-After beyond this is not waited for in full: the call is given up instead.
    max_retry_after_s: float = 300.0
    sleep: Callable[[float], None] = field(default=time.sleep)
    rand: Callable[[], float] = field(default=random.random)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        if retry_after is not None:
            return min(retry_after, self.max_retry_after_s)
        # Full jitter (AWS architecture blog): uniform in [0, min(cap, base * 2^n)).
        return self.rand() * min(self.cap_s, self.base_s * 2.0 ** (attempt - 1))

    def stopping_on(self, stop: StopSignal | None) -> RetryPolicy:
        """This policy with its waits ended early by ``stop`` (service shutdown)."""
        return self if stop is None else replace(self, sleep=stop.sleep)

    def gives_up(self, attempt: int, retry_after: float | None) -> bool:
        if attempt >= self.max_attempts:
            return True
        return retry_after is not None and retry_after > self.max_retry_after_s
