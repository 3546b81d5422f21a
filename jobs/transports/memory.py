"""A transport that keeps messages in a list, for tests; it can be told to fail."""

from __future__ import annotations

from email.message import EmailMessage

from jobs.transports.base import TransportError


class MemoryTransport:
    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []
        # Raised (and consumed) by the next sends, in order.
        self.failures: list[TransportError] = []

    def send(self, msg: EmailMessage) -> str:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(msg)
        return f"memory-{len(self.sent)}"
