"""First-try mistakes are understood where the meaning is unambiguous, and refused with a way out where not.

A sentiment in any case, a language by its name, a keyword or feed by its exact name wherever an id is
taken: each call sends what the API wants (asserted on the request). What cannot be understood is a
VALIDATION_ERROR naming the field, with candidates, and nothing sent. Hints that name a hidden tool say
how to show it.
"""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from mcp import Client, MCPError

from octolens_sandbox import Sandbox
from tests.conftest import READ_KEY, connect, fails, ok, sent

pytestmark = pytest.mark.anyio


# --- Sentiment in any case -------------------------------------------------------------------------


async def test_filter_sentiments_in_any_case_are_sent_lowercase(client: Client, sandbox: Sandbox) -> None:
    await ok(client, "list_mentions", {"filters": {"sentiment": ["Negative"], "!sentiment": ["POSITIVE"]}})
    assert sandbox.requests[-1].body["filters"] == {"sentiment": ["negative"], "!sentiment": ["positive"]}
    advanced = {"operator": "AND", "groups": [{"operator": "OR", "conditions": [{"sentiment": ["Neutral"]}]}]}
    await ok(client, "export_mentions", {"filters": advanced, "output": "result"})
    assert sandbox.requests[-1].body["filters"]["groups"][0]["conditions"] == [{"sentiment": ["neutral"]}]


async def test_update_mention_takes_a_lowercase_sentiment_and_sends_title_case(
    client: Client, sandbox: Sandbox
) -> None:
    mention = sandbox.mentions[0]
    given = {"sourceId": mention["sourceId"], "sentiment": "negative", "timestamp": mention["timestamp"]}
    done = await ok(client, "update_mention", given)
    assert done["sentiment"] == "Negative"
    body = {"action": "sentiment", "sentimentLabel": "Negative", "timestamp": mention["timestamp"]}
    assert sent(sandbox, "PATCH /mentions/{sourceId}") == [(f"/mentions/{mention['sourceId']}", body)]


@pytest.mark.parametrize("spelling", ["negative", "Negative", "NEGATIVE"])
async def test_analytics_send_the_sentiment_uppercase(client: Client, sandbox: Sandbox, spelling: str) -> None:
    await ok(client, "get_mention_volume", {"sentiment": spelling})
    assert ("sentiment", "NEGATIVE") in sandbox.requests[-1].query


async def test_feed_sentiment_conditions_are_stored_title_case(client: Client, sandbox: Sandbox) -> None:
    conditions = [{"field": "Sentiment", "values": "negative, NEUTRAL"}, {"field": "Source", "values": "reddit"}]
    await ok(client, "create_feed", {"name": "Unhappy", "simpleFilters": {"conditions": conditions}})
    body = sent(sandbox, "POST /feeds")[0][1]
    assert body["simpleFilters"]["conditions"] == [
        {"field": "Sentiment", "values": "Negative,Neutral"},
        {"field": "Source", "values": "reddit"},
    ]


async def test_a_sentiment_that_is_none_of_the_three_is_refused_by_name(client: Client, sandbox: Sandbox) -> None:
    error = await fails(client, "list_mentions", {"filters": {"sentiment": ["angry"]}})
    assert error["code"] == "VALIDATION_ERROR" and error["details"][0]["path"] == "filters.sentiment[0]"
    assert "positive" in error["details"][0]["message"] and sandbox.count() == 0


# --- A language by its name or its code ----------------------------------------------------------


async def test_language_names_become_codes(client: Client, sandbox: Sandbox) -> None:
    filters = {"language": ["english", "Spanish", "fr"], "!language": ["GERMAN"]}
    await ok(client, "list_mentions", {"filters": filters})
    assert sandbox.requests[-1].body["filters"] == {"language": ["en", "es", "fr"], "!language": ["de"]}


async def test_a_language_copied_from_a_result_filters_the_same_mentions(client: Client, sandbox: Sandbox) -> None:
    listed = await ok(client, "list_mentions", {"limit": 1, "detail": "full"})
    language = listed["data"][0]["language"]  # a result says the name ("english"), the filter wants the code
    again = await ok(client, "list_mentions", {"filters": {"language": [language]}, "limit": 5, "detail": "full"})
    assert again["data"] and all(m["language"] == language for m in again["data"])


async def test_an_unknown_language_names_the_field_and_suggests_codes(client: Client, sandbox: Sandbox) -> None:
    error = await fails(client, "list_mentions", {"filters": {"language": ["englsh"]}})
    assert error["code"] == "VALIDATION_ERROR" and error["sent"] is False
    detail = error["details"][0]
    assert detail["path"] == "filters.language[0]"
    assert {"code": "en", "name": "english"} in detail["candidates"]
    assert sandbox.count() == 0


