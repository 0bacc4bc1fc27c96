"""Dynamic toolsets: a small start, toolsets enabled by the agent, tools/list_changed when the list grows."""

from __future__ import annotations

import json
from typing import Any

import anyio
import pytest
from mcp import Client, MCPError
from mcp_types import ToolListChangedNotification

from octolens_mcp.mcp.server import build_server
from octolens_sandbox import Sandbox, SandboxTransport
from tests.conftest import error_of, ok, settings
from tests.installed_command import environment
from tests.test_stdio import _exchange, _session

pytestmark = pytest.mark.anyio

START = {"list_toolsets", "enable_toolset", "list_mentions", "get_mention", "list_keywords"}


async def test_a_dynamic_session_starts_small_and_grows_on_request(sandbox: Sandbox) -> None:
    notices: list[Any] = []

    async def on_message(message: Any) -> None:
        if isinstance(message, ToolListChangedNotification):
            notices.append(message)

    server = build_server(settings(dynamic_toolsets=True), transport=SandboxTransport(sandbox))
    async with Client(server, message_handler=on_message, mode="legacy") as client:
        assert {tool.name for tool in (await client.list_tools()).tools} == START
        with pytest.raises(MCPError, match="enable_toolset with feeds"):
            await client.call_tool("get_feed", {"id": 1})
        assert sandbox.count() == 0

        toolsets = await ok(client, "list_toolsets")
        feeds = next(t for t in toolsets["toolsets"] if t["name"] == "feeds")
        assert feeds["enabled"] is False and "get_feed" in feeds["tools"]

        enabled = await ok(client, "enable_toolset", {"toolsets": ["feeds", "members"]})
        assert enabled["enabled"] == ["feeds", "members"] and "get_feed" in enabled["addedTools"]
        names = {tool.name for tool in (await client.list_tools()).tools}
        assert START | {"get_feed", "list_members", "remove_member"} <= names
        assert (await ok(client, "get_feed", {"id": 1}))["id"] == 1
        again = await ok(client, "enable_toolset", {"toolsets": ["feeds"]})
        assert again["addedTools"] == []
    assert notices, "no notifications/tools/list_changed arrived"


async def test_the_tool_list_is_the_same_each_time_until_toolsets_are_enabled(sandbox: Sandbox) -> None:
    # The wire form of a list is kept (mcp.tool_list_cache): never the one from before enabling.
    server = build_server(settings(dynamic_toolsets=True), transport=SandboxTransport(sandbox))
    async with Client(server, mode="legacy") as client:
        first, second = await client.list_tools(), await client.list_tools()
        assert first == second
        await ok(client, "enable_toolset", {"toolsets": ["feeds"]})
        grown, again = await client.list_tools(), await client.list_tools()
        assert grown == again
        names, before = {tool.name for tool in grown.tools}, {tool.name for tool in first.tools}
        assert before < names and {"get_feed", "list_feeds"} <= names - before


async def test_a_2026_client_hears_of_the_change_on_its_listen_stream(sandbox: Sandbox) -> None:
    server = build_server(settings(dynamic_toolsets=True), transport=SandboxTransport(sandbox))
    async with Client(server) as client, client.listen(tools_list_changed=True) as events:
        await ok(client, "enable_toolset", {"toolsets": ["org"]})
        with anyio.fail_after(5):
            event = await events.__anext__()
        assert type(event).__name__ == "ToolsListChanged"
        assert "get_org" in {tool.name for tool in (await client.list_tools()).tools}


async def test_an_unknown_toolset_is_refused(sandbox: Sandbox) -> None:
    server = build_server(settings(dynamic_toolsets=True), transport=SandboxTransport(sandbox))
    async with Client(server) as client:
        body = error_of(await client.call_tool("enable_toolset", {"toolsets": ["nope"]}))
    assert body["error"]["code"] == "VALIDATION_ERROR" and "feeds" in body["error"]["details"][0]["message"]


async def test_hints_in_a_dynamic_session_say_how_to_get_a_tool(sandbox: Sandbox) -> None:
    server = build_server(settings(dynamic_toolsets=True), transport=SandboxTransport(sandbox))
    async with Client(server) as client:
        body = error_of(await client.call_tool("get_mention", {"sourceId": "nope_1"}))
    assert "list_mentions" in body["hint"]
    search = await _hint_for_search_not_found(sandbox)
    assert "list_searches (not listed yet; call enable_toolset with search)" in search


async def _hint_for_search_not_found(sandbox: Sandbox) -> str:
    server = build_server(settings(dynamic_toolsets=True), transport=SandboxTransport(sandbox))
    async with Client(server) as client:
        await ok(client, "enable_toolset", {"toolsets": ["search"]})
        await ok(client, "list_searches")
    # Any hint naming a tool outside the session's list gets the enable_toolset note: render one directly.
    from octolens_mcp.mcp.exposure import Exposure
    from octolens_mcp.mcp.manifest import load

    exposure = Exposure(load(), load(), dynamic=True, read_only=False)
    return exposure.visibility().render("call list_searches for valid ids")


@pytest.mark.parametrize(("args", "changes"), [(["--demo", "--dynamic-toolsets"], True), (["--demo"], False)])
async def test_stdio_advertises_list_changed_only_when_the_list_can_change(args: list[str], changes: bool) -> None:
    lines, _ = await _exchange(args, environment(), _session())
    initialized = next(json.loads(line) for line in lines if json.loads(line).get("id") == 1)
    assert initialized["result"]["capabilities"]["tools"]["listChanged"] is changes
