"""The sandbox's getRecentlyModifiedSubmissions keeps Graph's documented rules."""

from __future__ import annotations

from datetime import timedelta

import httpx

from config.settings import MicrosoftSettings
from connector.graph import GRAPH_SCOPE, build_credential
from connector.records import SubmissionState
from connector.sandbox.graph import SANDBOX_CLIENT_SECRET
from connector.sandbox.world import World


def _get(settings: MicrosoftSettings, url: str) -> httpx.Response:
    token = build_credential(settings, client_secret=SANDBOX_CLIENT_SECRET).get_token(GRAPH_SCOPE)
    return httpx.get(settings.base_url + url, headers={"Authorization": f"Bearer {token.token}"})


def _recent(world: World) -> tuple[str, str]:
    sub = next(s for s in world.scenario.submissions if s.state is SubmissionState.ASSIGNED)
    return f"/education/classes/{sub.class_id}/getRecentlyModifiedSubmissions()", sub.id


def test_a_changed_since_range_returns_only_what_changed_newest_first(
    settings: MicrosoftSettings, world: World
) -> None:
    url, sub_id = _recent(world)
    since = world.now.strftime("%Y-%m-%dT%H:%M:%SZ")
    world.advance(timedelta(minutes=5))
    world.turn_in(sub_id)

    every = _get(settings, url).json()["value"]
    changed = _get(settings, f"{url}?$filter=lastModifiedDateTime ge {since}").json()["value"]

    assert len(every) > 1
    assert [s["id"] for s in changed] == [sub_id]
    stamps = [s["lastModifiedDateTime"] for s in every]
    assert stamps == sorted(stamps, reverse=True)  # the documented default order


def test_equality_on_the_modified_time_is_refused_as_graph_documents(
    settings: MicrosoftSettings, world: World
) -> None:
    url, _ = _recent(world)
    answer = _get(settings, f"{url}?$filter=lastModifiedDateTime eq 2026-11-20T15:00:00Z")
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "BadRequest"
    assert _get(settings, f"{url}?$filter=status eq 'submitted'").status_code == 400
