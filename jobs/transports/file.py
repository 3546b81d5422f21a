"""A transport that writes each message as an .eml file: for development and inspection."""

from __future__ import annotations

import hashlib
import os
import tempfile
from email.message import EmailMessage
from pathlib import Path

from jobs.transports.base import PermanentError, TransientError


class FileTransport:
    """Writes ``<name>.eml`` into ``directory``; the name comes from the Message-ID, which
    the outbox derives from its key, so sending a row again overwrites its file.
    """

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)

    def path_for(self, msg: EmailMessage) -> Path:
        message_id = msg.get("Message-ID")
        if not message_id:
            raise PermanentError("message has no Message-ID")
        digest = hashlib.sha256(str(message_id).encode()).hexdigest()[:32]
        return self.directory / f"{digest}.eml"

    def send(self, msg: EmailMessage) -> str:
        path = self.path_for(msg)
        data = msg.as_bytes()
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            # Write then rename: a reader never sees half a message.
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".eml")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as e:
            raise TransientError(f"could not write {path.name}: {e.strerror or e}") from e
        return path.name
