"""What a get_/list_ tool returns, the matching update_/create_ tool accepts back unchanged (against the sandbox).

An agent edits a resource by reading it, changing one thing and sending the rest back as it came. So every
writable field as read (nulls, defaults the API filled in, fields of later API revisions) must pass our
input models; only the API may refuse it, and then the request must have reached the API.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from mcp import Client

from octolens_sandbox import Sandbox
from tests.conftest import call, error_of, ok

pytestmark = pytest.mark.anyio

FEED_WRITABLE = ("name", "icon", "simpleFilters", "advancedFilters", "destinations")
NOTIFICATION_WRITABLE = ("name", "feedId", "enabled", "destinations")
KEYWORD_SETTINGS = (
    "context",
    "additionalTerms",
    "additionalTermsAndOr",
    "caseSensitive",
    "symbolSensitive",
    "platforms",
    "excludeWords",
    "wildcardExcludeWords",
    "excludeAuthors",
    "tag",
    "color",
)
COMPANY_WRITABLE = (
    "name",
    "description",
    "relevanceContext",
    "relevanceGuidelines",
    "classificationGuidelines",
    "companyMoat",
    "competitors",
    "linkedin",
    "logo",
    "productUseCases",
    "twitter",
)
FILTER_LISTS = ("negativeKeywords", "negativeAuthors", "negativeSubreddits", "positiveSubreddits", "negativeRepos")


def pick(data: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {key: data[key] for key in keys if key in data}


async def read_feed(client: Client, feed_id: int, via: str) -> dict[str, Any]:
    if via == "get_feed":
        return await ok(client, "get_feed", {"id": feed_id})
    rows: list[dict[str, Any]] = (await ok(client, "list_feeds"))["data"]
    return next(row for row in rows if row["id"] == feed_id)


def filled(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` without the empty ones (null, false, "", [], {}), as a compact list shows a record."""
    return {key: value for key, value in values.items() if value not in (None, False, "", [], {})}


# --- feeds ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("via", ["get_feed", "list_feeds"])
@pytest.mark.parametrize("feed_id", [1, 2, 3], ids=["simple+email", "advanced+slack", "simple+none"])
async def test_feed_as_read_updates_unchanged(client: Client, feed_id: int, via: str) -> None:
    feed = await read_feed(client, feed_id, via)
    sent = {"id": feed_id, **pick(feed, (*FEED_WRITABLE, "isDefault"))}
    updated = await ok(client, "update_feed", sent)
    # A listed feed leaves out empty values (null filters, no destinations, isDefault false): absent is empty.
    assert filled(pick(updated, (*FEED_WRITABLE, "isDefault"))) == filled(pick(feed, (*FEED_WRITABLE, "isDefault")))
    again = await ok(client, "get_feed", {"id": feed_id})
    assert filled(pick(again, FEED_WRITABLE)) == filled(pick(feed, FEED_WRITABLE))


@pytest.mark.parametrize("feed_id", [1, 2, 3], ids=["simple+email", "advanced+slack", "simple+none"])
async def test_feed_as_read_creates_a_copy(client: Client, feed_id: int) -> None:
    feed = await ok(client, "get_feed", {"id": feed_id})
    created = await ok(client, "create_feed", {**pick(feed, FEED_WRITABLE), "name": f"{feed['name']} (copy)"})
    assert created["id"] != feed_id
    assert pick(created, ("icon", "simpleFilters", "advancedFilters", "destinations")) == pick(
        feed, ("icon", "simpleFilters", "advancedFilters", "destinations")
    )


# --- notifications -------------------------------------------------------------------------------


async def test_notification_as_read_updates_unchanged(client: Client) -> None:
    notification = await ok(client, "get_notification", {"id": 1})
    updated = await ok(client, "update_notification", {"id": 1, **pick(notification, NOTIFICATION_WRITABLE)})
    assert pick(updated, NOTIFICATION_WRITABLE) == pick(notification, NOTIFICATION_WRITABLE)


