"""The sender interface every transport implements, and the two ways a send can fail."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from typing import Protocol


class TransportError(Exception):
    """A send did not happen."""


class TransientError(TransportError):
    """Worth trying again later (connection refused, 4xx SMTP reply, throttling).

    ``retry_after``: how long the service asked us to wait (HTTP ``Retry-After``), if it did.
    """

    def __init__(self, message: str, *, retry_after: timedelta | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(TransportError):
    """Will never work as it is (bad address, rejected message): the row is failed."""


class Transport(Protocol):
    def send(self, msg: EmailMessage) -> str:
        """Deliver ``msg``; return the transport's id for it. Raise a TransportError."""
        ...
