"""The sandbox's $batch keeps Graph's rules."""

from __future__ import annotations

import httpx

from config.settings import MicrosoftSettings
from connector.graph import GRAPH_SCOPE, build_credential
from connector.sandbox.graph import SANDBOX_CLIENT_SECRET, GraphState, Limit
from connector.sandbox.world import World


def _post(settings: MicrosoftSettings, requests: list[dict[str, str]]) -> httpx.Response:
    token = build_credential(settings, client_secret=SANDBOX_CLIENT_SECRET).get_token(GRAPH_SCOPE)
    return httpx.post(f"{settings.base_url}/$batch", json={"requests": requests},
                      headers={"Authorization": f"Bearer {token.token}"})


def test_a_batch_of_more_than_twenty_requests_is_refused(settings: MicrosoftSettings) -> None:
    answer = _post(settings, [{"id": str(i), "method": "GET", "url": "/education/schools"}
                              for i in range(21)])
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "BadRequest"


def test_batch_ids_must_be_unique(settings: MicrosoftSettings) -> None:
    answer = _post(settings, [{"id": "1", "method": "GET", "url": "/education/schools"}] * 2)
    assert answer.status_code == 400


def test_a_throttled_part_is_a_429_inside_a_200(
    settings: MicrosoftSettings, state: GraphState, world: World
) -> None:
    state.assignment_limits = (Limit(1, 60.0),)
    cid = world.scenario.classes[0].id
    answer = _post(settings, [{"id": str(i), "method": "GET",
                               "url": f"/education/classes/{cid}/assignments"} for i in range(2)])
    assert answer.status_code == 200
    parts = sorted(answer.json()["responses"], key=lambda p: p["id"])
    assert [p["status"] for p in parts] == [200, 429]
    assert int(parts[1]["headers"]["Retry-After"]) >= 1
    assert parts[1]["body"]["error"]["code"] == "TooManyRequests"
