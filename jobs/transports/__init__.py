"""Email transports: one interface, chosen by config (file now; smtp, graph, gmail later)."""

from __future__ import annotations

from config.settings import Settings
from jobs.transports.base import PermanentError, TransientError, Transport, TransportError
from jobs.transports.file import FileTransport
from jobs.transports.memory import MemoryTransport

__all__ = [
    "FileTransport",
    "MemoryTransport",
    "PermanentError",
    "TransientError",
    "Transport",
    "TransportError",
    "transport_for",
]


def transport_for(settings: Settings) -> Transport:
    """The transport ``settings.email.transport`` names."""
    email = settings.email
    if email.transport == "file":
        return FileTransport(email.file.directory)
    raise NotImplementedError(f"the {email.transport!r} transport is not built yet")
