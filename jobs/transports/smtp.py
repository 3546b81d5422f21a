"""SMTP submission (smtplib): STARTTLS, optional login, one connection per sender run.

Replies are classified once, here: 4xx and connection trouble are transient (the outbox
retries with backoff), 5xx about the message or a recipient is permanent (e.g. ``550``
no such mailbox). Authentication and TLS problems are the server's set-up, not the
message's, so they are transient too: fixing the password lets the queue drain.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from email.message import EmailMessage

import structlog

from jobs.transports.base import PermanentError, TransientError

log = structlog.get_logger(__name__)


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".strip()


# 5xx replies about our session, not the message: authentication required or failed.
_SESSION_CODES = frozenset({530, 534, 535, 538})


def _classify(code: int, text: bytes | str) -> Exception:
    message = _reply(code, text)
    if 500 <= code < 600 and code not in _SESSION_CODES:
        return PermanentError(message)
    return TransientError(message)


class SmtpTransport:
    """Sends through ``host:port``. ``password`` is a callable so the secret is read only
    when a login happens and never stored on the object's repr."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        starttls: bool = True,
        username: str | None = None,
        password: Callable[[], str] | None = None,
        timeout_s: float = 30.0,
        tls_context: ssl.SSLContext | None = None,
        local_hostname: str | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.starttls = starttls
        self.username = username
        self._password = password
        self.timeout_s = timeout_s
        self.tls_context = tls_context
        self.local_hostname = local_hostname
        self._conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        # Host given to the constructor, not connect(): STARTTLS checks the certificate
        # against the host the constructor was given.
        conn = smtplib.SMTP(
            self.host, self.port, local_hostname=self.local_hostname, timeout=self.timeout_s
        )
        try:
            conn.ehlo()
            if self.starttls:
                if not conn.has_extn("starttls"):
                    raise TransientError(f"{self.host} does not offer STARTTLS")
                conn.starttls(context=self.tls_context or ssl.create_default_context())
                conn.ehlo()
            if self.username:
                if self._password is None:
                    raise TransientError("an SMTP username is set but no password")
                conn.login(self.username, self._password())
        except BaseException:
            conn.close()
            raise
        return conn

    def _connection(self) -> smtplib.SMTP:
        if self._conn is not None:
            try:
                if self._conn.noop()[0] == 250:
                    return self._conn
            except (smtplib.SMTPException, OSError):
                pass
            self.close()
        self._conn = self._connect()
        return self._conn

    def send(self, msg: EmailMessage) -> str:
        try:
            conn = self._connection()
            refused = conn.send_message(msg)
        except TransientError:
            self.close()
            raise
        except smtplib.SMTPRecipientsRefused as e:
            # Every recipient refused (we send to one): its reply decides.
            codes = list(e.recipients.values())
            code, text = codes[0] if codes else (550, b"recipient refused")
            raise _classify(code, text) from e
        except (smtplib.SMTPConnectError, smtplib.SMTPHeloError) as e:
            self.close()
            raise TransientError(
                f"SMTP {self.host}:{self.port} refused the session: "
                f"{_reply(e.smtp_code, e.smtp_error)}"
            ) from e
        except smtplib.SMTPAuthenticationError as e:
            self.close()
            raise TransientError(f"SMTP login failed: {_reply(e.smtp_code, e.smtp_error)}") from e
        except smtplib.SMTPResponseException as e:  # sender refused, data refused, …
            if e.smtp_code >= 500:
                # The connection is still usable after a 5xx about one message; reset it.
                self._reset()
            else:
                self.close()
            raise _classify(e.smtp_code, e.smtp_error) from e
        except (smtplib.SMTPException, ssl.SSLError, OSError) as e:
            self.close()
            raise TransientError(f"SMTP {self.host}:{self.port}: {e}") from e
        if refused:
            code, text = next(iter(refused.values()))
            raise _classify(code, text)
        return str(msg.get("Message-ID", ""))

    def _reset(self) -> None:
        if self._conn is None:
            return
        try:
            self._conn.rset()
        except (smtplib.SMTPException, OSError):
            self.close()

    def close(self) -> None:
        """Say QUIT and drop the connection (the sender calls this after its run)."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.quit()
        except (smtplib.SMTPException, OSError):
            conn.close()
