"""Names where the API wants ids: resolved before sending, refused with candidates when unknown or ambiguous.

Also dates: YYYY-MM-DD works where ISO date-times do, and an inverted window is refused before any request.
"""

from __future__ import annotations

import pytest
from mcp import Client

from octolens_sandbox import Sandbox
from tests.conftest import fails, ok

pytestmark = pytest.mark.anyio


async def test_keyword_names_in_mention_filters_become_ids(client: Client, sandbox: Sandbox) -> None:
    await ok(client, "list_mentions", {"filters": {"keyword": ["heliograph", 5], "!keyword": ["Brightline BI"]}})
    assert sandbox.requests[-1].body["filters"] == {"keyword": [3, 5], "!keyword": [4]}
    advanced = {"operator": "AND", "groups": [{"operator": "OR", "conditions": [{"keyword": ["Acme Analytics"]}]}]}
    await ok(client, "list_mentions", {"filters": advanced})
    assert sandbox.requests[-1].body["filters"]["groups"][0]["conditions"] == [{"keyword": [1]}]


async def test_a_feed_name_works_as_view(client: Client, sandbox: Sandbox) -> None:
    await ok(client, "list_mentions", {"view": "competitor buzz", "limit": 3})
    assert sandbox.requests[-1].body == {"view": 2, "limit": 3}


async def test_an_unknown_name_lists_the_closest_candidates_and_sends_nothing(client: Client, sandbox: Sandbox) -> None:
    error = await fails(client, "list_mentions", {"filters": {"keyword": ["Heliograf"]}})
    assert error["code"] == "VALIDATION_ERROR" and error["sent"] is False
    detail = error["details"][0]
    assert detail["path"] == "filters.keyword[0]"
    assert {"id": 3, "keyword": "Heliograph"} in detail["candidates"]
    assert sandbox.count("POST /mentions") == 0


async def test_an_ambiguous_name_is_refused_with_both_candidates(client: Client, sandbox: Sandbox) -> None:
    await ok(client, "add_keyword", {"keyword": "analytics"})  # a phrase beside the subreddit r/analytics
    error = await fails(client, "get_keyword_breakdown", {"keywordIds": ["analytics"]})
    candidates = error["details"][0]["candidates"]
    assert len(candidates) == 2 and {"id": 7, "keyword": "analytics", "isSubReddit": True} in candidates
    assert sandbox.count("GET /analytics/keywords") == 0


async def test_keyword_names_in_analytics_and_feed_filters(client: Client, sandbox: Sandbox) -> None:
    await ok(client, "get_mention_volume", {"keywordIds": ["Heliograph", "4"]})
    assert sandbox.requests[-1].query == [("keywordIds", "3"), ("keywordIds", "4")]
    feed = await ok(
        client,
        "create_feed",
        {"name": "Rivals", "simpleFilters": {"conditions": [{"field": "Keywords", "values": "Heliograph, 4"}]}},
    )
    assert feed["simpleFilters"]["conditions"][0]["values"] == "3,4"


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("list_mentions", {"filters": {"startDate": "2026-07-10", "endDate": "2026-07-01"}}),
        ("get_mention_volume", {"startDate": "2026-07-10", "endDate": "2026-07-01T00:00:00Z"}),
    ],
)
async def test_an_inverted_window_is_refused_before_sending(
    client: Client, sandbox: Sandbox, tool: str, arguments: dict[str, object]
) -> None:
    error = await fails(client, tool, arguments)
    assert error["code"] == "VALIDATION_ERROR" and "endDate is before startDate" in error["details"][0]["message"]
    assert sandbox.count() == 0


async def test_plain_dates_are_accepted(client: Client, sandbox: Sandbox) -> None:
    await ok(client, "list_mentions", {"filters": {"startDate": "2026-07-01", "endDate": "2026-07-31"}})
    assert sandbox.requests[-1].body["filters"] == {"startDate": "2026-07-01", "endDate": "2026-07-31"}
    await ok(client, "get_mention_volume", {"startDate": "2026-07-01", "endDate": "2026-07-31"})
