"""Global filter lists and the Slack integration."""

from __future__ import annotations

import pytest
from mcp import Client

from octolens_sandbox import Sandbox
from tests.conftest import connect, fails, ok

pytestmark = pytest.mark.anyio


async def test_add_and_remove_values(client: Client) -> None:
    added = await ok(client, "add_global_filter_values", {"list": "negativeSubreddits", "values": ["r/Jobs", "memes"]})
    assert added["added"] == ["jobs"] and added["dropped"] == [] and added["values"] == ["memes", "jobs"]
    refused = await ok(client, "add_global_filter_values", {"list": "positiveSubreddits", "values": ["jobs", "saas"]})
    assert refused["added"] == ["saas"] and refused["dropped"] == ["jobs"]
    removed = await ok(client, "remove_global_filter_values", {"list": "negativeSubreddits", "values": ["jobs", "x"]})
    assert removed["removed"] == ["jobs"] and removed["values"] == ["memes"]
    current = await ok(client, "get_global_filters")
    assert current["negativeSubreddits"] == ["memes"] and current["positiveSubreddits"] == ["saas"]


async def test_replace_needs_confirmation_to_drop_values(client: Client, sandbox: Sandbox) -> None:
    grown = await ok(client, "replace_global_filters", {"negativeKeywords": ["looney tunes", "wile e. coyote", "nsfw"]})
    assert grown["negativeKeywords"] == ["looney tunes", "wile e. coyote", "nsfw"]
    refused = await fails(client, "replace_global_filters", {"negativeKeywords": ["nsfw"], "negativeRepos": []})
    assert refused["code"] == "CONFIRMATION_REQUIRED"
    assert {d["path"] for d in refused["details"]} == {"negativeKeywords", "negativeRepos"}
    assert sandbox.count("PATCH /filters/global") == 1
    done = await ok(client, "replace_global_filters", {"negativeKeywords": ["nsfw"], "confirmRemovals": True})
    assert done["negativeKeywords"] == ["nsfw"] and done["negativeRepos"] == ["acme/old-sdk"]


async def test_missing_filter_settings(sandbox: Sandbox) -> None:
    sandbox.global_filters = None
    async with connect(sandbox) as client:
        error = await fails(client, "get_global_filters")
    assert error["code"] == "SETTINGS_NOT_FOUND"


async def test_slack_status_and_channels(client: Client) -> None:
    status = await ok(client, "get_slack_status")
    assert status["connected"] is True and status["teamName"]
    found = await ok(client, "search_slack_channels", {"q": "alert"})
    assert [c["name"] for c in found["data"]] == ["social-alerts"]
    first = await ok(client, "search_slack_channels", {"pages": 1})
    assert len(first["data"]) == 10 and first["pagination"]["nextCursor"]
    second = await ok(client, "search_slack_channels", {"pages": 1, "cursor": first["pagination"]["nextCursor"]})
    assert second["data"][0]["id"] != first["data"][0]["id"]


async def test_slack_not_connected(sandbox: Sandbox) -> None:
    sandbox.slack_connected = False
    async with connect(sandbox) as client:
        assert (await ok(client, "get_slack_status"))["connected"] is False
        error = await fails(client, "search_slack_channels", {})
        assert error["code"] == "SLACK_NOT_CONNECTED" and "EMAIL" in error["hint"]
        dest = {"type": "SLACK", "frequency": "hourly", "slackDestination": {"channels": "C0100000004"}}
        refused = await fails(client, "create_feed", {"name": "s", "destinations": [dest]})
        assert refused["code"] == "SLACK_NOT_CONNECTED"
