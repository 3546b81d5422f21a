"""A stop while the Google connector waits out a Retry-After: the classes committed stay,
the one being read is not half-stored, and the next run reads it."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from connector.google.source import GoogleClassSource
from connector.sandbox.google import google_fault, service_account_info
from connector.sandbox.scenario import generate
from connector.sandbox.server import Fault
from connector.stop import StopSignal
from sync.models import RunStatus, SchoolClass, SyncCursor, SyncRun
from sync.runner import RUN_STREAM

from .harness import Harness, harness

pytestmark = pytest.mark.postgres


def _stop_once_refused(fault: Fault, stop: StopSignal) -> None:
    """Set ``stop`` as soon as the sandbox has refused a call: the connector is waiting."""

    def watch() -> None:
        deadline = time.monotonic() + 60
        while fault._seen == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        stop.set()

    threading.Thread(target=watch, daemon=True).start()


def _stored(h: Harness) -> set[str]:
    with h.sessions() as s:
        return set(s.scalars(select(SchoolClass.platform_id)))


def test_a_stop_during_a_retry_wait_keeps_committed_classes_and_leaves_the_rest_for_later(
    migrated_url: str, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with harness(generate("small", 1), migrated_url, session_factory, tmp_path) as h:
        last = [c.platform_id for c in h.source().list_classes()][-1]  # read last
        # One batch at a time, so the classes read before the throttled one are committed
        # before it is asked for; its every call is refused with a two-minute Retry-After.
        conf = h.settings.google.model_copy(update={"concurrency": 1})
        stop = StopSignal()
        source = GoogleClassSource(conf, h.school, service_account_info(h.sandbox.url),
                                   stop=stop)
        storm = h.sandbox.inject(google_fault(429, rf"^/v1/courses/{last}/", times=-1,
                                              retry_after_s=120))
        _stop_once_refused(storm, stop)

        started = time.monotonic()
        run = h.sync(full=True, source=source)

        assert time.monotonic() - started < 60  # the 120 s wait was not sat out
        assert run.status is RunStatus.FAILED and run.error == "stopped"
        assert 0 < run.classes_done < 30
        stored = _stored(h)
        assert last not in stored and len(stored) == run.classes_done
        with h.sessions() as s:
            row = s.get_one(SyncRun, run.run_id)
            assert (row.status, row.classes_done) == (RunStatus.FAILED, run.classes_done)
            marked = s.scalars(
                select(SyncCursor.partition).where(
                    SyncCursor.stream == RUN_STREAM, SyncCursor.value == str(run.run_id)
                )
            ).all()
            # Cursors moved only with the classes they cover.
            assert set(marked) == stored
            assert not s.scalars(
                select(SyncCursor).where(SyncCursor.partition == last)
            ).all()

        h.sandbox.faults.remove(storm)
        again = h.sync()

        assert again.status is RunStatus.SUCCEEDED
        assert len(_stored(h)) == 30 and last in _stored(h)
