"""The sender interface every transport implements, and the two ways a send can fail."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Protocol


class TransportError(Exception):
    """A send did not happen."""


class TransientError(TransportError):
    """Worth trying again later (connection refused, 4xx SMTP reply, throttling)."""


class PermanentError(TransportError):
    """Will never work as it is (bad address, rejected message): the row is failed."""


class Transport(Protocol):
    def send(self, msg: EmailMessage) -> str:
        """Deliver ``msg``; return the transport's id for it. Raise a TransportError."""
        ...
