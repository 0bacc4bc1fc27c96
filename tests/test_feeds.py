"""Feeds and notifications: what each call sends, and what it returns."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from octolens_sandbox import Sandbox
from tests.conftest import fails, ok, sent

pytestmark = pytest.mark.anyio

EMAIL = {
    "type": "EMAIL",
    "frequency": "daily",
    "time": "08:30",
    "timezone": "Europe/Madrid",
    "emailDestination": {"emails": "ops@acme-analytics.test"},
}
WEBHOOK = {"type": "WEBHOOK", "frequency": "hourly", "webhookDestination": {"url": "https://hooks.example.com/octo"}}


async def test_list_and_get_feeds(client: Client) -> None:
    feeds = (await ok(client, "list_feeds"))["data"]
    assert [f["id"] for f in feeds] == [1, 2, 3]
    feed = await ok(client, "get_feed", {"id": 2})
    assert feed["advancedFilters"]["top_level_operator"] == "AND"
    without = (await ok(client, "list_feeds", {"excludeWithNotifications": True}))["data"]
    assert 1 not in [f["id"] for f in without]


async def test_create_feed_with_filters_and_destinations(client: Client, sandbox: Sandbox) -> None:
    arguments = {
        "name": "Reddit complaints",
        "simpleFilters": {
            "conditions": [{"field": "Source", "values": "reddit"}, {"field": "Sentiment", "values": "Negative"}]
        },
        "destinations": [EMAIL],
    }
    created = await ok(client, "create_feed", arguments)
    assert sent(sandbox, "POST /feeds") == [("/feeds", {**arguments, "icon": "BellIcon"})]  # the default icon
    assert created["icon"] == "BellIcon" and created["advancedFilters"] is None
    assert created["destinations"][0]["emailDestination"] == {"emails": "ops@acme-analytics.test"}


async def test_update_feed_replaces_destinations_and_switches_filter_kind(client: Client, sandbox: Sandbox) -> None:
    change = {
        "destinations": [WEBHOOK],
        "advancedFilters": {
            "top_level_operator": "OR",
            "groups": [
                {"group_operator": "AND", "conditions": [{"field": "Tags", "operator": "in", "values": "buy_intent"}]}
            ],
        },
    }
    updated = await ok(client, "update_feed", {"id": 1, **change})
    assert [d["type"] for d in updated["destinations"]] == ["WEBHOOK"]
    assert updated["simpleFilters"] is None and updated["advancedFilters"]["top_level_operator"] == "OR"
    cleared = await ok(client, "update_feed", {"id": 1, "destinations": []})
    assert cleared["destinations"] == []
    # Switching to advanced filters clears the simple ones explicitly.
    switched = {**change, "simpleFilters": None}
    assert sent(sandbox, "PATCH /feeds/{id}") == [("/feeds/1", switched), ("/feeds/1", {"destinations": []})]


async def test_delete_feed_takes_its_notification(client: Client, sandbox: Sandbox) -> None:
    report = await ok(client, "delete_feed", {"id": 1})
    assert report["deletedNotificationIds"] == [1]
    assert sent(sandbox, "DELETE /feeds/{id}") == [("/feeds/1", None)]
    error = await fails(client, "get_feed", {"id": 1})
    assert error["code"] == "FEED_NOT_FOUND" and "list_feeds" in error["hint"]


@pytest.mark.parametrize(
    ("arguments", "path"),
    [
        (
            {
                "name": "x",
                "advancedFilters": {
                    "top_level_operator": "AND",
                    "groups": [
                        {
                            "group_operator": "AND",
                            "conditions": [
                                {"field": "TimeRange", "operator": "=", "values": "7d"},
                                {"field": "Tags", "operator": "not in", "values": "hiring"},
                            ],
                        }
                    ],
                },
            },
            "advancedFilters",
        ),
        (
            {
                "name": "x",
                "destinations": [{"type": "EMAIL", "frequency": "weekly", "emailDestination": {"emails": "a@b.co"}}],
            },
            "destinations[0]",
        ),
        (
            {
                "name": "x",
                "destinations": [{"type": "SLACK", "frequency": "daily", "emailDestination": {"emails": "a@b.co"}}],
            },
            "destinations[0]",
        ),
    ],
)
async def test_feed_input_refused_before_sending(
    client: Client, sandbox: Sandbox, arguments: dict[str, Any], path: str
) -> None:
    error = await fails(client, "create_feed", arguments)
    assert error["code"] == "VALIDATION_ERROR" and error["details"][0]["path"] == path
    assert sandbox.count() == 0


async def test_feed_field_names_are_the_apis_call(client: Client, sandbox: Sandbox) -> None:
    """The field set is listed, not closed for us: a lowercase name reaches the API, which refuses it."""
    error = await fails(
        client, "create_feed", {"name": "x", "simpleFilters": {"conditions": [{"field": "source", "values": "reddit"}]}}
    )
    assert error["code"] == "VALIDATION_ERROR" and "sent" not in error
    assert sandbox.count("POST /feeds") == 1


async def test_feed_with_unknown_keyword_id_is_refused_by_the_api(client: Client) -> None:
    error = await fails(
        client,
        "create_feed",
        {"name": "x", "simpleFilters": {"conditions": [{"field": "Keywords", "values": "1,999"}]}},
    )
    assert error["code"] == "VALIDATION_ERROR" and error["status"] == 400
    assert "999" in error["details"][0]["message"]


async def test_notification_lifecycle(client: Client, sandbox: Sandbox) -> None:
    created = await ok(
        client, "create_notification", {"name": "Buy intent", "feedId": 3, "destinations": [EMAIL, WEBHOOK]}
    )
    assert created["feedId"] == 3 and created["enabled"] is True and created["feedName"] == "Buy intent"
    assert created["destinations"][0]["time"] == "08:30"
    assert (await ok(client, "get_notification", {"id": created["id"]}))["name"] == "Buy intent"
    paused = await ok(client, "update_notification", {"id": created["id"], "enabled": False})
    assert paused["enabled"] is False
    assert sent(sandbox, "PATCH /notifications/{id}") == [(f"/notifications/{created['id']}", {"enabled": False})]
    tested = await ok(client, "test_notification", {"id": created["id"]})
    assert [r["type"] for r in tested["results"]] == ["EMAIL", "WEBHOOK"] and all(r["ok"] for r in tested["results"])
    deleted = await ok(client, "delete_notification", {"id": created["id"]})
    assert deleted["ok"] is True
    assert (await ok(client, "get_feed", {"id": 3}))["id"] == 3  # the feed is kept
    gone = await fails(client, "get_notification", {"id": created["id"]})
    assert gone["code"] == "NOT_FOUND" and "list_notifications" in gone["hint"]


async def test_second_notification_on_a_feed_is_item_exists(client: Client) -> None:
    error = await fails(client, "create_notification", {"name": "dup", "feedId": 1, "destinations": [EMAIL]})
    assert error["code"] == "ITEM_EXISTS" and "update_notification" in error["hint"]
