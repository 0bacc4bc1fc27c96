"""What each result reports about its own call: quota headers, its own rate budget, hints that name reachable tools.

Also the retry policy's edges: the 429 wait cap applies to 429s only.
"""

from __future__ import annotations

import json
import time
from typing import Any

import anyio
import httpx2
import pytest

from octolens_sandbox import Fault, FaultySandbox, Sandbox
from tests.conftest import connect, error_of, fails, ok
from tests.test_wire import RESET_AT, answered_by, literal

pytestmark = pytest.mark.anyio


async def test_search_results_carry_the_quota_headers(sandbox: FaultySandbox) -> None:
    agents = Sandbox(keys=dict(sandbox.keys), plan="Agents")
    async with connect(agents) as client:
        result = await client.call_tool("run_search", {"query": "acme", "maxResults": 5})
        listed = await client.call_tool("list_searches", {})
    assert not result.is_error and result.structured_content is not None and result.meta is not None
    quota = result.structured_content["quota"]
    assert quota == result.meta["octolens/searchQuota"]
    assert quota["searchesRemaining"] == agents.search_limit - agents.searches_used
    assert quota["mentionsRemaining"] == agents.mention_quota - agents.mentions_used
    assert listed.structured_content is not None and listed.structured_content["quota"] == quota


async def test_each_result_reports_its_own_rate_budget() -> None:
    """Concurrent calls answered with different budgets each report their own, not whichever finished last."""
    remaining = {"/api/v2/org": "10", "/api/v2/tags": "20", "/api/v2/feeds": "30"}
    delays = {"/api/v2/org": 0.3, "/api/v2/tags": 0.0, "/api/v2/feeds": 0.15}
    bodies: dict[str, Any] = {"/api/v2/org": {"organizationId": "org_1"}, "/api/v2/tags": {"data": []}}

    async def handler(request: httpx2.Request) -> httpx2.Response:
        path = request.url.path
        await anyio.sleep(delays[path])
        headers = {"X-RateLimit-Limit": "500", "X-RateLimit-Remaining": remaining[path]}
        return httpx2.Response(200, json=bodies.get(path, {"data": []}), headers=headers)

    got: dict[str, Any] = {}
    async with answered_by(handler, cache_ttl=0) as (client, _):  # type: ignore[arg-type]

        async def run(tool: str, path: str) -> None:
            result = await client.call_tool(tool, {})
            assert result.meta is not None
            got[path] = result.meta["octolens/rateLimit"]["remaining"]

        async with anyio.create_task_group() as group:
            group.start_soon(run, "get_org", "/api/v2/org")
            group.start_soon(run, "list_tags", "/api/v2/tags")
            group.start_soon(run, "list_feeds", "/api/v2/feeds")
    assert got == {path: int(value) for path, value in remaining.items()}


async def test_wait_cap_zero_still_retries_reads(sandbox: FaultySandbox) -> None:
    """OCTOLENS_RATE_LIMIT_WAIT_CAP=0 means "never wait through a 429", not "never retry a read"."""
    sandbox.faults.append(Fault("status", route="GET /org", status=503, body=""))
    async with connect(sandbox, rate_limit_wait_cap=0) as client:
        org = await ok(client, "get_org")
    assert org["organizationId"] and sandbox.count("GET /org") == 2  # the 503, then the retry


async def test_wait_cap_zero_returns_a_429_at_once(sandbox: FaultySandbox) -> None:
    sandbox.faults.append(Fault("rate_limit", route="GET /org", retry_after=1))
    async with connect(sandbox, rate_limit_wait_cap=0) as client:
        start = time.monotonic()
        error = await fails(client, "get_org")
    assert error["code"] == "RATE_LIMITED" and time.monotonic() - start < 0.9


async def test_hints_name_hidden_tools_with_how_to_get_them() -> None:
    envelope = {"error": {"code": "KEYWORD_NOT_FOUND", "message": "no such keyword", "status": 404}}
    async with answered_by(literal(404, envelope), toolsets=("feeds",)) as (client, _):
        body = error_of(await client.call_tool("get_feed", {"id": 7}))
    assert "list_keywords (not exposed; start the server with the keywords toolset: --toolsets" in body["hint"]


async def test_hints_in_read_only_mode_say_the_write_tool_is_hidden() -> None:
    envelope = {"error": {"code": "QUOTA_EXCEEDED", "message": "quota spent", "status": 402}}
    async with answered_by(literal(402, envelope), read_only=True) as (client, _):
        body = error_of(await client.call_tool("list_searches", {}))
    assert "create_upgrade_link (a write tool, hidden by read-only mode: --read-only" in body["hint"]


async def test_verify_of_a_lost_write_names_only_reachable_tools(sandbox: FaultySandbox) -> None:
    sandbox.faults.append(Fault("drop_after", route="POST /keywords/{id}/pause"))
    async with connect(sandbox, toolsets=("keywords",)) as client:
        result = await client.call_tool("pause_keyword", {"id": 1})
    body = error_of(result)
    assert body["error"]["code"] == "RESPONSE_LOST"
    assert "list_keywords" in body["error"]["verify"] and "not exposed" not in json.dumps(body)


async def test_rate_limit_meta_is_the_answers_own(sandbox: FaultySandbox) -> None:
    async with connect(sandbox) as client:
        result = await client.call_tool("get_org", {})
    assert result.meta is not None
    budget = result.meta["octolens/rateLimit"]
    assert budget["limit"] == sandbox.rate_limit and 0 < budget["resetAt"] <= RESET_AT + 3600
