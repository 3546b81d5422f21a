"""Every kind of answer the meetings sandbox gives matches Graph's schema: msgraph-sdk's
models parse it with nothing left over, and (where the v1.0 slice has the path) openapi-core
validates it. The slice has no ``/users/{id}/calendarView``: events are checked by the SDK."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
import pytest
import requests
from kiota_serialization_json.json_parse_node import JsonParseNode
from msgraph.generated.models.attendance_record_collection_response import (
    AttendanceRecordCollectionResponse,
)
from msgraph.generated.models.call_recording_collection_response import (
    CallRecordingCollectionResponse,
)
from msgraph.generated.models.event_collection_response import EventCollectionResponse
from msgraph.generated.models.meeting_attendance_report_collection_response import (
    MeetingAttendanceReportCollectionResponse,
)
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.online_meeting import OnlineMeeting
from msgraph.generated.models.online_meeting_collection_response import (
    OnlineMeetingCollectionResponse,
)
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

from config.settings import MicrosoftSettings
from connector.graph import GRAPH_SCOPE, build_credential
from connector.sandbox.graph import SANDBOX_CLIENT_SECRET
from connector.sandbox.graph.meetings import MeetingsState, meeting_id
from connector.sandbox.world import World
from tests.graph.test_graph_schema import SPEC_SERVER, _leftovers, _openapi


def _cases(world: World) -> list[tuple[str, Any, bool]]:
    """(URL under /v1.0, SDK model, whether the slice has the path)."""
    le = next(x for x in world.scenario.lessons if x.recorded and x.ended_at <= world.now
              and len(x.attendance) > 2)
    uid = le.organiser_id
    om = f"/users/{uid}/onlineMeetings/{meeting_id(uid, le.meeting_code)}"
    since, until = (le.started_at.isoformat(), le.ended_at.isoformat())
    return [
        (f"/users/{uid}/calendarView?startDateTime={quote(since)}&endDateTime={quote(until)}",
         EventCollectionResponse, False),
        (f"/users/{uid}/onlineMeetings?$filter=" + quote(f"JoinWebUrl eq '{le.meeting_code}'"),
         OnlineMeetingCollectionResponse, True),
        (om, OnlineMeeting, True),
        (f"{om}/attendanceReports", MeetingAttendanceReportCollectionResponse, True),
        (f"{om}/attendanceReports/{le.id}/attendanceRecords",
         AttendanceRecordCollectionResponse, True),
        (f"{om}/recordings", CallRecordingCollectionResponse, True),
    ]


@pytest.fixture
def token(settings: MicrosoftSettings) -> str:
    return build_credential(settings, client_secret=SANDBOX_CLIENT_SECRET).get_token(
        GRAPH_SCOPE).token


def _get(settings: MicrosoftSettings, token: str, url: str) -> httpx.Response:
    return httpx.get(settings.base_url + url, headers={"Authorization": f"Bearer {token}"})


def test_every_meetings_answer_parses_into_the_sdk_models_with_nothing_left_over(
    settings: MicrosoftSettings, world: World, token: str, meetings: MeetingsState
) -> None:
    problems = []
    cases = _cases(world)
    for url, model, _ in cases:
        answer = _get(settings, token, url)
        assert answer.status_code == 200, url
        body = answer.json()
        assert body.get("value", [body]), url
        problems += [f"{url}: {p}" for p in
                     _leftovers(JsonParseNode(body).get_object_value(model))]
    meetings.access_policy = False
    denied = _get(settings, token, cases[1][0])
    assert denied.status_code == 403
    problems += _leftovers(JsonParseNode(denied.json()).get_object_value(ODataError))
    assert problems == []


def test_every_meetings_answer_validates_against_the_graph_openapi_slice(
    settings: MicrosoftSettings, world: World, token: str
) -> None:
    api = _openapi()
    for url, _, in_slice in _cases(world):
        if not in_slice:
            continue
        answer = _get(settings, token, url)
        req = requests.Request("GET", f"{SPEC_SERVER}/v1.0{url}")
        resp = requests.Response()
        resp.status_code = answer.status_code
        resp._content = answer.content
        resp.headers.update({"Content-Type": "application/json"})
        api.validate_response(RequestsOpenAPIRequest(req), RequestsOpenAPIResponse(resp))
