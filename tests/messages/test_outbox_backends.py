"""The outbox's crash points on SQLite and PostgreSQL (the claim is a compare-and-set)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jobs.outbox import SENDING_LEASE, _claim, send_due
from jobs.transports import MemoryTransport
from sync.models import MessageStatus, OutboundMessage
from tests.messages.rows import MORNING, queued


class Killed(BaseException):
    pass


class DiesMidSend:
    def send(self, msg: object) -> str:
        raise Killed


def test_a_kill_mid_send_leaves_a_lease_then_the_message_goes_exactly_once(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory() as db:
        queued(db)
    with pytest.raises(Killed):
        send_due(session_factory, DiesMidSend(), now=MORNING)  # type: ignore[arg-type]
    transport = MemoryTransport()
    assert send_due(session_factory, transport, now=MORNING + timedelta(minutes=1)) == 0
    for minutes in (0, 1, 60):
        send_due(
            session_factory, transport, now=MORNING + SENDING_LEASE + timedelta(minutes=minutes)
        )
    assert len(transport.sent) == 1
    with session_factory() as db:
        row = db.scalars(select(OutboundMessage)).one()
        assert (row.status, row.attempts) == (MessageStatus.SENT, 2)


def test_a_row_another_sender_claimed_first_is_left_alone(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory() as db:
        queued(db)
    with session_factory() as first, session_factory() as second:
        due, mine = _claim(first, now=MORNING)
        assert due and mine is not None
        due, theirs = _claim(second, now=MORNING)
        assert (due, theirs) == (False, None)  # leased: no longer due
