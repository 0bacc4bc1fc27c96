"""MCP logging for clients up to protocol 2025-11-25: logging/setLevel, and a call's log records sent to its client."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client, MCPDeprecationWarning

from octolens_mcp.mcp.server import build_server
from octolens_sandbox import Sandbox, SandboxTransport
from tests.conftest import CANARY_KEY, settings

pytestmark = pytest.mark.anyio


async def test_a_calls_log_records_reach_its_client_at_the_level_it_set(sandbox: Sandbox) -> None:
    received: list[Any] = []

    async def on_log(params: Any) -> None:
        received.append(params)

    server = build_server(settings(), transport=SandboxTransport(sandbox))
    async with Client(server, logging_callback=on_log, mode="legacy") as client:
        await client.call_tool("get_feed", {"id": 9999})  # logs "get_feed failed: FEED_NOT_FOUND" at INFO
        assert received == []  # below the default threshold (warning)
        with pytest.warns(MCPDeprecationWarning):  # the client's own note that the capability is deprecated
            await client.set_logging_level("info")
        await client.call_tool("get_feed", {"id": 9999})
    messages = [str(p.data) for p in received]
    assert any("get_feed failed: FEED_NOT_FOUND" in m for m in messages)
    assert all(p.level in {"info", "warning", "error", "critical"} for p in received)
    assert all(CANARY_KEY not in m for m in messages)