# --- Keyword and feed names wherever an id is taken -------------------------------------------------


async def test_delete_keyword_takes_a_name(client: Client, sandbox: Sandbox) -> None:
    report = await ok(client, "delete_keyword", {"id": "brightline bi"})
    assert report["ok"] is True
    assert [path for path, _ in sent(sandbox, "DELETE /keywords/{id}")] == ["/keywords/4"]


async def test_delete_keyword_preview_takes_a_name(client: Client, sandbox: Sandbox) -> None:
    report = await ok(client, "delete_keyword", {"id": "Heliograph", "preview": True})
    assert report["preview"] is True and report["id"] == 3 and report["keyword"] == "Heliograph"
    assert sandbox.count("DELETE /keywords/{id}") == 0


async def test_a_name_for_a_write_is_resolved_on_fresh_state(client: Client, sandbox: Sandbox) -> None:
    await ok(client, "list_keywords")  # cached without the keyword added next
    template = next(iter(sandbox.keywords.values()))
    new_id = max(sandbox.keywords) + 1
    sandbox.keywords[new_id] = {**template, "id": new_id, "keyword": "Quasar Cloud", "isSubReddit": False}
    await ok(client, "delete_keyword", {"id": "Quasar Cloud"})
    assert [path for path, _ in sent(sandbox, "DELETE /keywords/{id}")] == [f"/keywords/{new_id}"]


async def test_a_name_for_a_read_may_come_from_the_cache(client: Client, sandbox: Sandbox) -> None:
    await ok(client, "list_keywords")
    await ok(client, "get_mention_volume", {"keywordIds": ["Heliograph"]})
    await ok(client, "get_sentiment_breakdown", {"keywordIds": ["Heliograph"]})
    assert sandbox.count("GET /keywords") == 1
    assert ("keywordIds", "3") in sandbox.requests[-1].query


async def test_an_ambiguous_name_for_delete_keyword_deletes_nothing(client: Client, sandbox: Sandbox) -> None:
    await ok(client, "add_keyword", {"keyword": "analytics"})  # a phrase beside the subreddit r/analytics
    error = await fails(client, "delete_keyword", {"id": "Analytics"})
    assert error["code"] == "VALIDATION_ERROR" and error["sent"] is False
    detail = error["details"][0]
    assert detail["path"] == "id" and "2 keywords are named" in detail["message"]
    assert (
        len(detail["candidates"]) == 2
        and {"id": 7, "keyword": "analytics", "isSubReddit": True} in detail["candidates"]
    )
    assert sandbox.count("DELETE /keywords/{id}") == 0


async def test_an_unknown_feed_name_lists_close_feeds(client: Client, sandbox: Sandbox) -> None:
    error = await fails(client, "get_feed", {"id": "Competitor buz"})
    detail = error["details"][0]
    assert detail["path"] == "id" and "no feed is named" in detail["message"]
    assert {"id": 2, "name": "Competitor buzz"} in detail["candidates"]
    assert sandbox.count("GET /feeds/{id}") == 0


async def test_a_name_like_none_lists_feeds_to_choose_from(client: Client, sandbox: Sandbox) -> None:
    error = await fails(client, "delete_feed", {"id": "zzz"})
    detail = error["details"][0]
    assert (
        detail["path"] == "id" and detail["candidates"] and all("id" in c and "name" in c for c in detail["candidates"])
    )
    assert sandbox.count("DELETE /feeds/{id}") == 0


@pytest.mark.parametrize(
    ("tool", "arguments", "operation", "expected"),
    [
        (
            "pause_keyword",
            {"id": "heliograph", "paused": True},
            "POST /keywords/{id}/pause",
            ("/keywords/3/pause", None),
        ),
        ("update_keyword", {"id": "Heliograph", "color": "#112233"}, "PATCH /keywords/{id}", ("/keywords/3", None)),
        ("get_feed", {"id": "competitor buzz"}, "GET /feeds/{id}", ("/feeds/2", None)),
        ("update_feed", {"id": "Buy intent", "icon": "StarIcon"}, "PATCH /feeds/{id}", ("/feeds/3", None)),
        ("delete_feed", {"id": "buy INTENT"}, "DELETE /feeds/{id}", ("/feeds/3", None)),
    ],
)
async def test_ids_in_paths_take_names(
    client: Client,
    sandbox: Sandbox,
    tool: str,
    arguments: dict[str, Any],
    operation: str,
    expected: tuple[str, Any],
) -> None:
    await ok(client, tool, arguments)
    assert [path for path, _ in sent(sandbox, operation)] == [expected[0]]


