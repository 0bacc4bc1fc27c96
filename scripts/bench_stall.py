"""How long one very large answer pauses the server's event loop (when no other call can move).

Serves a 50,000-row ``POST /mentions/export`` answer (about 55 MB of JSON) from memory and calls
``export_mentions`` with ``output: "result"`` (the heaviest path: the whole answer is validated,
cleaned, redacted and cut to the result budget), while a ticker on the same event loop wakes every
10 ms and records how late it woke. Prints the answer's size, the call's time and the longest and
99th-percentile pauses. Usage: python scripts/bench_stall.py [rows]
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from typing import Any

import anyio
import httpx2
from mcp import Client

from octolens_mcp.config import Settings
from octolens_mcp.mcp.server import build_server

TICK = 0.01
BASE_URL = "https://app.octolens.test/api/v2"


def mention(index: int) -> dict[str, Any]:
    return {
        "id": index,
        "sourceId": f"reddit_t3_{index:07d}",
        "url": f"https://www.reddit.com/r/analytics/comments/{index}",
        "title": "Which analytics stack are you using this year?",
        "body": "We moved our product analytics last quarter and want to compare notes. " * 7,
        "source": "reddit",
        "timestamp": "2026-11-20 09:30:00.000",
        "author": f"user{index}",
        "authorName": f"User {index}",
        "authorAvatar": "https://styles.redditmedia.com/avatar.png",
        "authorUrl": f"https://www.reddit.com/user/user{index}",
        "authorFollowers": index % 5000,
        "relevance": "relevant",
        "relevanceComment": "Asks for analytics tools; a buying signal for the tracked product.",
        "sentiment": "Neutral",
        "language": "english",
        "tags": ["buy_intent"],
        "keywords": [{"id": 1, "keyword": "analytics"}],
        "engaged": False,
        "relevanceScore": 0,
    }


async def measure(body: bytes, rows: int) -> tuple[float, list[float]]:
    def answer(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, content=body, headers={"Content-Type": "application/json"})

    settings = Settings(
        api_key="ak_bench_0123456789abcdef",
        base_url=BASE_URL,
        toolsets=("all",),
        scope_filter=False,
        max_response_bytes=256 * 1024 * 1024,
        timeout=120.0,
    )
    server = build_server(settings, transport=httpx2.MockTransport(answer))
    lateness: list[float] = []
    took: list[float] = []
    async with Client(server) as client:

        async def export() -> None:
            started = time.perf_counter()
            result = await client.call_tool("export_mentions", {"limit": rows, "output": "result"})
            took.append(time.perf_counter() - started)
            if result.is_error:
                raise SystemExit(f"export_mentions failed: {result.content}")

        async with anyio.create_task_group() as group:
            group.start_soon(export)
            while not took:
                due = time.perf_counter() + TICK
                await anyio.sleep(TICK)
                lateness.append(time.perf_counter() - due)
    return took[0], lateness


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    body = json.dumps({"data": [mention(index) for index in range(rows)]}).encode()
    took, lateness = anyio.run(measure, body, rows)
    ordered = sorted(lateness)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    print(f"export_mentions output=result, {rows} rows, {len(body) / 1e6:.1f} MB answer: call {took:.2f} s")
    print(
        f"event-loop pauses while it ran: longest {max(lateness) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
        f"median {statistics.median(lateness) * 1000:.1f} ms ({len(lateness)} ticks of {TICK * 1000:.0f} ms)"
    )


if __name__ == "__main__":
    main()
