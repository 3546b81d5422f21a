"""Single HTTP edges of the Graph client, against respx (kiota's middleware still runs)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import respx
from kiota_abstractions.authentication import AnonymousAuthenticationProvider
from kiota_http.middleware.options import RetryHandlerOption
from msgraph.graph_request_adapter import GraphRequestAdapter
from msgraph_core import GraphClientFactory

from connector.graph.client import GraphClient
from connector.graph.pages import Get
from connector.source import RequestStats

BASE = "https://graph.microsoft.com/v1.0"


def _client(sleeps: list[float]) -> GraphClient:
    async def sleep(s: float) -> None:
        sleeps.append(s)

    http = GraphClientFactory.create_with_default_middleware(
        client=httpx.AsyncClient(),
        options={RetryHandlerOption.get_key(): RetryHandlerOption(max_retries=0)})
    adapter = GraphRequestAdapter(AnonymousAuthenticationProvider(), client=http)
    adapter.base_url = BASE
    return GraphClient(adapter, RequestStats(), sleep=sleep)


def _part(i: str, status: int, body: Any, headers: dict[str, str] | None = None) -> Any:
    return {"id": i, "status": status, "headers": headers or {}, "body": body}


def test_a_part_throttled_inside_a_200_batch_is_resent_after_its_retry_after() -> None:
    sleeps: list[float] = []
    seen: list[list[str]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        parts = json.loads(request.content)["requests"]
        seen.append([p["url"] for p in parts])
        if len(seen) == 1:
            return httpx.Response(200, json={"responses": [
                _part("0", 200, {"value": [{"id": "a"}]}),
                _part("1", 429, {"error": {"code": "TooManyRequests", "message": "slow"}},
                      {"Retry-After": "3"}),
            ]})
        raise AssertionError("a lone retried part needs no batch")

    with respx.mock(assert_all_called=False) as mock:
        mock.post(f"{BASE}/$batch").mock(side_effect=answer)
        # The retried part is alone in its round: it goes without $batch.
        mock.get(f"{BASE}/two").mock(
            return_value=httpx.Response(200, json={"value": [{"id": "b"}]}))
        client = _client(sleeps)
        out = asyncio.run(client.get_many([Get("one", "/one"), Get("two", "/two")]))

    assert [x["id"] for x in out["one"].items] == ["a"]
    assert [x["id"] for x in out["two"].items] == ["b"]
    assert sleeps == [3.0]
    assert client.stats.throttled == 1


def test_a_batch_part_that_is_not_found_is_reported_not_raised() -> None:
    with respx.mock as mock:
        mock.post(f"{BASE}/$batch").mock(return_value=httpx.Response(200, json={"responses": [
            _part("0", 404, {"error": {"code": "ResourceNotFound", "message": "gone"}}),
            _part("1", 200, {"value": []}),
        ]}))
        out = asyncio.run(_client([]).get_many([Get("x", "/x"), Get("y", "/y")]))
    assert out["x"].error is not None and out["x"].error.status == 404
    assert out["y"].error is None


def test_next_links_are_followed_as_relative_urls() -> None:
    with respx.mock as mock:
        mock.get(f"{BASE}/education/classes", params={"$skiptoken": "p2"}).mock(
            return_value=httpx.Response(200, json={"value": [{"id": "2"}]}))
        mock.get(f"{BASE}/education/classes").mock(return_value=httpx.Response(200, json={
            "value": [{"id": "1"}],
            "@odata.nextLink": f"{BASE}/education/classes?$skiptoken=p2"}))
        out = asyncio.run(_client([]).get_all("/education/classes"))
    assert [x["id"] for x in out.items] == ["1", "2"]


def test_a_retry_after_longer_than_three_minutes_is_capped() -> None:
    sleeps: list[float] = []
    with respx.mock as mock:
        mock.get(f"{BASE}/slow").mock(side_effect=[
            httpx.Response(503, headers={"Retry-After": "900"}, json={"error": {"code": "x"}}),
            httpx.Response(200, json={"value": []}),
        ])
        asyncio.run(_client(sleeps).get_all("/slow"))
    assert sleeps == [180.0]
