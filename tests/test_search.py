"""On-demand search: run (with 202 polling), poll, list."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from octolens_sandbox import Sandbox
from tests.conftest import connect, fails, ok, records, sent

pytestmark = pytest.mark.anyio


async def test_run_search_completes_and_is_listed(client: Client, sandbox: Sandbox) -> None:
    result = await ok(
        client, "run_search", {"query": "Heliograph", "sources": ["reddit", "hackernews"], "maxResults": 20}
    )
    assert result["status"] == "completed" and result["searchId"].startswith("srch_")
    assert result["stats"]["mentionsConsumed"] >= 0 and records(result, "mentions")
    assert any(m.get("alreadyInWorkspace") for m in records(result, "mentions"))
    assert sandbox.count("POST /search") == 1
    listed = await ok(client, "list_searches")
    assert records(listed)[0]["searchId"] == result["searchId"] and records(listed)[0]["query"] == "Heliograph"
    again = await ok(client, "get_search", {"searchId": result["searchId"]})
    assert again["status"] == "completed" and again["query"] == "Heliograph"


async def test_a_search_done_within_the_blocking_wait_costs_one_request(sandbox: Sandbox) -> None:
    sandbox.search_polls_needed = 3  # 3 s of work at one poll a second: within the 5 s polling window
    sandbox.search_retry_after = 1
    async with connect(sandbox) as client:
        result = await ok(client, "run_search", {"query": "analytics", "maxResults": 10})
    assert result["status"] == "completed" and result["searchId"].startswith("srch_")
    assert [r.operation for r in sandbox.requests] == ["POST /search"]
    ((_, body),) = sent(sandbox, "POST /search")
    # The first request blocks for the whole polling window (search_wait 5 s), never more than 25 s.
    assert body == {"query": "analytics", "maxResults": 10, "waitMs": body["waitMs"]}
    assert 4_000 < body["waitMs"] <= 5_000


async def test_the_blocking_wait_is_capped_at_what_the_api_allows(sandbox: Sandbox) -> None:
    async with connect(sandbox, search_wait=120.0) as client:
        await ok(client, "run_search", {"query": "analytics"})
    assert sent(sandbox, "POST /search")[0][1]["waitMs"] == 25_000


async def test_the_agents_own_wait_is_sent_as_given(sandbox: Sandbox) -> None:
    sandbox.search_polls_needed = 2
    sandbox.search_retry_after = 0
    async with connect(sandbox) as client:
        result = await ok(client, "run_search", {"query": "analytics", "waitMs": 1000})
    assert result["status"] == "completed"
    assert sent(sandbox, "POST /search")[0][1] == {"query": "analytics", "waitMs": 1000}
    # A second's wait covered one poll's work; the other is polled for.
    assert [r.operation for r in sandbox.requests] == ["POST /search", "GET /search/{searchId}"]


async def test_running_search_is_polled_until_completed_with_progress(sandbox: Sandbox) -> None:
    sandbox.search_polls_needed = 6  # the blocking wait (just under 5 s) covers four polls' work; two are left
    sandbox.search_retry_after = 0
    messages: list[str | None] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        messages.append(message)

    async with connect(sandbox) as client:
        result = await client.call_tool("run_search", {"query": "analytics"}, progress_callback=on_progress)
    assert not result.is_error and result.structured_content is not None
    assert result.structured_content["status"] == "completed"
    assert sandbox.count("POST /search") == 1 and sandbox.count("GET /search/{searchId}") == 2
    assert len(messages) == 2 and all(m and "running" in m for m in messages)


async def test_search_still_running_hands_back_its_id(sandbox: Sandbox) -> None:
    sandbox.search_polls_needed = 50
    sandbox.search_retry_after = 1
    async with connect(sandbox, search_wait=0.5) as client:
        result: dict[str, Any] = await ok(client, "run_search", {"query": "analytics"})
        assert result["status"] == "running" and result["pollUrl"].endswith(result["searchId"])
        polled = await ok(client, "get_search", {"searchId": result["searchId"]})
        assert polled["status"] == "running"


async def test_unknown_search(client: Client) -> None:
    error = await fails(client, "get_search", {"searchId": "srch_doesnotexist"})
    assert error["code"] == "SEARCH_NOT_FOUND" and "list_searches" in error["hint"]
