"""Faults in batches: status faults hit single inner calls, the rest the whole response."""

from __future__ import annotations

from typing import Any

import pytest
from googleapiclient.errors import HttpError
from googleapiclient.http import BatchHttpRequest

from connector.sandbox.server import Fault, Sandbox

from .conftest import Client
from .factories import MATHS_CALENDAR, MATHS_CODE, TEACHER


def _batch(sandbox: Sandbox, path: str, results: dict[str, Any]) -> BatchHttpRequest:
    def callback(request_id: str, response: Any, exception: HttpError | None) -> None:
        results[request_id] = exception if exception is not None else response

    return BatchHttpRequest(callback=callback, batch_uri=sandbox.url + path)


def test_a_status_fault_hits_one_calendar_call_inside_a_batch(
    sandbox: Sandbox, calendar: Client
) -> None:
    events = calendar(TEACHER).events()
    sandbox.inject(Fault(path=r"/events$", status=503))
    results: dict[str, Any] = {}
    batch = _batch(sandbox, "batch/calendar/v3", results)
    batch.add(events.list(calendarId=MATHS_CALENDAR), request_id="a")
    batch.add(events.list(calendarId=MATHS_CALENDAR), request_id="b")
    batch.execute()
    assert isinstance(results["a"], HttpError) and results["a"].status_code == 503
    assert len(results["b"]["items"]) == 3


def test_a_reset_fault_on_the_batch_drops_the_whole_response(
    sandbox: Sandbox, meet: Client
) -> None:
    records = meet(TEACHER).conferenceRecords()
    records.list().execute()  # token first
    sandbox.inject(Fault(path=r"^/batch$", kind="reset"))
    results: dict[str, Any] = {}
    batch = _batch(sandbox, "batch", results)
    batch.add(records.list(filter=f'space.meeting_code = "{MATHS_CODE}"'), request_id="a")
    with pytest.raises(OSError):
        batch.execute()
    retry = _batch(sandbox, "batch", results)
    retry.add(records.list(filter=f'space.meeting_code = "{MATHS_CODE}"'), request_id="a")
    retry.execute()
    assert len(results["a"]["conferenceRecords"]) == 2


def test_inner_calls_neither_fire_nor_use_up_a_connection_fault(
    sandbox: Sandbox, meet: Client
) -> None:
    records = meet(TEACHER).conferenceRecords()
    fault = sandbox.inject(Fault(path=r"/conferenceRecords$", kind="reset"))
    results: dict[str, Any] = {}
    batch = _batch(sandbox, "batch", results)
    batch.add(records.list(), request_id="a")
    batch.execute()
    assert "conferenceRecords" in results["a"]
    assert fault.times == 1  # still armed for a call sent on its own