async def test_ids_in_queries_and_bodies_take_names(client: Client, sandbox: Sandbox) -> None:
    await ok(client, "list_keyword_suggestions", {"keywordId": "Acme Analytics"})
    assert ("keywordId", "1") in sandbox.requests[-1].query
    await ok(client, "get_feedback_stats", {"keywordId": "acme analytics"})
    assert ("keywordId", "1") in sandbox.requests[-1].query
    await ok(client, "reject_keyword_suggestion", {"keywordId": "Acme Analytics"})
    assert sent(sandbox, "DELETE /keywords/suggestions")[-1][1] == {"keywordId": 1}
    destinations = [{"type": "EMAIL", "frequency": "daily", "emailDestination": {"emails": "a@acme-analytics.test"}}]
    await ok(client, "create_notification", {"name": "Buyers", "feedId": "Buy intent", "destinations": destinations})
    assert sent(sandbox, "POST /notifications")[-1][1]["feedId"] == 3


async def test_feed_keyword_names_in_an_update_are_resolved(client: Client, sandbox: Sandbox) -> None:
    advanced = {
        "top_level_operator": "AND",
        "groups": [
            {"group_operator": "OR", "conditions": [{"field": "Keywords", "operator": "in", "values": "heliograph,1"}]}
        ],
    }
    await ok(client, "update_feed", {"id": "Competitor buzz", "advancedFilters": advanced})
    path, body = sent(sandbox, "PATCH /feeds/{id}")[-1]
    assert path == "/feeds/2" and body["advancedFilters"]["groups"][0]["conditions"][0]["values"] == "3,1"


# --- Hints name hidden tools only with how to show them ----------------------------------------------


async def test_a_forbidden_hint_says_how_to_show_the_tool_it_names(sandbox: Sandbox) -> None:
    async with connect(sandbox, api_key=READ_KEY, toolsets=("keywords",)) as client:
        error = await fails(client, "add_keyword", {"keyword": "Zephyr"})
    assert error["code"] == "FORBIDDEN"
    assert (
        "get_auth_info (not exposed; start the server with the org toolset: --toolsets, OCTOLENS_TOOLSETS)"
        in (error["hint"])
    )


async def test_in_a_dynamic_session_the_hint_says_which_toolset_to_enable(sandbox: Sandbox) -> None:
    async with connect(sandbox, api_key=READ_KEY, dynamic_toolsets=True) as client:
        await ok(client, "enable_toolset", {"toolsets": ["keywords"]})
        error = await fails(client, "add_keyword", {"keyword": "Zephyr"})
    assert "get_auth_info (not listed yet; call enable_toolset with org)" in error["hint"]


async def test_a_refusal_by_known_scope_does_not_repeat_itself(sandbox: Sandbox) -> None:
    async with connect(sandbox, api_key=READ_KEY, scope_filter=True) as client:
        await ok(client, "list_tags")  # answered: the server now asks for the key's scope
        error: dict[str, Any] = {}
        with anyio.fail_after(5):
            while "keyScope" not in error:
                await anyio.sleep(0.05)
                error = await fails(client, "add_keyword", {"keyword": "Zephyr"})
    assert error["code"] == "FORBIDDEN" and error["sent"] is False
    hint = error["hint"]
    assert "add_keyword" not in hint, "the message names the tool; the hint says what to do"
    assert "'write' scope" in hint and "Settings → API" in hint


async def test_calling_a_tool_the_session_hides_says_how_to_show_it(sandbox: Sandbox) -> None:
    async with connect(sandbox, toolsets=("mentions",)) as client:
        with pytest.raises(MCPError, match=r"delete_keyword \(not exposed; .*keywords toolset: --toolsets"):
            await client.call_tool("delete_keyword", {"id": "Heliograph"})
    async with connect(sandbox, read_only=True) as client:
        with pytest.raises(MCPError, match=r"read-only mode: --read-only, OCTOLENS_READ_ONLY"):
            await client.call_tool("delete_keyword", {"id": "Heliograph"})
    assert sandbox.count() == 0


# --- Tags ----------------------------------------------------------------------------------------


async def test_list_tags_says_tags_are_read_only(client: Client) -> None:
    tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert "cannot create or set them" in (tools["list_tags"].description or "")
