"""Webhooks: delivery-to-return latency, and API requests per hour for one agent watching one feed.

1. Latency: the team server in-process on loopback, the sandbox as its API; a feed connected with
   connect_feed_webhook. ROUNDS times, an MCP client waits in watch_mentions (waitSeconds 20), the
   sandbox adds a mention and POSTs the webhook to the server as Octolens does; measured from the start
   of that POST to watch_mentions's result arriving at the client (target < 100 ms).
2. Requests per hour, connected: the API requests the sandbox saw during those rounds, per hour of waiting.
3. Requests per hour, polling (the feed not connected, stdio): one agent calls watch_mentions
   (waitSeconds 50) back to back for a simulated hour (a fake clock), a new mention every ten minutes;
   the API requests the sandbox saw (target <= 60).

Usage: python scripts/bench_webhooks.py [ROUNDS]      (default 30)
"""

from __future__ import annotations

import statistics
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
from mcp import Client

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.fake_clock import FakeClock
from tests.http_harness import http_settings, mcp_session, running  # the tests' in-process server

from octolens_mcp.config import Settings
from octolens_mcp.mcp.server import build_server
from octolens_mcp.webhooks.receiver import hub_of
from octolens_sandbox import SANDBOX_BASE_URL, Sandbox, SandboxTransport

KEY = "ak_demo_admin"
FEED = 1
"""The demo's "Negative brand mentions" feed (keywords 1-2, Negative)."""


async def latency(rounds: int) -> tuple[list[float], int, float]:
    sandbox = Sandbox()
    sandbox.loopback_webhooks = True
    base = http_settings(webhook_secret="bench-secret", log_level="ERROR")
    settings = replace(base, public_url=f"http://127.0.0.1:{base.port}")
    samples: list[float] = []
    async with running(settings, SandboxTransport(sandbox)), mcp_session(settings, KEY) as session:
        assert not (await session.call_tool("connect_feed_webhook", {"feed": FEED})).is_error
        first = await session.call_tool("watch_mentions", {"waitSeconds": 0})
        cursor = (first.structured_content or {})["cursor"]
        before, waited = len(sandbox.requests), 0.0
        for _ in range(rounds):
            done: dict[str, Any] = {}

            async def watch(since: str, out: dict[str, Any] = done) -> None:
                result = await session.call_tool("watch_mentions", {"since": since, "waitSeconds": 20})
                out["at"] = time.perf_counter()
                out["result"] = result.structured_content or {}

            async with anyio.create_task_group() as group:
                began = time.perf_counter()
                group.start_soon(watch, cursor)
                await anyio.sleep(0.2)  # the call is waiting on the inbox
                sent = time.perf_counter()
                await sandbox.add_mention(sentiment="Negative")
            samples.append(done["at"] - sent)
            waited += done["at"] - began
            rows = done["result"].get("rows") or done["result"].get("data") or []
            assert len(rows) == 1, done["result"]
            cursor = done["result"]["cursor"]
        spent = len(sandbox.requests) - before
    return samples, spent, waited


async def polling_hour() -> tuple[int, int, int]:
    clock = FakeClock()
    sandbox = Sandbox(clock=clock.wall)
    settings = Settings(api_key=KEY, base_url=SANDBOX_BASE_URL, toolsets=("all",), scope_filter=False)
    server = build_server(settings, transport=SandboxTransport(sandbox))
    hub = hub_of(server)
    assert hub is not None
    hub.clock, hub.sleep, hub.wall = clock.monotonic, clock.sleep, clock.wall
    added = seen = 0
    next_add, cursor = 300.0, None
    async with Client(server) as client:
        while clock.now < 3600:
            while next_add <= clock.now:
                await sandbox.add_mention(_moment=datetime.fromtimestamp(clock.wall(), UTC), tags=["buy_intent"])
                added, next_add = added + 1, next_add + 600
            args: dict[str, Any] = {"feed": 3, "waitSeconds": 50, **({"since": cursor} if cursor else {})}
            result = (await client.call_tool("watch_mentions", args)).structured_content or {}
            seen += len(result.get("rows") or result.get("data") or [])
            cursor = result["cursor"]
    return sandbox.count(), added, seen


async def main(rounds: int) -> None:
    samples, spent, waited = await latency(rounds)
    ms = sorted(s * 1000 for s in samples)
    print(f"delivery -> watch_mentions result, {rounds} rounds (target < 100 ms):")
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    print(f"  median {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms, max {ms[-1]:.1f} ms")
    print(
        f"API requests while watching a connected feed: {spent} in {waited:.1f} s of watching -> "
        f"{spent * 3600 / waited:.0f} per hour (target 0)"
    )
    requests, added, seen = await polling_hour()
    print(
        f"polling fallback, one simulated hour: {requests} API requests (target <= 60); "
        f"{seen} of {added} new mentions returned"
    )


if __name__ == "__main__":
    anyio.run(main, int(sys.argv[1]) if len(sys.argv) > 1 else 30)