async def test_listed_notification_creates_one_on_another_feed(client: Client) -> None:
    rows: list[dict[str, Any]] = (await ok(client, "list_notifications"))["data"]
    notification = next(row for row in rows if row["id"] == 1)
    sent = {**pick(notification, NOTIFICATION_WRITABLE), "feedId": 3, "name": f"{notification['name']} (feed 3)"}
    created = await ok(client, "create_notification", sent)
    assert created["feedId"] == 3 and created["destinations"] == notification["destinations"]


# --- keywords ------------------------------------------------------------------------------------


async def keyword_row(client: Client, keyword_id: int) -> dict[str, Any]:
    rows: list[dict[str, Any]] = (await ok(client, "list_keywords"))["data"]
    return next(row for row in rows if row["id"] == keyword_id)


# Seed keywords: 1 carries every setting; 2-6 have color null; 7 (a subreddit) has context, tag, color null.
@pytest.mark.parametrize("keyword_id", range(1, 8))
async def test_keyword_row_updates_unchanged(client: Client, keyword_id: int) -> None:
    row = await keyword_row(client, keyword_id)
    settings = pick(row, KEYWORD_SETTINGS)
    assert "platforms" in settings  # a list leaves out empty values (keyword 7 has no context or tag)
    updated = await ok(client, "update_keyword", {"id": keyword_id, **settings})
    assert {key: updated.get(key) for key in settings} == settings


@pytest.mark.parametrize("keyword_id", [1, 7])
async def test_keyword_row_creates_a_new_keyword(client: Client, keyword_id: int) -> None:
    row = await keyword_row(client, keyword_id)
    sent = {**pick(row, (*KEYWORD_SETTINGS, "isSubReddit")), "keyword": f"{row['keyword']} two"}
    created = await ok(client, "add_keyword", sent)
    assert created["keyword"] == sent["keyword"] and created["platforms"] == row["platforms"]
    assert not created.get("alreadyExisted")


# --- organization, company, global filters ------------------------------------------------------


async def test_org_as_read_updates_unchanged(client: Client) -> None:
    org = await ok(client, "get_org")
    updated = await ok(client, "update_org", pick(org, ("name", "platforms")))
    assert pick(updated, ("name", "platforms")) == pick(org, ("name", "platforms"))


async def test_org_platform_list_as_read_updates_unchanged(client: Client, sandbox: Sandbox) -> None:
    assert sandbox.org is not None
    sandbox.org["platforms"] = ["reddit", "reddit_comment", "hackernews"]
    org = await ok(client, "get_org")
    updated = await ok(client, "update_org", pick(org, ("name", "platforms")))
    assert updated["platforms"] == ["reddit", "reddit_comment", "hackernews"]


async def test_company_as_read_updates_unchanged(client: Client) -> None:
    company = await ok(client, "get_company")
    writable = pick(company, COMPANY_WRITABLE)
    assert writable.keys() == set(COMPANY_WRITABLE)
    updated = await ok(client, "update_company", writable)
    # competitors is JSON text: compare what it encodes, whatever the spacing it was re-encoded with.
    assert json.loads(updated["competitors"]) == json.loads(writable["competitors"])
    assert pick(updated, COMPANY_WRITABLE) == {**writable, "competitors": updated["competitors"]}


async def test_global_filters_as_read_replace_unchanged(client: Client) -> None:
    filters = await ok(client, "get_global_filters")
    lists = pick(filters, FILTER_LISTS)
    assert lists.keys() == set(FILTER_LISTS)
    replaced = await ok(client, "replace_global_filters", lists)
    assert pick(replaced, FILTER_LISTS) == lists


# --- a feed stored by a later API revision -------------------------------------------------------

