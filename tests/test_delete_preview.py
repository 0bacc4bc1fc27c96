"""delete_keyword and delete_feed preview their cascades on request, deleting nothing."""

from __future__ import annotations

import pytest
from mcp import Client

from octolens_sandbox import Sandbox
from tests.conftest import fails, ok

pytestmark = pytest.mark.anyio


async def test_a_keyword_delete_preview_matches_the_real_cascade(client: Client, sandbox: Sandbox) -> None:
    feed = await ok(
        client,
        "create_feed",
        {"name": "Only Heliograph", "simpleFilters": {"conditions": [{"field": "Keywords", "values": "3"}]}},
    )
    email = {"type": "EMAIL", "frequency": "daily", "emailDestination": {"emails": "a@acme-analytics.test"}}
    rule = await ok(
        client, "create_notification", {"name": "Heliograph digest", "feedId": feed["id"], "destinations": [email]}
    )
    before = len(sandbox.requests)
    preview = await ok(client, "delete_keyword", {"id": 3, "preview": True})
    assert preview["preview"] is True and preview["keyword"] == "Heliograph"
    assert {"id": feed["id"], "name": "Only Heliograph"} in preview["deletedFeeds"]
    assert {"id": rule["id"], "name": "Heliograph digest", "feedId": feed["id"]} in preview["deletedNotifications"]
    assert [r.operation for r in sandbox.requests[before:]] == ["GET /keywords", "GET /feeds", "GET /notifications"]
    done = await ok(client, "delete_keyword", {"id": 3})
    assert sorted(f["id"] for f in done["deletedFeeds"]) == sorted(f["id"] for f in preview["deletedFeeds"])


async def test_a_feed_delete_preview(client: Client, sandbox: Sandbox) -> None:
    feed_id = next(n["feedId"] for n in sandbox.notifications.values())
    preview = await ok(client, "delete_feed", {"id": feed_id, "preview": True})
    assert preview["preview"] is True and preview["deletedNotificationIds"]
    assert all(r.method == "GET" for r in sandbox.requests)  # nothing deleted
    missing = await fails(client, "delete_feed", {"id": 9999, "preview": True})
    assert missing["code"] == "FEED_NOT_FOUND"
