"""Replay a scripted agent triage session against the sandbox and print what the client layer costs.

Prints the upstream requests the session needs with and without the reference-data cache, and
the median latency added per call over a direct HTTP request to the same in-process sandbox by:
the client layer alone (OctolensClient.send); our call path (mcp.call.call_tool: argument and
output validation, result shaping, the client); and a whole in-memory MCP session, which adds
the SDK client's own JSON Schema validation of every result (a host's cost, not the server's).
Usage: python scripts/bench_session.py [repeats]
"""

from __future__ import annotations

import statistics
import sys
import time
from dataclasses import replace
from typing import Any

import anyio
import httpx2
from mcp import Client

from octolens_mcp.config import Settings
from octolens_mcp.http.client import OctolensClient
from octolens_mcp.http.wire import WireRequest
from octolens_mcp.mcp import manifest
from octolens_mcp.mcp.call import call_tool
from octolens_mcp.mcp.server import build_server
from octolens_sandbox import DEMO_KEY, SANDBOX_BASE_URL, Sandbox, SandboxTransport

BASE = Settings(api_key=DEMO_KEY, base_url=SANDBOX_BASE_URL, toolsets=("all",))


async def triage_session(client: Client, sandbox: Sandbox) -> int:
    """A morning triage: orient, read negative mentions, act on five, tune keywords and filters."""
    calls: list[tuple[str, dict[str, Any]]] = [
        ("get_auth_info", {}),
        ("get_usage", {}),
        ("list_keywords", {}),
        ("list_tags", {}),
        ("list_feeds", {}),
        ("list_mentions", {"filters": {"sentiment": ["negative"]}, "limit": 20}),
    ]
    for name, arguments in calls:
        await client.call_tool(name, arguments)
    count = len(calls)
    negative = [m for m in sandbox.mentions if m["sentiment"] == "Negative" and m["relevanceScore"] < 2][:5]
    for mention in negative:
        for name, arguments in (
            ("get_mention", {"sourceId": mention["sourceId"]}),
            ("list_keywords", {}),
            ("update_mention", {"sourceId": mention["sourceId"], "engaged": True}),
            ("submit_feedback", {"sourceId": mention["sourceId"], "feedbackType": "RELEVANT"}),
        ):
            await client.call_tool(name, arguments)
            count += 1
    tail: list[tuple[str, dict[str, Any]]] = [
        ("list_keyword_suggestions", {}),
        ("accept_keyword_suggestion", {"suggestionId": 100}),
        ("list_keywords", {}),
        ("get_sentiment_breakdown", {}),
        ("get_global_filters", {}),
        ("add_global_filter_values", {"list": "negativeAuthors", "values": ["spam_bot_9001"]}),
        ("get_global_filters", {}),
        ("list_tags", {}),
        ("list_feeds", {}),
        (
            "create_feed",
            {
                "name": "Negative on Reddit",
                "simpleFilters": {
                    "conditions": [
                        {"field": "Source", "values": "reddit"},
                        {"field": "Sentiment", "values": "Negative"},
                    ]
                },
            },
        ),
        ("list_feeds", {}),
        ("get_org", {}),
        ("get_company", {}),
        ("list_members", {}),
        ("get_usage", {}),
    ]
    for name, arguments in tail:
        await client.call_tool(name, arguments)
    return count + len(tail)


async def upstream_requests(cache_ttl: float) -> tuple[int, int]:
    sandbox = Sandbox(rate_limit=1_000_000)
    server = build_server(replace(BASE, cache_ttl=cache_ttl), transport=SandboxTransport(sandbox))
    async with Client(server) as client:
        calls = await triage_session(client, sandbox)
    return calls, sandbox.count()


PROBES: list[tuple[str, dict[str, Any], WireRequest]] = [
    ("list_keywords", {}, WireRequest("GET", "/keywords")),
    ("get_org", {}, WireRequest("GET", "/org")),
    ("list_feeds", {}, WireRequest("GET", "/feeds")),
    ("list_mentions", {"limit": 20}, WireRequest("POST", "/mentions", body={"limit": 20})),
]


async def added_latency(repeats: int) -> tuple[float, float, float]:
    sandbox = Sandbox(rate_limit=1_000_000)
    transport = SandboxTransport(sandbox)
    raw = httpx2.AsyncClient(
        base_url=SANDBOX_BASE_URL, transport=transport, headers={"Authorization": f"Bearer {DEMO_KEY}"}
    )
    client = OctolensClient(base_url=SANDBOX_BASE_URL, api_key=DEMO_KEY, transport=transport, cache_ttl=0)
    settings = replace(BASE, cache_ttl=0)
    server = build_server(settings, transport=transport)
    layers = OctolensClient(base_url=SANDBOX_BASE_URL, api_key=DEMO_KEY, transport=transport, cache_ttl=0)
    schemas = {tool["name"]: tool["inputSchema"] for tool in manifest.load()}
    client_deltas: list[float] = []
    server_deltas: list[float] = []
    stack_deltas: list[float] = []
    async with Client(server) as session:
        for _ in range(repeats):
            for name, arguments, request in PROBES:
                start = time.perf_counter()
                await raw.request(request.method, request.path, json=request.body)
                direct = time.perf_counter() - start
                start = time.perf_counter()
                await client.send(request, write=False, deadline=time.monotonic() + 30)
                via_client = time.perf_counter() - start
                start = time.perf_counter()
                await call_tool(layers, name, arguments, schemas[name], None, settings=settings)
                via_server = time.perf_counter() - start
                start = time.perf_counter()
                await session.call_tool(name, arguments)
                via_session = time.perf_counter() - start
                client_deltas.append(via_client - direct)
                server_deltas.append(via_server - direct)
                stack_deltas.append(via_session - direct)
    await raw.aclose()
    await client.aclose()
    await layers.aclose()
    client_ms, server_ms, session_ms = (
        statistics.median(d) * 1000 for d in (client_deltas, server_deltas, stack_deltas)
    )
    return client_ms, server_ms, session_ms


async def main(repeats: int) -> None:
    calls, cached = await upstream_requests(cache_ttl=30)
    _, uncached = await upstream_requests(cache_ttl=0)
    print(f"scripted triage session: {calls} tool calls")
    print(f"upstream requests with the cache:    {cached}")
    print(f"upstream requests without the cache: {uncached}")
    client_ms, server_ms, session_ms = await added_latency(repeats)
    print(f"median added latency per call, client layer (OctolensClient.send):     {client_ms:.2f} ms")
    print(f"median added latency per call, our call path (mcp.call.call_tool):     {server_ms:.2f} ms")
    print(f"median added latency per call, in-memory MCP session (+SDK client):    {session_ms:.2f} ms")


if __name__ == "__main__":
    anyio.run(main, int(sys.argv[1]) if len(sys.argv) > 1 else 25)