LATER_FEED_ID = 90
LATER_FILTERS: dict[str, Any] = {
    "top_level_operator": "AND",
    "groups": [
        {
            "group_operator": "AND",
            "isSingleCondition": False,
            "conditions": [
                {"field": "Keywords", "operator": "in", "values": "1"},
                {"field": "IsReply", "operator": "equals", "values": "0"},
                {"field": "Engagement.twitter.likes", "operator": ">=", "values": "100"},
            ],
        }
    ],
}
INSTANT_WEBHOOK: dict[str, Any] = {
    "type": "WEBHOOK",
    "frequency": "instantly",
    "deliveryMode": "individual",
    "webhookDestination": {"url": "https://hooks.example.com/octolens"},
}


def store_later_feed(sandbox: Sandbox) -> None:
    """Put the feed straight into the sandbox's state, as routes/feeds.py stores feeds (its POST would refuse it)."""
    sandbox.feeds[LATER_FEED_ID] = {
        "id": LATER_FEED_ID,
        "name": "Viral replies",
        "icon": "FireIcon",
        "simpleFilters": None,
        "advancedFilters": LATER_FILTERS,
        "isDefault": False,
        "destinations": [INSTANT_WEBHOOK],
        "createdAt": "2026-06-01T09:30:00.000Z",
        "updatedAt": "2026-06-01T09:30:00.000Z",
    }


async def test_later_revision_feed_reads_unchanged(client: Client, sandbox: Sandbox) -> None:
    store_later_feed(sandbox)
    feed = await ok(client, "get_feed", {"id": LATER_FEED_ID})
    assert feed["advancedFilters"] == LATER_FILTERS and feed["destinations"] == [INSTANT_WEBHOOK]
    listed = await read_feed(client, LATER_FEED_ID, "list_feeds")
    assert listed["advancedFilters"] == LATER_FILTERS and listed["destinations"] == [INSTANT_WEBHOOK]


# Decided by reading the sandbox: sandbox/matching.py validate_feed_filters accepts only the §4.3 field names
# (FEED_FIELDS: no IsReply, no Engagement.*), and sandbox/routes/feeds.py destinations() only the four
# documented frequencies (no "instantly"). So the sandbox itself answers 400 VALIDATION_ERROR, and these tests
# pin that the refusal is the API's: the request reached it, and the error lacks our server's `sent: false`.
# (A PATCH of destinations alone is refused at the stored filter: update_feed re-validates the merged feed.)
LATER_FIELD_PATHS = ("advancedFilters.groups[0].conditions[1].field", "destinations[0].frequency")
LATER_SENDS = [
    pytest.param(("advancedFilters",), id="filters"),
    pytest.param(("destinations",), id="destinations"),
    pytest.param(("advancedFilters", "destinations"), id="both"),
]


def assert_refused_by_the_api(error: dict[str, Any]) -> None:
    assert error.get("sent") is not False
    assert error["code"] == "VALIDATION_ERROR" and error["status"] == 400
    paths = [detail.get("path") for detail in error.get("details") or []]
    assert set(paths) & set(LATER_FIELD_PATHS), paths


@pytest.mark.parametrize("fields", LATER_SENDS)
async def test_later_revision_feed_update_reaches_the_api(
    client: Client, sandbox: Sandbox, fields: tuple[str, ...]
) -> None:
    store_later_feed(sandbox)
    feed = await ok(client, "get_feed", {"id": LATER_FEED_ID})
    result = await call(client, "update_feed", {"id": LATER_FEED_ID, **pick(feed, fields)})
    assert sandbox.count("PATCH /feeds/{id}") == 1, f"refused before sending: {result.content}"
    assert_refused_by_the_api(error_of(result)["error"])


@pytest.mark.parametrize("fields", LATER_SENDS)
async def test_later_revision_feed_copy_reaches_the_api(
    client: Client, sandbox: Sandbox, fields: tuple[str, ...]
) -> None:
    store_later_feed(sandbox)
    feed = await ok(client, "get_feed", {"id": LATER_FEED_ID})
    result = await call(
        client, "create_feed", {"name": "Viral replies (copy)", "icon": feed["icon"], **pick(feed, fields)}
    )
    assert sandbox.count("POST /feeds") == 1, f"refused before sending: {result.content}"
    assert_refused_by_the_api(error_of(result)["error"])
